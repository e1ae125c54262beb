"""nDCG and recall on hand-computed examples."""

from __future__ import annotations

import math

from paperfeed.search.evaluation.metrics import mean_metric, ndcg_at_k, recall_at_k


def test_ndcg_perfect_and_none():
    assert ndcg_at_k(["a", "b"], {"a": 1, "b": 1}) == 1.0
    assert ndcg_at_k(["x", "y"], {"a": 1}) == 0.0
    assert ndcg_at_k([], {"a": 1}) == 0.0
    assert ndcg_at_k(["a"], {}) == 0.0


def test_ndcg_hand_computed():
    # Relevant doc at rank 2 of one relevant: 1/log2(3).
    assert math.isclose(ndcg_at_k(["x", "a"], {"a": 1}), 1 / math.log2(3))
    # Graded: ideal order is b(2), a(1).
    got = ndcg_at_k(["a", "b"], {"a": 1, "b": 2})
    ideal = 2 / math.log2(2) + 1 / math.log2(3)
    assert math.isclose(got, (1 / math.log2(2) + 2 / math.log2(3)) / ideal)


def test_ndcg_cutoff_and_duplicates():
    assert ndcg_at_k(["x"] * 10 + ["a"], {"a": 1}, k=10) == 0.0
    assert ndcg_at_k(["a", "a"], {"a": 1, "b": 1}) < 1.0


def test_recall_and_mean():
    assert recall_at_k(["a", "x"], {"a": 1, "b": 1}, k=100) == 0.5
    assert recall_at_k(["a"], {}) == 0.0
    runs = {"q1": ["a"], "q2": ["x"]}
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}, "q3": {"c": 0}}  # q3 has nothing relevant: not counted
    assert mean_metric(runs, qrels, recall_at_k, k=10) == 0.5
