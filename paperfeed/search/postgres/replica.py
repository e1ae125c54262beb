"""The default search on PostgreSQL: a local replica of the search indexes on each web host.

PostgreSQL stays the one source of truth; each host keeps, under its own ``DATA_DIR``, the same
engines the SQLite path uses at scale (bench/search_postgres.py measured them against PostgreSQL
full-text + pgvector at 1M papers: see docs/deployment.md, "Search on PostgreSQL"):

* ``ReplicaKeywordIndex``: tantivy (BM25, block-max WAND) in ``DATA_DIR/search-tantivy``, kept
  in step from ``catalog_paper`` by the ``modified_at`` watermark (keyword/tantivy.py's own sync,
  which only uses portable SQL). Every hit is confirmed by the database, so a deleted or hidden
  paper never shows.
* ``ReplicaVectorIndex``: the host's saved usearch graph plus an exact delta, as on SQLite
  (``search/vectorgraph.py``), with pgvector answering until the host's graph is saved.

``sync_replica`` brings both up to date, one process per host at a time (a file lock): the
worker's embed job runs it (through ``ReplicaKeywordIndex.sync``), ``paperfeed reindex`` builds
both from scratch, and on any host the first search after ``SEARCH_REPLICA_SYNC_SECONDS`` runs
it inline, or, on a host that has no replica yet, starts a background thread that builds it.
Until this host's replica exists, and below ``KEYWORD_TANTIVY_THRESHOLD`` papers, searches go to
the PostgreSQL backends (backends.py).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connections

from paperfeed.search.embedding import get_embedder
from paperfeed.search.keyword.base import KeywordIndex
from paperfeed.search.keyword.tantivy import TantivyKeywordIndex
from paperfeed.search.vectorgraph import GraphVectorIndex, host_lock, save_graph, sync_graph

from .backends import PgKeywordIndex, PgVectorLiveIndex

log = logging.getLogger(__name__)

FOLDER = "search-replica"
STATE_SECONDS = 5.0  # how long a process trusts its last look at the replica's files


def folder() -> Path:
    """This host's replica folder (``DATA_DIR/search-replica``)."""
    return Path(settings.DATA_DIR) / FOLDER


class ReplicaVectorIndex(GraphVectorIndex):
    """This host's saved vector graph plus an exact delta; pgvector answers until the graph is built."""

    def fallback(self) -> PgVectorLiveIndex:
        """pgvector in the database, shared by every host."""
        return PgVectorLiveIndex(self.model, using=self.using)


class ReplicaKeywordIndex(KeywordIndex):
    """tantivy on this host past ``KEYWORD_TANTIVY_THRESHOLD`` papers, once built; PostgreSQL full-text otherwise."""

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self.tantivy = TantivyKeywordIndex(using)
        self.postgres = PgKeywordIndex(using)

    @functools.cached_property
    def active(self) -> KeywordIndex:
        """The index that answers, chosen at first use and kept in step then.

        Not in ``__init__``: an ingest builds this object after every batch only to ask ``crossed``,
        and a replica build or sync in the ingesting process would stall its writes for seconds.
        """
        large, ready = _ready(self.tantivy, self.using)
        if ready:
            _maybe_sync(self.using, inline=True)
        elif large:
            _maybe_sync(self.using, inline=False)  # a new host: build its replica meanwhile
        return self.tantivy if ready else self.postgres

    def search(self, query: str, *, limit: int = 200, where_sql: str = "", where_params: tuple = ()) -> list[tuple[int, float]]:
        """BM25 search on this host's replica (or PostgreSQL before its first build)."""
        return self.active.search(query, limit=limit, where_sql=where_sql, where_params=where_params)

    def score(self, query: str, ids: list[int]) -> dict[int, float]:
        """BM25 scores through the same backend as ``search``."""
        return self.active.score(query, ids)

    def rebuild(self) -> int:
        """Rebuild PostgreSQL's full-text objects and this host's replica (tantivy and the vector graph)."""
        count = self.postgres.rebuild()
        if not _large(self.using):
            return count
        count = self.tantivy.rebuild()
        for model in _models(self.using):
            save_graph(model, using=self.using, full=True)
        _forget()
        return count

    def sync(self) -> dict[str, int | str]:
        """Bring this host's replica up to date (building it when there is none)."""
        return sync_replica(self.using, build=True)

    def unindexed(self) -> int:
        """Papers changed since this host's keyword replica last caught up."""
        return self.tantivy.unindexed() if self.active is self.tantivy else 0


def _models(using: str) -> list[str]:
    """The model whose vectors the search service asks for (the only one a replica keeps)."""
    return [get_embedder().name]


_state: dict[str, float] = {}  # "checked"/"ready": the last readiness check; "synced": the last inline sync
_state_lock = threading.Lock()


def _large(using: str) -> bool:
    """Whether the catalogue has ``KEYWORD_TANTIVY_THRESHOLD`` papers (``max(id)``: an index lookup)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM catalog_paper")
        return int(cursor.fetchone()[0]) >= settings.KEYWORD_TANTIVY_THRESHOLD


def _ready(index: TantivyKeywordIndex, using: str) -> tuple[bool, bool]:
    """(large enough for the replica, replica built): checked every few seconds."""
    now = time.monotonic()
    with _state_lock:
        if now - _state.get("checked", -1e9) < STATE_SECONDS:
            return bool(_state.get("large")), bool(_state.get("ready"))
    large = _large(using)
    ready = large and index.synced()
    with _state_lock:
        _state.update(checked=now, large=float(large), ready=float(ready))
    return large, ready


def _forget() -> None:
    """Drop the cached readiness check (after a build or sync, and in tests); the sync clock runs on."""
    with _state_lock:
        for key in ("checked", "large", "ready"):
            _state.pop(key, None)


def _maybe_sync(using: str, *, inline: bool) -> None:
    """Every ``SEARCH_REPLICA_SYNC_SECONDS``, one search per process tries to catch this host up.

    ``inline``: an incremental sync, in the request (usually tens of milliseconds). Otherwise the
    host has no replica yet: a background thread builds it (minutes at 1M papers) while
    PostgreSQL answers; the file lock keeps it to one process per host.
    """
    seconds = float(settings.SEARCH_REPLICA_SYNC_SECONDS)
    if seconds <= 0:
        return
    now = time.monotonic()
    with _state_lock:
        if now - _state.get("synced", -1e9) < seconds or (_builder.is_alive() if _builder else False):
            return
        _state["synced"] = now
    if inline:
        try:
            # Papers deleted meanwhile are left to the worker's sync: counting the catalogue would
            # cost this reader's search tens of milliseconds at 1M papers.
            sync_replica(using, build=False, reconcile=False)
        except Exception:  # a search never fails for its host's upkeep; the next one retries
            log.exception("syncing this host's search replica failed")
    else:
        _start_builder(using)


_builder: threading.Thread | None = None


def _start_builder(using: str) -> None:
    global _builder
    _builder = threading.Thread(target=_build, args=(using,), name="search-replica-build", daemon=True)
    _builder.start()


def _build(using: str) -> None:
    try:
        log.info("search replica of this host: %s", sync_replica(using, build=True))
    except Exception:  # the next attempt comes after SEARCH_REPLICA_SYNC_SECONDS; PostgreSQL answers meanwhile
        log.exception("building this host's search replica failed")
    finally:
        connections[using].close()  # this thread's own connection


def builder() -> threading.Thread | None:
    """The thread building this host's replica in this process, if one was started."""
    return _builder


def sync_replica(using: str = "default", *, build: bool = False, reconcile: bool = True) -> dict[str, int | str]:
    """Catch this host's tantivy index and vector graphs up with PostgreSQL; return what was done.

    One process per host at a time (a file lock; a busy lock answers ``{"skipped": …}``). Without
    ``build``, a host that has no replica yet is left to ``paperfeed reindex`` or the worker, and
    a graph is only re-saved once ``vectorgraph.GRAPH_BATCH`` embeddings wait for it. Without
    ``reconcile``, papers deleted from the catalogue stay in the keyword index until a sync with it.
    """
    with host_lock(folder() / "sync.lock") as taken:
        if not taken:
            return {"skipped": "another process on this host is syncing the search replica"}
        tantivy = TantivyKeywordIndex(using)
        if not _large(using):
            return {"skipped": f"under KEYWORD_TANTIVY_THRESHOLD {settings.KEYWORD_TANTIVY_THRESHOLD} papers: "
                               "PostgreSQL serves search"}
        if not build and not tantivy.synced():
            return {"skipped": "no replica on this host yet: run paperfeed reindex"}
        result: dict[str, int | str] = dict(tantivy.sync(reconcile=reconcile))
        for model in _models(using):
            # The replica has its own size gate (KEYWORD_TANTIVY_THRESHOLD, above): no minimum here.
            result.update(sync_graph(model, using=using, start=build, minimum=0))
    _forget()
    return result


