"""Papers by id from the arXiv API (Atom 1.0 over ``/api/query``), in batches, into the catalogue.

``fetch_records`` asks the API for up to 100 ids per request through the polite client (arXiv
asks for one request every three seconds); ``fetch_arxiv`` is the service behind
``paperfeed fetch arxiv`` and the submissions job. Parsing is ``paperfeed.catalog.sources.arxiv_atom``.
Spec: https://info.arxiv.org/help/api/user-manual.html
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings

from paperfeed.catalog.fetch.http import FetchError, PoliteClient, arxiv_client
from paperfeed.catalog.ingest import upsert_records
from paperfeed.catalog.signals import announce_ingested
from paperfeed.catalog.sources.arxiv_atom import MAX_BATCH, AtomResult, batched, parse_feed
from paperfeed.catalog.sources.arxiv_ids import BadArxivId, parse_arxiv_id


def fetch_arxiv(
    ids: Iterable[str], *, client: PoliteClient | None = None, base_url: str | None = None, batch_size: int = MAX_BATCH
) -> dict[str, Any]:
    """Fetch papers by id (any form: ``2406.07550v2``, ``arXiv:…``, abs URLs) and upsert them.

    Returns counts and ``errors`` (malformed ids, ids arXiv does not know, records skipped); sends
    ``papers_ingested`` (final) after the upsert.
    """
    wanted, errors = [], []
    for raw in ids:
        try:
            wanted.append(parse_arxiv_id(raw)[0])
        except BadArxivId as exc:
            errors.append(str(exc))
    wanted = list(dict.fromkeys(wanted))
    counts: dict[str, Any] = {"requested": len(wanted), "fetched": 0, "new": 0, "updated": 0, "unchanged": 0}
    if wanted:
        own_client = client is None
        client = client or arxiv_client()
        try:
            result = fetch_records(wanted, client=client, base_url=base_url or settings.ARXIV_API_URL,
                                   batch_size=batch_size)
        finally:
            if own_client:
                client.close()
        stats = upsert_records(result.records, source="arxiv-api")
        announce_ingested(sender=fetch_arxiv, count=stats.new + stats.updated, final=True)
        counts.update(fetched=len(result.records), new=stats.new, updated=stats.updated, unchanged=stats.unchanged)
        errors.extend(result.errors)
        errors.extend(stats.errors)
        found = {r.arxiv_id for r in result.records}
        counts["not_found"] = [i for i in wanted if i not in found]
        counts["requests"] = client.requests_made
    counts["errors"] = errors[:100]
    return counts


def fetch_records(
    ids: Iterable[str], *, client: PoliteClient, base_url: str, batch_size: int = MAX_BATCH
) -> AtomResult:
    """Fetch papers by versionless id, ``batch_size`` per request (at most 100).

    Ids the API does not know are reported in ``errors`` as "not found"; a batch whose answer is
    not a feed raises FetchError.
    """
    batch_size = max(1, min(batch_size, MAX_BATCH))
    result = AtomResult([], [])
    for batch in batched(dict.fromkeys(ids), batch_size):
        params = {"id_list": ",".join(batch), "max_results": str(len(batch)), "start": "0"}
        response = client.get(base_url, params=params)
        if response.status_code != 200:
            raise FetchError(f"{base_url}: HTTP {response.status_code}", status=response.status_code, url=base_url)
        try:
            page = parse_feed(response.content)
        except ValueError as exc:
            raise FetchError(f"{base_url}: {exc}", url=base_url) from exc
        asked = set(batch)
        records = [r for r in page.records if r.arxiv_id in asked]  # never store what we did not ask for
        found = {r.arxiv_id for r in records}
        result.records.extend(records)
        result.errors.extend(page.errors)
        result.errors.extend(f"{i}: not found" for i in batch if i not in found and not _mentioned(i, page.errors))
    return result


def _mentioned(arxiv_id: str, errors: list[str]) -> bool:
    return any(arxiv_id in e for e in errors)
