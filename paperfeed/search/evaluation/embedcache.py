"""An on-disk cache of embeddings keyed by (model name, hash of the texts), for evals and benches."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from paperfeed.search.embedding.base import Embedder


def texts_hash(texts: list[str]) -> str:
    """Return a short stable hash of an ordered list of texts."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()[:20]


def cached_embed(embedder: Embedder, texts: list[str], *, cache_dir: Path, batch_size: int = 64,
                 progress: bool = False) -> tuple[np.ndarray, bool]:
    """Return (embeddings of ``texts``, whether they came from the cache); stores fresh ones."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    safe_model = "".join(c if c.isalnum() or c in "-_." else "_" for c in embedder.name)
    path = cache_dir / f"{safe_model}-{len(texts)}-{texts_hash(texts)}.npy"
    if path.is_file():
        vectors = np.load(path)
        if vectors.shape[0] == len(texts):
            return vectors.astype(np.float32), True
    vectors = embedder.embed(texts, batch_size=batch_size, progress=progress)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, vectors.astype(np.float16))
    tmp.replace(path)
    return vectors, False
