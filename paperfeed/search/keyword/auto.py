"""The default keyword backend on SQLite: FTS5 for small catalogues, tantivy for large ones.

Like the vector side (exact numpy below ``ANN_THRESHOLD``, HNSW above), the keyword index changes
with the catalogue's size. Below ``KEYWORD_TANTIVY_THRESHOLD`` papers, SQLite FTS5, kept by
triggers, finds a paper the moment it is committed. Above it, FTS5's ``bm25()`` (which visits
every posting of every query term) becomes the slowest part of a search: the site's whole search
takes 75 ms with FTS5 at 75k papers and 24 ms with tantivy; at 1M, FTS5 alone takes 41–66 ms p50
against tantivy's 5 ms (bench/search_postgres.py, bench/search.py).

So from the threshold on, the worker (and ``paperfeed ingest``, through receivers.py) keep a tantivy index in step
(``sync``), and searches use it once its first full build has completed. Then FTS5 is retired
(``fts5.retire_fts``: triggers dropped, table emptied), so ingest runs at catalogue speed
(6.5k rather than 2.8k papers/s) and the disk holds one keyword index. Should the catalogue fall
back under the threshold, the next sync rebuilds FTS5; a lost tantivy folder is rebuilt by the
next sync (until then searches answer by meaning only).

The size check reads ``max(id)``, an index lookup, rather than ``count(*)``, which scans a
million rows; it and the readiness check (a file read) are cached per process for
``CHECK_SECONDS``. While FTS5 serves, each search also asks SQLite whether FTS5 was retired
meanwhile (one lookup in ``sqlite_master``), so no process keeps searching an emptied index.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db import connections

from .base import KeywordIndex
from .fts5 import Fts5KeywordIndex, fts_retired, retire_fts
from .tantivy import TantivyKeywordIndex

# KEYWORD_TANTIVY_THRESHOLD defaults to 50,000 papers, as ANN_THRESHOLD: FTS5 at 75k takes 42 ms
# a query, tantivy 1 ms (the site's whole search 75 -> 24 ms).
CHECK_SECONDS = 30.0  # how long a process trusts its last paper count and readiness check

_checked: dict[str, tuple[float, int, bool]] = {}  # alias -> (when, papers, tantivy ready)
_checked_lock = threading.Lock()


def _paper_count(using: str) -> int:
    with connections[using].cursor() as cursor:
        # Deleted papers make max(id) an overestimate, which only brings the switch forward a little.
        cursor.execute("SELECT coalesce(max(id), 0) FROM catalog_paper")
        return int(cursor.fetchone()[0])


class AutoKeywordIndex(KeywordIndex):
    """``KeywordIndex`` that delegates to FTS5 or tantivy by catalogue size (see module doc)."""

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self.fts5 = Fts5KeywordIndex(using)
        self.tantivy = TantivyKeywordIndex(using)
        # Chosen once per instance: search() and score() of one query must use the same scale.
        self.active: KeywordIndex = self.tantivy if self._use_tantivy() else self.fts5
        if self.active is self.fts5 and fts_retired(using):
            # The worker retired FTS5 after this process last looked: tantivy is ready now.
            forget()
            self.active = self.tantivy if self._use_tantivy() else self.fts5

    def _state(self) -> tuple[int, bool]:
        now = time.monotonic()
        with _checked_lock:
            cached = _checked.get(self.using)
        if cached and now - cached[0] < CHECK_SECONDS:
            return cached[1], cached[2]
        papers = _paper_count(self.using)
        ready = papers >= settings.KEYWORD_TANTIVY_THRESHOLD and self.tantivy.synced()
        with _checked_lock:
            _checked[self.using] = (now, papers, ready)
        return papers, ready

    def _use_tantivy(self) -> bool:
        return self._state()[1]

    def search(self, query: str, *, limit: int = 200, where_sql: str = "", where_params: tuple = ()) -> list[tuple[int, float]]:
        """BM25 search through the active backend."""
        return self.active.search(query, limit=limit, where_sql=where_sql, where_params=where_params)

    def score(self, query: str, ids: list[int]) -> dict[int, float]:
        """BM25 scores through the active backend (same scale as ``search``)."""
        return self.active.score(query, ids)

    def rebuild(self) -> int:
        """Rebuild the index that serves: FTS5 below the threshold, tantivy (FTS5 retired) above."""
        if _paper_count(self.using) >= settings.KEYWORD_TANTIVY_THRESHOLD:
            count = self.tantivy.rebuild()
            retire_fts(self.using)
        else:
            count = self.fts5.rebuild()
        forget()
        return count

    def unindexed(self) -> int:
        """The serving index's lag (FTS5 follows by triggers: 0)."""
        return self.active.unindexed()

    def crossed(self) -> bool:
        """Whether the catalogue is past the threshold while FTS5 still carries the load (cheap).

        A long ``paperfeed ingest`` asks after every batch (receivers.py), so that it can sync
        (build tantivy, retire FTS5) as soon as the threshold is crossed instead of paying FTS5 to the end.
        """
        return _paper_count(self.using) >= settings.KEYWORD_TANTIVY_THRESHOLD and not fts_retired(self.using)

    def sync(self) -> dict[str, int | str]:
        """Keep the serving index in step: tantivy past the threshold (then retire FTS5), else FTS5.

        FTS5 is kept by triggers and needs nothing, unless it was retired and the catalogue is
        back under the threshold: then it is rebuilt (with its triggers) first.
        """
        forget()  # decide on fresh figures (a long ingest may have just crossed the threshold)
        papers, _ready = self._state()
        if papers < settings.KEYWORD_TANTIVY_THRESHOLD:
            if fts_retired(self.using):
                count = self.fts5.rebuild()
                forget()
                return {"fts5 restored": count}
            return {"skipped": f"{papers} papers < KEYWORD_TANTIVY_THRESHOLD {settings.KEYWORD_TANTIVY_THRESHOLD}: FTS5 only"}
        result = self.tantivy.sync()
        if self.tantivy.synced() and not fts_retired(self.using):
            retire_fts(self.using)  # web processes notice at their next search (see __init__ above)
            result = {**result, "fts5 retired": 1}
        forget()
        return result


def forget() -> None:
    """Drop the cached size/readiness checks (after a sync or rebuild, and in tests)."""
    with _checked_lock:
        _checked.clear()
