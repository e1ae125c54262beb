"""Fusion is pure: tested without a database, including empty, tied, duplicate and odd inputs."""

from __future__ import annotations

import math

from paperfeed.search import fusion


def test_rrf_sums_reciprocal_ranks():
    out = fusion.rrf([("a", 9.0), ("b", 5.0)], [("b", 0.9), ("c", 0.8)], k=60)
    assert [f.doc for f in out] == ["b", "a", "c"]
    assert math.isclose(out[0].score, 1 / 62 + 1 / 61)
    assert (out[0].keyword_rank, out[0].semantic_rank) == (2, 1)
    assert (out[2].keyword_rank, out[2].semantic_rank) == (0, 2)


def test_rrf_empty_and_one_sided():
    assert fusion.rrf([], []) == []
    assert [f.doc for f in fusion.rrf([("x", 1.0)], [])] == ["x"]


def test_ties_are_deterministic():
    # "a" and "b" tie on score; the better single rank wins, then the id text.
    first = fusion.rrf([("a", 1.0)], [("b", 1.0)])
    again = fusion.rrf([("a", 1.0)], [("b", 1.0)])
    assert [f.doc for f in first] == [f.doc for f in again] == ["a", "b"]


def test_duplicates_count_once_at_best_rank():
    out = fusion.rrf([("a", 3.0), ("a", 2.0), ("b", 1.0)], [])
    assert [f.doc for f in out] == ["a", "b"]
    assert out[1].keyword_rank == 3


def test_normalise_methods_and_edge_cases():
    assert fusion.normalise([]) == {}
    assert fusion.normalise([("a", 5.0)]) == {"a": 1.0}
    assert fusion.normalise([("a", 2.0), ("b", 2.0)]) == {"a": 1.0, "b": 1.0}
    assert fusion.normalise([("a", 4.0), ("b", 2.0), ("c", 0.0)]) == {"a": 1.0, "b": 0.5, "c": 0.0}
    assert fusion.normalise([("a", 4.0), ("b", 2.0)], "max") == {"a": 1.0, "b": 0.5}
    z = fusion.normalise([("a", 3.0), ("b", 1.0)], "zscore")
    assert z["a"] > 0.5 > z["b"]
    # Non-finite scores are ignored rather than poisoning the scale.
    assert fusion.normalise([("a", float("nan")), ("b", 1.0), ("c", float("inf"))]) == {"b": 1.0}


def test_convex_weight_extremes_reproduce_single_lists():
    kw = [("a", 10.0), ("b", 5.0), ("c", 1.0)]
    sem = [("c", 0.9), ("b", 0.5), ("a", 0.1)]
    assert [f.doc for f in fusion.convex(kw, sem, keyword_weight=1.0)] == ["a", "b", "c"]
    assert [f.doc for f in fusion.convex(kw, sem, keyword_weight=0.0)] == ["c", "b", "a"]
    assert [f.doc for f in fusion.convex(kw, sem, keyword_weight=7.0)] == ["a", "b", "c"]  # clamped


def test_fuse_rewards_agreement():
    kw = [("a", 10.0), ("b", 9.0), ("x", 1.0)]
    sem = [("b", 0.8), ("c", 0.79), ("y", 0.1)]
    assert fusion.fuse(kw, sem, query="a longer natural language question here")[0].doc == "b"


def test_fuse_handles_missing_sides():
    assert [f.doc for f in fusion.fuse([("a", 1.0)], [])] == ["a"]
    assert [f.doc for f in fusion.fuse([], [("b", 0.5)])] == ["b"]
    assert fusion.fuse([], []) == []


def test_query_weight_trusts_keywords_for_names():
    base = fusion.KEYWORD_WEIGHT
    assert fusion.query_weight("how do diffusion models learn to denoise images") == base
    assert fusion.query_weight("LoRA") > base
    assert fusion.query_weight('"exact phrase" please') > base
    assert fusion.query_weight('a long claim about BRCA1 mutations in breast cancer') == base
    assert fusion.query_weight("") == base
    assert fusion.query_weight("ResNet50 GPT4 BERT") <= 0.9


def test_huge_inputs():
    kw = [(i, float(10_000 - i)) for i in range(10_000)]
    sem = [(i, 1.0 - i / 20_000) for i in range(5_000, 15_000)]
    out = fusion.fuse(kw, sem, query="q u e r y words")
    assert len(out) == 15_000
    assert len({f.doc for f in out}) == 15_000
