"""The default search on PostgreSQL: a local replica of the search indexes on each web host.

PostgreSQL stays the one source of truth; each host keeps, under its own ``DATA_DIR``, the same
engines the SQLite path uses at scale (bench/search_postgres.py measured them against PostgreSQL
full-text + pgvector at 1M papers: see docs/deployment.md, "Search on PostgreSQL"):

* ``ReplicaKeywordIndex``: tantivy (BM25, block-max WAND) in ``DATA_DIR/search-tantivy``, kept
  in step from ``catalog_paper`` by the ``modified_at`` watermark (keyword/tantivy.py's own sync,
  which only uses portable SQL). Every hit is confirmed by the database, so a deleted or hidden
  paper never shows.
* ``ReplicaVectorIndex``: a usearch HNSW graph in ``DATA_DIR/search-replica/``, memory-mapped by
  every web process of the host (one copy in the page cache), plus, in each process, an exact
  index of the embeddings stored after the graph was saved (the ``search_paperembedding.id``
  watermark), re-read every ``SEARCH_REFRESH_SECONDS``: a new paper is findable by meaning as soon
  as its embedding commits.

``sync_replica`` brings both up to date, one process per host at a time (a file lock): the
worker's embed job runs it (through ``ReplicaKeywordIndex.sync``), ``paperfeed reindex`` builds
both from scratch, and on any host the first search after ``SEARCH_REPLICA_SYNC_SECONDS`` runs
it inline, or, on a host that has no replica yet, starts a background thread that builds it.
Until this host's replica exists, and below ``KEYWORD_TANTIVY_THRESHOLD`` papers, searches go to
the PostgreSQL backends (backends.py).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connections

from paperfeed.search.embedding import get_embedder
from paperfeed.search.keyword.base import KeywordIndex
from paperfeed.search.keyword.tantivy import TantivyKeywordIndex
from paperfeed.search.vectors import ExactIndex, UsearchIndex

from .backends import PgKeywordIndex, PgVectorLiveIndex

log = logging.getLogger(__name__)

FOLDER = "search-replica"
SCHEMA = 1
LOAD_CHUNK = 50_000
# The graph is re-saved once this many embeddings wait in the per-process exact delta (a save
# rewrites the whole file: ~1 s per 100k papers); fewer are searched exactly, in well under 1 ms.
GRAPH_BATCH = 2_000
STATE_SECONDS = 5.0  # how long a process trusts its last look at the replica's files
# bench/search_postgres.py --n 1000000 (clusters of near-copies, the hard case): recall@10 0.892 at
# ef 768, 0.952 at 1536, 0.966 at 2048 (4.7 ms p50 for the top 100), 0.973 at 3072.
EXPANSION_SEARCH = 2048


def folder() -> Path:
    """This host's replica folder (``DATA_DIR/search-replica``)."""
    return Path(settings.DATA_DIR) / FOLDER


def _safe(model: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in model)


def graph_path(model: str) -> Path:
    """The saved usearch graph of ``model``'s embeddings."""
    return folder() / f"vectors-{_safe(model)}.usearch"


def _meta_path(model: str) -> Path:
    return folder() / f"vectors-{_safe(model)}.json"


def read_meta(model: str) -> dict:
    """The graph's watermark: ``{"schema", "dim", "max_id", "count"}`` ({} when there is no graph)."""
    try:
        meta = json.loads(_meta_path(model).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if meta.get("schema") == SCHEMA and graph_path(model).is_file() else {}


def _write_meta(model: str, meta: dict) -> None:
    tmp = _meta_path(model).with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"schema": SCHEMA, **meta}), encoding="utf-8")
    os.replace(tmp, _meta_path(model))


def _rows(using: str, model: str, after_id: int, limit: int) -> list[tuple[int, int, bytes]]:
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT id, paper_id, vector FROM search_paperembedding WHERE model = %s AND id > %s ORDER BY id LIMIT %s",
            [model, after_id, limit],
        )
        return [(int(i), int(p), bytes(v)) for i, p, v in cursor.fetchall()]


def _decode(rows: list[tuple[int, int, bytes]], dim: int) -> tuple[np.ndarray, np.ndarray]:
    rows = [r for r in rows if len(r[2]) == 2 * dim]
    ids = np.array([r[1] for r in rows], dtype=np.int64)
    vectors = np.frombuffer(b"".join(r[2] for r in rows), dtype="<f2").astype(np.float32).reshape(-1, dim)
    return ids, vectors


def _stored_dim(using: str, model: str) -> int:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT dim FROM search_paperembedding WHERE model = %s ORDER BY id DESC LIMIT 1", [model])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def save_graph(model: str, *, using: str = "default", full: bool = False) -> dict[str, int]:
    """Add the embeddings stored since the saved graph (all of them when ``full`` or none), save it.

    Papers re-embedded since are replaced; papers whose embedding is gone are removed. The file
    and its watermark are replaced atomically, so readers see the old graph or the new one.
    """
    meta = {} if full else read_meta(model)
    dim = _stored_dim(using, model)
    if not dim:
        return {"graph": 0}
    if meta and meta.get("dim") != dim:
        meta = {}  # the model's dimension changed: start over
    index = UsearchIndex(dim)
    if meta:
        index._index.load(str(graph_path(model)))  # usearch's own loader (private: UsearchIndex wraps it)
    last, added = int(meta.get("max_id", 0)), 0
    while True:
        rows = _rows(using, model, last, LOAD_CHUNK)
        if not rows:
            break
        last = rows[-1][0]
        ids, vectors = _decode(rows, dim)
        present = ids[[index._index.contains(int(i)) for i in ids]] if meta and len(ids) else ids[:0]
        if len(present):
            index._index.remove(present.astype(np.uint64))
        ids, keep = np.unique(ids[::-1], return_index=True)  # the newest row of a paper wins
        index.add(ids, vectors[::-1][keep])
        added += len(ids)
    removed = _drop_gone(index, using, model)
    folder().mkdir(parents=True, exist_ok=True)
    tmp = graph_path(model).with_suffix(f".{os.getpid()}.tmp")
    index._index.save(str(tmp))
    os.replace(tmp, graph_path(model))
    _write_meta(model, {"dim": dim, "max_id": last, "count": len(index)})
    return {"graph added": added, "graph removed": removed}


def _drop_gone(index: UsearchIndex, using: str, model: str) -> int:
    """Remove papers whose embedding is gone (a full id diff only when the counts differ)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT paper_id) FROM search_paperembedding WHERE model = %s", [model])
        if int(cursor.fetchone()[0]) == len(index):
            return 0
        cursor.execute("SELECT DISTINCT paper_id FROM search_paperembedding WHERE model = %s", [model])
        stored = np.array([r[0] for r in cursor.fetchall()], dtype=np.int64)
    keys = np.asarray(index._index.keys, dtype=np.int64)
    gone = np.setdiff1d(keys, stored)
    if len(gone):
        index._index.remove(gone.astype(np.uint64))
    return int(len(gone))


class ReplicaVectorIndex:
    """The search service's live vector index: this host's saved graph plus an exact delta (see module doc)."""

    def __init__(self, model: str, *, using: str = "default") -> None:
        self.model = model
        self.using = using
        self.dim = 0
        self._lock = threading.Lock()
        self._graph: UsearchIndex | None = None
        self._graph_stamp: tuple[int, int] | None = None
        self._delta: ExactIndex | None = None
        self._delta_after = 0
        self._checked = 0.0
        self._fallback = PgVectorLiveIndex(model, using=using)
        self._use_fallback = True

    def _open_graph(self, meta: dict) -> None:
        path = graph_path(self.model)
        stamp = (path.stat().st_mtime_ns, int(meta.get("max_id", 0)))
        if stamp == self._graph_stamp:
            return
        dim = int(meta["dim"])
        graph = UsearchIndex(dim, expansion_search=EXPANSION_SEARCH)
        graph._index.view(str(path))  # memory-mapped: the processes of a host share one copy
        delta = ExactIndex(dim)
        after = self._fill(delta, int(meta.get("max_id", 0)), dim)
        # One swap, so a concurrent search sees the old graph and delta or the new ones.
        self._graph, self._delta, self._delta_after, self._graph_stamp, self.dim = graph, delta, after, stamp, dim

    def _fill(self, delta: ExactIndex, after: int, dim: int) -> int:
        """Add the embeddings stored after row ``after`` to ``delta``; return the last row id read."""
        while True:
            rows = _rows(self.using, self.model, after, LOAD_CHUNK)
            if not rows:
                return after
            after = rows[-1][0]
            delta.add(*_decode(rows, dim))

    def refresh(self, *, force: bool = False) -> None:
        """Re-open a newer saved graph and read the embeddings stored since (every few seconds)."""
        now = time.monotonic()
        if not force and now - self._checked < settings.SEARCH_REFRESH_SECONDS:
            return
        with self._lock:
            self._checked = now
            meta = read_meta(self.model)
            self._use_fallback = not meta
            if self._use_fallback:  # no graph on this host yet: pgvector answers
                self._fallback.refresh(force=force)
                self.dim = self._fallback.dim
                return
            self._open_graph(meta)
            self._delta_after = self._fill(self._delta, self._delta_after, self.dim)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the ``k`` nearest paper ids and cosine scores, best first (graph and delta merged)."""
        self.refresh()
        if self._use_fallback:
            return self._fallback.search(query, k)
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        if k <= 0 or query.shape[0] != self.dim:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        ids, scores = self._graph.search(query, k)
        if len(self._delta):
            d_ids, d_scores = self._delta.search(query, k)
            best: dict[int, float] = {}
            for pid, score in zip(np.concatenate([ids, d_ids]).tolist(), np.concatenate([scores, d_scores]).tolist()):
                best[pid] = max(score, best.get(pid, -2.0))
            top = sorted(best.items(), key=lambda item: (-item[1], item[0]))[:k]
            ids = np.array([p for p, _ in top], dtype=np.int64)
            scores = np.array([s for _, s in top], dtype=np.float32)
        return ids, scores

    def vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Return the stored vectors of those papers in ``ids`` (the delta's are the newest)."""
        self.refresh()
        if self._use_fallback:
            return self._fallback.vectors(ids)
        found = self._graph.vectors([i for i in ids if self._graph._index.contains(int(i))])
        found.update(self._delta.vectors(ids))
        return found

    def pending(self) -> int:
        """Embeddings searched exactly because the saved graph predates them."""
        return len(self._delta) if self._delta is not None else 0


class ReplicaKeywordIndex(KeywordIndex):
    """tantivy on this host past ``KEYWORD_TANTIVY_THRESHOLD`` papers, once built; PostgreSQL full-text otherwise."""

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self.tantivy = TantivyKeywordIndex(using)
        self.postgres = PgKeywordIndex(using)
        large, ready = _ready(self.tantivy, using)
        self.active: KeywordIndex = self.tantivy if ready else self.postgres
        if ready:
            _maybe_sync(using, inline=True)
        elif large:
            _maybe_sync(using, inline=False)  # a new host: build its replica meanwhile

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
            sync_replica(using, build=False)
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


def sync_replica(using: str = "default", *, build: bool = False) -> dict[str, int | str]:
    """Catch this host's tantivy index and vector graphs up with PostgreSQL; return what was done.

    One process per host at a time (a file lock; a busy lock answers ``{"skipped": …}``). Without
    ``build``, a host that has no replica yet is left to ``paperfeed reindex`` or the worker, and
    a graph is only re-saved once ``GRAPH_BATCH`` embeddings wait for it.
    """
    folder().mkdir(parents=True, exist_ok=True)
    with open(folder() / "sync.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return {"skipped": "another process on this host is syncing the search replica"}
        tantivy = TantivyKeywordIndex(using)
        if not _large(using):
            return {"skipped": f"under KEYWORD_TANTIVY_THRESHOLD {settings.KEYWORD_TANTIVY_THRESHOLD} papers: "
                               "PostgreSQL serves search"}
        if not build and not tantivy.synced():
            return {"skipped": "no replica on this host yet: run paperfeed reindex"}
        result: dict[str, int | str] = dict(tantivy.sync())
        for model in _models(using):
            meta = read_meta(model)
            if not meta and not build:
                continue
            waiting = _waiting(using, model, int(meta.get("max_id", 0))) if meta else GRAPH_BATCH
            if waiting >= GRAPH_BATCH or (build and waiting):
                result.update(save_graph(model, using=using))
    _forget()
    return result


def _waiting(using: str, model: str, after_id: int) -> int:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_paperembedding WHERE model = %s AND id > %s", [model, after_id])
        return int(cursor.fetchone()[0])
