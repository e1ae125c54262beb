"""What the search app does when the catalogue announces papers (``catalog.signals.papers_ingested``)."""

from __future__ import annotations

from paperfeed.catalog.signals import papers_ingested

from .keyword import get_keyword_index
from .services import forget_results


def keep_keyword_index(sender: object, *, count: int, final: bool, **kwargs) -> str | None:
    """Keep a keyword index that lives outside the database in step with an ingest; return a report line.

    After a batch: once the catalogue crosses ``KEYWORD_TANTIVY_THRESHOLD``, build tantivy and
    retire FTS5 at once, so the rest of a large ingest skips FTS5's per-row cost (asked again
    after the next batch while the worker holds the writer). At the end: catch up now, so papers
    are found without waiting for the worker. FTS5 and PostgreSQL need nothing (``sync`` is ``{}``).
    """
    index = get_keyword_index()
    if not final:
        if not index.crossed():
            return None
        result = index.sync()
        return None if "skipped" in result else f"keyword index past its threshold: {_counts(result)}"
    if not count:
        return None
    result = index.sync()
    if "skipped" in result or not any(result.values()):
        return None
    return f"keyword index: {_counts(result)}"


def drop_cached_results(sender: object, **kwargs) -> None:
    """New or changed papers must be findable at once: forget this process's remembered results."""
    forget_results()


def _counts(result: dict[str, int | str]) -> str:
    """``{"indexed": 1200, "removed": 0}`` -> ``indexed 1,200, removed 0`` (text values as they are)."""
    return ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k}: {v}" for k, v in result.items())


def connect() -> None:
    """Connect the receivers (from ``SearchConfig.ready``)."""
    papers_ingested.connect(keep_keyword_index, dispatch_uid="paperfeed.search.keep_keyword_index")
    papers_ingested.connect(drop_cached_results, dispatch_uid="paperfeed.search.drop_cached_results")
