"""Embedding: the interface (base.py), its backends, and the factories that pick them by settings.

``get_embedder()`` returns the embedder named by ``settings.EMBEDDER`` (a dotted class path),
built once per process and per (class, model) pair, so the model weights load lazily and once.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.utils.module_loading import import_string

from .base import Embedder
from .onnx import QueryModelNotReady, ensure_onnx, query_quantize_setting
from .query import QueryEmbedder
from .torch import SentenceTransformerEmbedder

_cache: dict[tuple[str, str], Embedder] = {}
_query_cache: dict[tuple[str, str, str], Embedder] = {}
_cache_lock = threading.Lock()
_torch_allowed = True

__all__ = ["QueryModelNotReady", "forbid_torch", "get_embedder", "get_query_embedder", "prepare_query_model"]


def forbid_torch() -> None:
    """This process serves pages: embed queries only with an ONNX graph exported beforehand, never torch.

    A web worker that exported the graph itself (first search before any export) or fell back to
    the torch model kept libtorch mapped: +400 MB per worker. ``paperfeed serve`` exports the graph
    (``prepare_query_model``) in a short-lived process before its workers start.
    """
    global _torch_allowed
    _torch_allowed = False


def get_embedder() -> Embedder:
    """Return the process-wide embedder chosen by ``settings.EMBEDDER`` and ``settings.EMBEDDING_MODEL``."""
    key = (settings.EMBEDDER, settings.EMBEDDING_MODEL)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = import_string(settings.EMBEDDER)(settings.EMBEDDING_MODEL)
        return _cache[key]


def get_query_embedder() -> Embedder:
    """The embedder for search queries: ``QueryEmbedder`` over the torch model, else ``get_embedder()``.

    ``settings.QUERY_EMBEDDER``: "onnx" (default) or "same" (always ``get_embedder()``).
    """
    base = get_embedder()
    mode = settings.QUERY_EMBEDDER
    if mode != "onnx" or type(base) is not SentenceTransformerEmbedder:
        return base  # other embedders (hashing, ONNX already, custom) embed queries themselves
    key = (type(base).__name__, base.name, mode)
    with _cache_lock:
        if key not in _query_cache:
            _query_cache[key] = QueryEmbedder(base, torch=_torch_allowed)
        embedder = _query_cache[key]
    if not _torch_allowed:
        embedder.ready()  # raises QueryModelNotReady until the graph is exported: keyword search meanwhile
    return embedder


def prepare_query_model() -> str:
    """Export the ONNX query graph if the query embedder needs one; returns what was done (one line)."""
    base = get_embedder()
    if settings.QUERY_EMBEDDER != "onnx" or type(base) is not SentenceTransformerEmbedder:
        return "no query model to export"
    path, built = ensure_onnx(base.name, quantize=query_quantize_setting())
    return f"{'exported' if built else 'found'} the ONNX query model at {path}"


def forget_embedders() -> None:
    """Drop the process-wide embedders (tests switching settings)."""
    with _cache_lock:
        _cache.clear()
        _query_cache.clear()
