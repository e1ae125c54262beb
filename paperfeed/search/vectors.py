"""Vector retrieval: exact (numpy) for small collections, usearch HNSW above a threshold.

Both backends implement ``VectorIndex``: ``add(ids, vectors)`` and ``search(query, k)`` returning
(ids, cosine scores), best first. Vectors are L2-normalised float32, so inner product = cosine.
``LiveVectorIndex`` keeps one in-process index in step with the stored embeddings by polling a
cheap counter every few seconds, so a newly embedded paper is found without a restart.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

import numpy as np
from django.conf import settings
from django.db import connections
from django.utils.module_loading import import_string
from threadpoolctl import ThreadpoolController

HNSW_CONNECTIVITY = 16
HNSW_EXPANSION_ADD = 128
# bench/search.py at 1M (clusters of 13 near-duplicates, the hard case): recall@10 0.899 at ef 160,
# 0.926 at 384, 0.959 at 768 (p50 ~5 ms with cold caches), 0.966 at 1024.
HNSW_EXPANSION_SEARCH = 768
# One query against the matrix runs on one BLAS thread: OpenBLAS's threaded matrix-vector product
# spins its threads: on 2 busy cores one 3,983 x 384 search took 2.5-6 ms of CPU instead of 0.35 on
# one thread, with the same scores to the bit (docs/search.md, "Search under load").
_BLAS = ThreadpoolController()


class VectorIndex(Protocol):
    """A nearest-neighbour index over (paper id, unit vector) pairs."""

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add rows (ids are int64, vectors float32 L2-normalised)."""
        ...

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, cosine scores) of the ``k`` nearest rows, best first."""
        ...

    def vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Return the stored vectors of those ``ids`` that are in the index."""
        ...


class ExactIndex:
    """Brute-force inner product over a float32 matrix: exact, fine up to ~10^5 rows."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._ids = np.zeros(0, dtype=np.int64)
        self._row: dict[int, int] | None = None
        self._matrix = np.zeros((0, dim), dtype=np.float32)

    def __len__(self) -> int:
        return int(self._ids.shape[0])

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Append rows to the matrix."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        self._ids = np.concatenate([self._ids, np.asarray(ids, dtype=np.int64)])
        self._matrix = np.concatenate([self._matrix, vectors]) if len(self._matrix) else vectors.copy()
        self._row = None

    def vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Return stored vectors by id."""
        if self._row is None:
            self._row = {int(i): n for n, i in enumerate(self._ids)}
        return {int(i): self._matrix[self._row[int(i)]] for i in ids if int(i) in self._row}

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the exact top ``k`` by cosine."""
        if k <= 0 or not len(self):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        with _BLAS.limit(limits=1, user_api="blas"):
            scores = self._matrix @ np.asarray(query, dtype=np.float32).reshape(-1)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return self._ids[top], scores[top]


class UsearchIndex:
    """usearch HNSW (cosine, f16 storage) with tuned build and search effort."""

    def __init__(self, dim: int, *, expansion_search: int = HNSW_EXPANSION_SEARCH, threads: int = 0) -> None:
        # Both imported here, onnxruntime first: with usearch 2.26.6 and onnxruntime 1.32.0 on
        # Linux, ``import usearch.index`` followed by ``import onnxruntime`` crashes the process (a
        # native-library load-order clash); onnxruntime first, or torch first, is fine. Web
        # processes build this index and then load onnxruntime for their first query
        # (QueryEmbedder), so the order is fixed here; a catalogue below ANN_THRESHOLD loads
        # neither. tests/search/test_vectors.py checks it in a subprocess.
        import onnxruntime  # noqa: F401
        from usearch.index import Index

        self.dim = dim
        self.threads = threads
        self._index = Index(
            ndim=dim, metric="ip", dtype="f16", connectivity=HNSW_CONNECTIVITY,
            expansion_add=HNSW_EXPANSION_ADD, expansion_search=expansion_search,
        )

    def __len__(self) -> int:
        return len(self._index)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Insert rows into the graph (ids must be new)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(vectors):
            self._index.add(np.asarray(ids, dtype=np.uint64), vectors, threads=self.threads)

    def vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Return stored vectors (decoded from f16) by id."""
        if not ids:
            return {}
        got = self._index.get(np.asarray(ids, dtype=np.uint64), dtype=np.float32)
        got = got if isinstance(got, tuple) else (got,)
        return {int(i): np.asarray(v).reshape(-1) for i, v in zip(ids, got) if v is not None}

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the approximate top ``k`` by cosine."""
        if k <= 0 or not len(self):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        matches = self._index.search(np.asarray(query, dtype=np.float32).reshape(-1), k)
        return matches.keys.astype(np.int64), (1.0 - matches.distances).astype(np.float32)


def make_index(dim: int, size: int) -> VectorIndex:
    """Return the backend for ``size`` rows: ``settings.VECTOR_BACKEND``, else exact or HNSW by ``ANN_THRESHOLD``."""
    if settings.VECTOR_BACKEND:
        return import_string(settings.VECTOR_BACKEND)(dim)
    return UsearchIndex(dim) if size >= settings.ANN_THRESHOLD else ExactIndex(dim)


def _decode(blobs: list[bytes], dim: int) -> np.ndarray:
    buf = b"".join(bytes(b) for b in blobs)
    return np.frombuffer(buf, dtype="<f2").astype(np.float32).reshape(-1, dim)


class LiveVectorIndex:
    """An in-process index over the stored embeddings of one model, refreshed by polling.

    Every ``SEARCH_REFRESH_SECONDS`` at most, a ``count(*), max(id)`` query tells whether rows were added
    (appended incrementally) or removed (full rebuild). Search never blocks on a refresh for longer
    than one incremental load.
    """

    def __init__(self, model: str, *, using: str = "default", exact: bool = False) -> None:
        self.model = model
        self.using = using
        # exact: never build a graph in this process, whatever the size (vectorgraph.GraphVectorIndex
        # uses this one until the host's saved graph exists; a build would take minutes).
        self.exact = exact
        self._lock = threading.Lock()
        self._index: VectorIndex | None = None
        self._count = 0
        self._max_id = 0
        self._checked = 0.0
        self.dim = 0

    def _state(self) -> tuple[int, int]:
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT count(*), coalesce(max(id), 0) FROM search_paperembedding WHERE model = %s", [self.model]
            )
            count, max_id = cursor.fetchone()
        return int(count), int(max_id)

    def _load(self, after_id: int) -> tuple[np.ndarray, np.ndarray, int, int]:
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                "SELECT id, paper_id, dim, vector FROM search_paperembedding WHERE model = %s AND id > %s ORDER BY id",
                [self.model, after_id],
            )
            rows = cursor.fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.dim or 1), dtype=np.float32), 0, after_id
        dim = int(rows[0][2])
        rows = [r for r in rows if int(r[2]) == dim]
        ids = np.array([r[1] for r in rows], dtype=np.int64)
        return ids, _decode([r[3] for r in rows], dim), dim, int(rows[-1][0])

    def refresh(self, *, force: bool = False) -> None:
        """Bring the index up to date with the database if the counter says it changed."""
        now = time.monotonic()
        if not force and self._index is not None and now - self._checked < settings.SEARCH_REFRESH_SECONDS:
            return
        with self._lock:
            self._checked = now
            count, max_id = self._state()
            if self._index is not None and (count, max_id) == (self._count, self._max_id):
                return
            if self._index is not None and max_id >= self._max_id and count > self._count:
                ids, vecs, dim, last = self._load(self._max_id)
                if dim == self.dim and self._count + len(ids) == count:
                    self._index.add(ids, vecs)
                    self._count, self._max_id = count, last
                    return
            ids, vecs, dim, last = self._load(0)
            exact = self.exact and not settings.VECTOR_BACKEND
            index = ExactIndex(dim or 1) if exact else make_index(dim or 1, len(ids))
            index.add(ids, vecs)
            self._index, self.dim, self._count, self._max_id = index, dim, len(ids), last

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Refresh if due, then return the ``k`` nearest paper ids and cosine scores."""
        self.refresh()
        if self._index is None or not len(self._index) or query.shape[-1] != self.dim:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        return self._index.search(query, k)

    def vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Return stored vectors by paper id (from the in-memory index)."""
        return self._index.vectors(ids) if self._index is not None else {}


_live: dict[tuple[str, str, str], LiveVectorIndex] = {}
_live_lock = threading.Lock()


def get_live_index(model: str, using: str = "default") -> LiveVectorIndex:
    """Return the process-wide live index for ``model``."""
    with _live_lock:
        key = (model, using)
        if key not in _live:
            # settings.LIVE_VECTOR_INDEX names the live index class (settings.py: the host's saved graph).
            cls = import_string(settings.LIVE_VECTOR_INDEX) if settings.LIVE_VECTOR_INDEX else LiveVectorIndex
            _live[key] = cls(model, using=using)
        return _live[key]


def reset_live_indexes() -> None:
    """Forget every live index (tests; after a rebuild)."""
    with _live_lock:
        _live.clear()
