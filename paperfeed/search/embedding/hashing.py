"""A deterministic bag-of-hashed-words embedder: for unit tests only (no model, instant)."""

from __future__ import annotations

import hashlib

import numpy as np

from paperfeed.search.text import words

from .base import normalise


class HashingEmbedder:
    """Texts sharing words get similar vectors, so nearest-neighbour tests behave sensibly."""

    device = "cpu"

    def __init__(self, model: str = "hashing-256", dim: int = 256) -> None:
        self.name = model or "hashing-256"
        self.dim = dim

    def embed(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Return L2-normalised float32 hashed bag-of-words vectors."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in words(text):
                digest = hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                sign = 1.0 if digest[4] & 1 else -1.0
                out[row, bucket] += sign
        return normalise(out)
