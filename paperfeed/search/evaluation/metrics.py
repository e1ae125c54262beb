"""Retrieval metrics (pure): nDCG@k and recall@k over qrels and ranked runs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def ndcg_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    """Return nDCG@k of one ranked list of doc ids against graded judgments (gain = grade)."""
    if k <= 0:
        return 0.0
    positives = sorted((g for g in relevant.values() if g > 0), reverse=True)
    if not positives:
        return 0.0
    dcg = 0.0
    seen: set[str] = set()
    for rank, doc in enumerate(ranked[:k]):
        if doc in seen:
            continue  # a duplicate earns nothing twice
        seen.add(doc)
        grade = relevant.get(doc, 0)
        if grade > 0:
            dcg += grade / math.log2(rank + 2)
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(positives[:k]))
    return dcg / idcg


def recall_at_k(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 100) -> float:
    """Return the share of relevant docs found in the top ``k`` (0 when nothing is relevant)."""
    positives = {d for d, g in relevant.items() if g > 0}
    if not positives:
        return 0.0
    return len(positives.intersection(ranked[:k])) / len(positives)


def mean_metric(runs: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]], metric, **kw) -> float:
    """Average ``metric(ranked, relevant, **kw)`` over every judged query (missing run = empty)."""
    judged = [q for q, rel in qrels.items() if any(g > 0 for g in rel.values())]
    if not judged:
        return 0.0
    return sum(metric(runs.get(q, []), qrels[q], **kw) for q in judged) / len(judged)
