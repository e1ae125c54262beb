"""The arXiv OAI-PMH harvest: pages of records into the catalogue, with a resumable watermark.

Each page's records and the harvest state (next resumption token, and at the end of the list the
new watermark) are committed in one transaction, so a run killed at any moment resumes where the
last committed page left off: no gaps, and re-upserting a page is idempotent (no duplicates).
Each committed page, and the end of a run, is announced with ``papers_ingested``.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction

from paperfeed.catalog.fetch.http import PoliteClient, arxiv_client
from paperfeed.catalog.fetch.oaipmh import count_identifiers, fetch_page
from paperfeed.catalog.ingest import IngestStats, upsert_records
from paperfeed.catalog.models import HarvestState
from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.signals import announce_ingested
from paperfeed.catalog.sources.oaipmh import BadResumptionToken, OaiPage, list_records_params

log = logging.getLogger(__name__)
MAX_RESTARTS = 2


def harvest_sets() -> list[str]:
    """The OAI-PMH sets to harvest (HARVEST_SETS); ``[""]`` means the whole repository."""
    return list(settings.HARVEST_SETS) or [""]


def state_key(set_spec: str, prefix: str) -> str:
    """The HarvestState key of one (set, format) stream."""
    return f"arxiv:{set_spec or 'all'}:{prefix}"


def harvest_arxiv(
    *,
    set_spec: str = "cs",
    prefix: str = "arXiv",
    from_date: dt.date | None = None,
    until_date: dt.date | None = None,
    today: dt.date | None = None,
    client: PoliteClient | None = None,
    base_url: str | None = None,
    stop: threading.Event | None = None,
    after_page: Callable[[int, OaiPage], None] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Harvest one set from the stored watermark (or the given dates) to today; return counts.

    An unfinished list (stored resumption token) is resumed first unless other dates are given.
    ``stop`` ends the run cleanly after the current page; ``after_page`` is called after each
    committed page (tests inject crashes there).
    """
    today = today or dt.datetime.now(dt.UTC).date()
    base_url = base_url or settings.ARXIV_OAI_URL
    own_client = client is None
    client = client or arxiv_client()
    counts: dict[str, Any] = {"pages": 0, "records": 0, "new": 0, "updated": 0, "unchanged": 0,
                              "deleted": 0, "skipped": 0, "restarts": 0, "resumed": False}
    state, _ = HarvestState.objects.get_or_create(key=state_key(set_spec, prefix))
    token = _start(state, from_date=from_date, until_date=until_date, today=today, counts=counts)
    try:
        while True:
            params = {"verb": "ListRecords", "resumptionToken": token} if token else list_records_params(
                prefix=prefix, from_date=state.from_date, until_date=state.until_date, set_spec=set_spec)
            try:
                page = fetch_page(client, base_url, params)
            except BadResumptionToken:
                token = _restart(state, counts)
                continue
            token = _commit_page(state, page, counts)
            _announce(count=len(page.records), final=False)
            if progress:
                progress(_progress_line(state, page, counts))
            if after_page:
                after_page(counts["pages"], page)
            if token is None:
                break
            if stop is not None and stop.is_set():
                counts["stopped"] = True
                break
    finally:
        if own_client:
            client.close()
    _announce(count=counts["new"] + counts["updated"], final=True)
    counts["watermark"] = state.watermark.isoformat() if state.watermark else None
    counts["requests"] = client.requests_made
    return counts


def _start(state: HarvestState, *, from_date, until_date, today, counts) -> str | None:
    """Decide the list to harvest; return the token to resume with, or None for a fresh list."""
    explicit = from_date is not None or until_date is not None
    same = state.from_date == from_date and state.until_date == (until_date or state.until_date)
    if state.resumption_token and (not explicit or same):
        counts["resumed"] = True
        return state.resumption_token
    if not explicit:
        initial = settings.HARVEST_INITIAL_DAYS
        # The watermark day is harvested again: records stamped later that day are not missed.
        from_date = state.watermark or (today - dt.timedelta(days=initial))
    state.from_date = from_date
    state.until_date = until_date or today
    state.resumption_token = ""
    state.pages = state.records = 0
    state.complete_list_size = None
    state.save()
    return None


def _restart(state: HarvestState, counts: dict) -> None:
    """The token expired: start the same list again from its beginning (idempotent upserts)."""
    counts["restarts"] += 1
    if counts["restarts"] > MAX_RESTARTS:
        raise BadResumptionToken("badResumptionToken", "token rejected again after restarting the list")
    log.warning("harvest %s: resumption token rejected; restarting from %s", state.key, state.from_date)
    state.resumption_token = ""
    state.pages = state.records = 0
    state.save(update_fields=["resumption_token", "pages", "records", "updated_at"])
    return None


def _commit_page(state: HarvestState, page: OaiPage, counts: dict) -> str | None:
    """Upsert a page and advance the state in one transaction; return the next token.

    Deleted records go through the upsert too: it hides the paper (votes and collections stay).
    """
    with transaction.atomic():
        stats = _upsert(page.records)
        state.pages += 1
        state.records += len(page.records)
        if page.complete_list_size is not None:
            state.complete_list_size = page.complete_list_size
        state.resumption_token = page.token or ""
        if page.token is None:
            state.watermark = _advanced_watermark(state)
        state.save()
    counts["pages"] += 1
    counts["records"] += len(page.records)
    counts["deleted"] += sum(1 for r in page.records if r.deleted)
    counts["skipped"] += len(page.skipped) + stats.skipped
    for key in ("new", "updated", "unchanged"):
        counts[key] += getattr(stats, key)
    for reason in (page.skipped + stats.errors)[:20]:
        log.warning("harvest %s: skipped %s", state.key, reason)
    return page.token


def _advanced_watermark(state: HarvestState) -> dt.date | None:
    """The watermark after a complete list: moved to its end only if the list joins on to it.

    A backfill of an old range, or a range that leaves a gap after the watermark, keeps it.
    """
    mark, start, end = state.watermark, state.from_date, state.until_date
    if mark is None:
        return end
    if end is None or (start is not None and start > mark + dt.timedelta(days=1)):
        return mark
    return max(mark, end)


def _announce(*, count: int, final: bool) -> None:
    """Tell the layers above that papers arrived (the search app keeps its keyword index in step)."""
    for line in announce_ingested(sender=harvest_arxiv, count=count, final=final):
        log.info("harvest: %s", line)


def _upsert(records: list[PaperRecord]) -> IngestStats:
    if not records:
        return IngestStats()
    return upsert_records(records, source="oai-pmh")


def _progress_line(state: HarvestState, page: OaiPage, counts: dict) -> str:
    total = f"/{state.complete_list_size}" if state.complete_list_size else ""
    return (f"{state.key}: page {state.pages}, {len(page.records)} records "
            f"({state.records}{total} in this list; {counts['skipped']} skipped)")


def run_harvest(
    *,
    sets: list[str] | None = None,
    prefix: str | None = None,
    from_date: dt.date | None = None,
    until_date: dt.date | None = None,
    stop: threading.Event | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Harvest each configured set (HARVEST_SETS, HARVEST_PREFIX unless given); return summed counts."""
    prefix = prefix or settings.HARVEST_PREFIX
    total: dict[str, Any] = {}
    with arxiv_client() as client:
        for set_spec in sets if sets is not None else harvest_sets():
            counts = harvest_arxiv(set_spec=set_spec, prefix=prefix, from_date=from_date, until_date=until_date,
                                   client=client, stop=stop, progress=progress)
            for key, value in counts.items():
                if isinstance(value, int) and not isinstance(value, bool):
                    total[key] = total.get(key, 0) + value
            total.setdefault("watermarks", {})[state_key(set_spec, prefix)] = counts["watermark"]
            if counts.get("stopped"):
                total["stopped"] = True
                break
        total["requests"] = client.requests_made
    return total


def preview_harvest(
    *,
    sets: list[str] | None = None,
    prefix: str | None = None,
    from_date: dt.date | None = None,
    until_date: dt.date | None = None,
    today: dt.date | None = None,
) -> dict[str, dict[str, Any]]:
    """Count what a harvest would fetch (ListIdentifiers over the same range), storing nothing."""
    today = today or dt.datetime.now(dt.UTC).date()
    prefix = prefix or settings.HARVEST_PREFIX
    out: dict[str, dict[str, Any]] = {}
    with arxiv_client() as client:
        for set_spec in sets if sets is not None else harvest_sets():
            state = HarvestState.objects.filter(key=state_key(set_spec, prefix)).first()
            initial = dt.timedelta(days=settings.HARVEST_INITIAL_DAYS)
            start = from_date or (state.watermark if state and state.watermark else today - initial)
            end = until_date or today
            params = list_records_params(prefix=prefix, from_date=start, until_date=end, set_spec=set_spec)
            counts = count_identifiers(client, settings.ARXIV_OAI_URL, params)
            out[state_key(set_spec, prefix)] = {"from": start.isoformat(), "until": end.isoformat(), **counts}
    return out
