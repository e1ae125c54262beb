"""Fetching single papers from the arXiv API: by id on demand, and for pending user submissions."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from paperfeed.catalog.ingest import upsert_records
from paperfeed.catalog.sources.arxiv_atom import MAX_BATCH, fetch_records
from paperfeed.catalog.sources.arxiv_ids import BadArxivId, parse_arxiv_id
from paperfeed.catalog.sources.http import PoliteClient
from paperfeed.jobs.harvest import arxiv_client

log = logging.getLogger(__name__)
NOT_FOUND_RETRY = dt.timedelta(hours=1)


def _not_found_key(arxiv_id: str) -> str:
    return f"paperfeed:jobs:not-found:{arxiv_id}"


def fetch_arxiv(
    ids: Iterable[str], *, client: PoliteClient | None = None, base_url: str | None = None, batch_size: int = MAX_BATCH
) -> dict[str, Any]:
    """Fetch papers by id (any form: ``2406.07550v2``, ``arXiv:…``, abs URLs) and upsert them.

    Returns counts and ``errors`` (malformed ids, ids arXiv does not know, records skipped).
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
        counts.update(fetched=len(result.records), new=stats.new, updated=stats.updated, unchanged=stats.unchanged)
        errors.extend(result.errors)
        errors.extend(stats.errors)
        found = {r.arxiv_id for r in result.records}
        counts["not_found"] = [i for i in wanted if i not in found]
        counts["requests"] = client.requests_made
    counts["errors"] = errors[:100]
    return counts


def fetch_pending_submissions(*, client: PoliteClient | None = None, base_url: str | None = None) -> dict[str, Any]:
    """Fetch the papers users submitted that the catalogue lacks, then let the community app resolve them."""
    services = importlib.import_module("paperfeed.community.services")
    pending = getattr(services, "pending_submission_ids", None)
    resolve = getattr(services, "resolve_submissions", None)
    if pending is None:
        return {"skipped": "community submissions are not available"}
    pending_ids = list(pending())
    # An id arXiv does not know (yet) is asked again after NOT_FOUND_RETRY, not every few minutes.
    ids = [i for i in pending_ids if cache.get(_not_found_key(i)) is None]
    counts = fetch_arxiv(ids, client=client, base_url=base_url) if ids else {"requested": 0}
    counts["pending"], counts["deferred"] = len(pending_ids), len(pending_ids) - len(ids)
    for arxiv_id in counts.get("not_found", []):
        cache.set(_not_found_key(arxiv_id), True, NOT_FOUND_RETRY.total_seconds())
    if resolve is not None:
        resolved = resolve()
        counts["resolved"] = resolved if isinstance(resolved, int | dict | list) else str(resolved)
    return counts
