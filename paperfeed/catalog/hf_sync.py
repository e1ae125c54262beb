"""The live Hugging Face sync: each day's daily papers into the catalogue as picks (off by default).

Each run reads ``HF_SYNC_URL?date=D`` for every day from the watermark to today, plus the last
``HF_SYNC_REFRESH_DAYS`` days again (upvotes keep moving for a while), one request at a time at
``HF_REQUEST_INTERVAL``, with ``If-None-Match`` / ``If-Modified-Since`` from the last answer for
that day (a 304 costs nothing and ingests nothing). Each day's entries are upserted as Hugging
Face records: they only fill blanks in arXiv's text, keep the largest upvote count apart from
local votes (``imported_upvotes``), add GitHub and project links, and make the paper a pick with
HF's submitter unless a pick is known already. The watermark (last day done) and the validators
of the recent days are saved after every day, so a run stopped at any point resumes there; a
re-read day is idempotent. HF's AI summary and keywords are not kept: the catalogue has no field
for them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone

from paperfeed.catalog.fetch.hf_daily import DayAnswer, get_day
from paperfeed.catalog.fetch.http import PoliteClient
from paperfeed.catalog.ingest import upsert_records
from paperfeed.catalog.models import HarvestState
from paperfeed.catalog.signals import announce_ingested
from paperfeed.catalog.sources.hf_daily import records_from_hf_item
from paperfeed.catalog.sources.reading import BadRecord, ParseError

STATE_KEY = "hf:daily_papers"


@dataclasses.dataclass
class SyncReport:
    """What one run did: days requested, answered 304, empty; entries read; papers new/updated/unchanged/skipped."""

    days: int = 0
    not_modified: int = 0
    empty_days: int = 0
    entries: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)
    watermark: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The counts as a JobRun records them (the first 20 errors kept)."""
        out = dataclasses.asdict(self)
        out["errors"] = self.errors[:20]
        return out


def days_to_sync(
    *, watermark: dt.date | None, today: dt.date, start: dt.date | None, initial_days: int, refresh_days: int
) -> list[dt.date]:
    """The days one run reads, oldest first: from the watermark (less ``refresh_days``) or the start, to today."""
    if watermark is None:
        first = start or today - dt.timedelta(days=max(0, initial_days))
    else:
        first = watermark + dt.timedelta(days=1) - dt.timedelta(days=max(0, refresh_days))
    return [first + dt.timedelta(days=n) for n in range((today - first).days + 1)]


def hf_client() -> PoliteClient:
    """A client at Hugging Face's pace (HF_REQUEST_INTERVAL seconds between requests)."""
    return PoliteClient(interval=settings.HF_REQUEST_INTERVAL, timeout=30.0, max_retries=4)


def _start() -> dt.date | None:
    raw = settings.HF_SYNC_START.strip()
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        raise ValueError(f"HF_SYNC_START={raw!r} is not a day: use YYYY-MM-DD, or leave it empty") from None


def _validators(state: HarvestState) -> dict[str, dict[str, str]]:
    """The ETag / Last-Modified of recent days, kept as JSON in the state's resumption_token."""
    try:
        data = json.loads(state.resumption_token or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _records(answer: DayAnswer):
    """The day's entries as records; unreadable entries become ParseErrors (counted as skipped)."""
    for n, item in enumerate(records_from_hf_item({"date": answer.day.isoformat(), "papers": answer.entries}), 1):
        yield ParseError(f"hf:{answer.day}", n, str(item)) if isinstance(item, BadRecord) else item


def _ingest(answer: DayAnswer, report: SyncReport) -> None:
    report.entries += len(answer.entries or [])
    if not answer.entries:
        report.empty_days += 1
        return
    stats = upsert_records(_records(answer), source="hf")
    report.new += stats.new
    report.updated += stats.updated
    report.unchanged += stats.unchanged
    report.skipped += stats.skipped
    report.errors.extend(stats.errors[: max(0, 200 - len(report.errors))])
    if stats.new or stats.updated:
        announce_ingested(sender=sync_hf_daily, count=stats.new + stats.updated, final=False)


def _save(state: HarvestState, day: dt.date, answer: DayAnswer, validators: dict, keep_from: dt.date) -> None:
    validators[day.isoformat()] = {"etag": answer.etag, "last_modified": answer.last_modified}
    kept = {d: v for d, v in validators.items() if d >= keep_from.isoformat()}
    validators.clear()
    validators.update(kept)
    state.watermark = max(state.watermark or day, day)
    state.resumption_token = json.dumps(kept, sort_keys=True)
    state.pages += 1
    state.save(update_fields=["watermark", "resumption_token", "pages", "updated_at"])


def sync_hf_daily(
    *,
    today: dt.date | None = None,
    client: PoliteClient | None = None,
    url: str | None = None,
    stop: threading.Event | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Read Hugging Face's daily papers from the watermark to ``today`` into the catalogue; return the counts."""
    today = today or timezone.now().date()
    state, _ = HarvestState.objects.get_or_create(key=STATE_KEY)
    validators = _validators(state)
    days = days_to_sync(watermark=state.watermark, today=today, start=_start(),
                        initial_days=settings.HF_SYNC_INITIAL_DAYS, refresh_days=settings.HF_SYNC_REFRESH_DAYS)
    keep_from = today - dt.timedelta(days=max(0, settings.HF_SYNC_REFRESH_DAYS))
    report = SyncReport()
    own_client = client is None
    client = client or hf_client()
    try:
        for day in days:
            if stop is not None and stop.is_set():
                break
            known = validators.get(day.isoformat(), {})
            answer = get_day(client, url or settings.HF_SYNC_URL, day,
                             etag=known.get("etag", ""), last_modified=known.get("last_modified", ""))
            report.days += 1
            if answer.not_modified:
                report.not_modified += 1
            else:
                _ingest(answer, report)
            _save(state, day, answer, validators, keep_from)
            if progress:
                progress(f"{day}: {report.new:,} new, {report.updated:,} updated so far")
    finally:
        if own_client:
            client.close()
    report.watermark = state.watermark.isoformat() if state.watermark else ""
    if report.new or report.updated:
        announce_ingested(sender=sync_hf_daily, count=report.new + report.updated, final=True)
    return report.as_dict()
