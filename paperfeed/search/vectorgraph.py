"""A saved usearch HNSW graph per host, plus an exact index of what was embedded since.

Past ``ANN_THRESHOLD`` embeddings, approximate search needs a graph, and building one takes minutes
(98 s at 80k papers on 2 busy cores, 14 min at 1M): far too long for a web request. So no web
process builds it. ``sync_graph`` (the worker's embed job, ``paperfeed reindex``, and on PostgreSQL
each host's search-replica sync) saves the graph under ``DATA_DIR/vector-graph/`` with a watermark
(the last ``search_paperembedding.id`` in it); ``GraphVectorIndex``, the live index the search
service asks for, memory-maps that file (every process of the host shares one copy) and keeps the
embeddings stored after the watermark in a per-process exact index, re-read every
``SEARCH_REFRESH_SECONDS``, so a new paper is findable by meaning as soon as its embedding commits.
Until a host has a graph, the fallback answers: the in-process exact index on SQLite
(``vectors.LiveVectorIndex``), pgvector on PostgreSQL (``search/postgres/replica.py``).
Only portable SQL is used, so both databases share this code.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connections

from .vectors import ExactIndex, LiveVectorIndex, UsearchIndex

FOLDER = "vector-graph"
SCHEMA = 1
LOAD_CHUNK = 50_000
# The graph is re-saved once this many embeddings wait in the per-process exact delta (a save
# rewrites the whole file: ~1 s per 100k papers); fewer are searched exactly, in well under 1 ms.
GRAPH_BATCH = 2_000
# bench/search_postgres.py --n 1000000 (clusters of near-copies, the hard case): recall@10 0.892 at
# ef 768, 0.952 at 1536, 0.966 at 2048 (4.7 ms p50 for the top 100), 0.973 at 3072.
EXPANSION_SEARCH = 2048
# A smaller graph reaches the same recall with less effort, and effort is most of a search's
# cost. bench/web_search.py's 80k catalogue (bench/vector_ef.py, real title queries): recall@10
# 0.973 at ef 256, 0.979 at 384, 0.984 at 512, 0.997 at 2048. At ef 300 the site's first page of
# results was the same as at 579 (the square-root rule used before) for 97% of 400 queries, with
# 99.4% of the top 10 shared, and search() took 1.3 ms less CPU per new query. ``expansion_for``
# interpolates between the two measured sizes, ef 300 at 80k and 2048 at 1M, in log-log.
EXPANSION_SEARCH_MIN = 256
EXPANSION_AT_80K = 300
EXPANSION_EXPONENT = math.log(EXPANSION_SEARCH / EXPANSION_AT_80K) / math.log(1_000_000 / 80_000)  # about 0.76


def expansion_for(size: int) -> int:
    """usearch's search effort (ef) for a graph of ``size`` vectors: 2048 at 1M, 300 at 80k, 256 at 65k or fewer."""
    return int(min(EXPANSION_SEARCH, max(EXPANSION_SEARCH_MIN, EXPANSION_SEARCH * (size / 1_000_000) ** EXPANSION_EXPONENT)))


def folder() -> Path:
    """This host's graph folder (``DATA_DIR/vector-graph``)."""
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


class GraphVectorIndex:
    """The live vector index past ``ANN_THRESHOLD``: this host's saved graph plus an exact delta (see module doc)."""

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
        self._fallback = self.fallback()
        self._use_fallback = True

    def fallback(self):
        """The index that answers until this host has a saved graph: the in-process exact index."""
        return LiveVectorIndex(self.model, using=self.using, exact=True)

    def _open_graph(self, meta: dict) -> None:
        path = graph_path(self.model)
        stamp = (path.stat().st_mtime_ns, int(meta.get("max_id", 0)))
        if stamp == self._graph_stamp:
            return
        dim = int(meta["dim"])
        graph = UsearchIndex(dim, expansion_search=EXPANSION_SEARCH)
        graph._index.view(str(path))  # memory-mapped: the processes of a host share one copy
        graph._index.expansion_search = expansion_for(len(graph))
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
            if self._use_fallback:  # no graph on this host yet: the fallback answers
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


def waiting(using: str, model: str, after_id: int) -> int:
    """Embeddings of ``model`` stored after row ``after_id`` (not yet in the saved graph)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_paperembedding WHERE model = %s AND id > %s", [model, after_id])
        return int(cursor.fetchone()[0])


@contextlib.contextmanager
def host_lock(path: Path) -> Iterator[bool]:
    """Hold an exclusive lock on ``path`` among this host's processes; yields False (at once) when another holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True  # released when the file closes


def sync_graph(model: str, *, using: str = "default", start: bool = False, minimum: int | None = None) -> dict[str, int | str]:
    """Save ``model``'s graph when due; return what was done.

    Due: ``GRAPH_BATCH`` embeddings wait past the saved graph's watermark, or, with ``start``, this
    host has no graph yet and ``minimum`` (default ``ANN_THRESHOLD``) embeddings are stored. A first
    build takes minutes at scale, so only background work asks for it (``start``), never a request.
    One process per host at a time (a file lock; a busy lock answers ``{"skipped": …}``).
    """
    with host_lock(folder() / "sync.lock") as taken:
        if not taken:
            return {"skipped": "another process on this host is saving the vector graph"}
        meta = read_meta(model)
        pending = waiting(using, model, int(meta.get("max_id", 0)))
        if meta:
            return save_graph(model, using=using) if pending >= GRAPH_BATCH else {}
        floor = settings.ANN_THRESHOLD if minimum is None else minimum
        return save_graph(model, using=using) if start and pending and pending >= floor else {}
