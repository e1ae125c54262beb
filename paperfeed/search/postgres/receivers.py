"""What the PostgreSQL search objects do when the catalogue announces papers: build the keyword
documents a bulk load left for later (``paperfeed ingest`` defers them; see ddl.DOC_FILL_MISSING)."""

from __future__ import annotations

import time

from django.db import connection

from paperfeed.catalog.signals import papers_ingested

from .ddl import FILL_WORKERS, PENDING_TABLE, fill_missing


def fill_deferred_documents(sender: object, *, final: bool, **kwargs) -> str | None:
    """At the end of an ingest on PostgreSQL, index the papers it left unindexed; return a report line."""
    if not final or connection.vendor != "postgresql":
        return None
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [PENDING_TABLE])
        if not cursor.fetchone()[0]:  # the search objects are not installed (migrations not run)
            return None
        added = fill_missing(cursor, workers=FILL_WORKERS)
    if not added:
        return None
    return f"keyword index (PostgreSQL): {added:,} papers indexed after the bulk load in {time.perf_counter() - started:.1f} s"


def connect() -> None:
    """Connect the receiver (from ``SearchPgConfig.ready``)."""
    papers_ingested.connect(fill_deferred_documents, dispatch_uid="paperfeed.search.postgres.fill_deferred_documents")
