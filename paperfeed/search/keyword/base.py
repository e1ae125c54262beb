"""The keyword index interface: BM25 over title, abstract and authors, behind one small class.

Backends: SQLite FTS5 (fts5.py), tantivy (tantivy.py), both by catalogue size (auto.py), and
PostgreSQL full-text (search/postgres/backends.py). ``get_keyword_index()`` picks one.
"""

from __future__ import annotations

import abc


class KeywordIndex(abc.ABC):
    """A BM25 keyword index over papers; higher scores are better."""

    @abc.abstractmethod
    def search(self, query: str, *, limit: int = 200, where_sql: str = "", where_params: tuple = ()) -> list[tuple[int, float]]:
        """Return up to ``limit`` (paper id, score) pairs, best first.

        ``where_sql`` is an optional ``SELECT id …`` subquery restricting the paper ids.
        """

    @abc.abstractmethod
    def score(self, query: str, ids: list[int]) -> dict[int, float]:
        """Return BM25 scores (same scale as ``search``) of the given papers (absent: no query term matches)."""

    @abc.abstractmethod
    def rebuild(self) -> int:
        """Rebuild the index from the catalogue; return the number of papers indexed."""

    def crossed(self) -> bool:
        """Whether the catalogue has just grown past a size where this index must ``sync`` at once.

        A long ingest asks after every batch (receivers.py); only an index that changes backend
        with the catalogue's size (auto.py) ever says yes.
        """
        return False

    def sync(self) -> dict[str, int | str]:
        """Catch up with the catalogue; return what was done (``{}``: this index needs no upkeep).

        Indexes kept by the database itself (FTS5 triggers, PostgreSQL) need none; an index kept
        outside it (tantivy) indexes what changed. ``{"skipped": why}`` when it could not run now.
        """
        return {}

    def unindexed(self) -> int:
        """How many papers changed since the index last caught up (the index lag; 0: kept by the database)."""
        return 0
