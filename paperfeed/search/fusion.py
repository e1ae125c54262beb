"""Fusion of keyword and semantic result lists (pure: no Django, no I/O).

Each input is a ranked list of ``(doc id, score)`` pairs, best first, higher score better.
``rrf`` is the reciprocal-rank-fusion baseline. ``convex`` (our default, via ``fuse``) normalises
each list's scores to [0, 1] and takes a weighted sum; weights were tuned on SciFact *train*
(see docs/search.md) and ``query_weight`` shifts weight towards keywords for short,
name-like queries (acronyms, identifiers, quoted phrases) where exact words matter most.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Hashable, Sequence

Ranked = Sequence[tuple[Hashable, float]]

RRF_K = 60
SHORT_QUERY_WORDS = 4
# Tuned on SciFact train (809 queries); see docs/search.md for the grid and the test figures.
KEYWORD_WEIGHT = 0.5
NORMALISATION = "max"


@dataclasses.dataclass(frozen=True, slots=True)
class Fused:
    """One fused result: the doc id, its fused score and its 1-based rank in each input (0 = absent)."""

    doc: Hashable
    score: float
    keyword_rank: int = 0
    semantic_rank: int = 0


def _ranks(ranked: Ranked) -> dict[Hashable, int]:
    ranks: dict[Hashable, int] = {}
    for position, (doc, _score) in enumerate(ranked, 1):
        ranks.setdefault(doc, position)
    return ranks


def _order(scores: dict[Hashable, float], kw: dict, sem: dict) -> list[Fused]:
    # Ties break on the better best-rank, then on the doc id's text, so output is deterministic.
    def key(doc):
        k, s = kw.get(doc, 0), sem.get(doc, 0)
        return (-scores[doc], min(k, s) if k and s else k or s, str(doc))  # best rank: the lower non-zero one

    return [Fused(d, scores[d], kw.get(d, 0), sem.get(d, 0)) for d in sorted(scores, key=key)]


def rrf(keyword: Ranked, semantic: Ranked, *, k: int = RRF_K, weights: tuple[float, float] = (1.0, 1.0)) -> list[Fused]:
    """Reciprocal rank fusion: score = sum of weight / (k + rank) over the lists containing the doc."""
    kw, sem = _ranks(keyword), _ranks(semantic)
    scores: dict[Hashable, float] = {}
    for ranks, weight in ((kw, weights[0]), (sem, weights[1])):
        for doc, rank in ranks.items():
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return _order(scores, kw, sem)


def normalise(ranked: Ranked, method: str = NORMALISATION) -> dict[Hashable, float]:
    """Map a list's scores to [0, 1]: "minmax" over the list, "max" (divide by best) or "zscore"."""
    best: dict[Hashable, float] = {}
    for doc, score in ranked:
        score = float(score)
        if math.isfinite(score) and (doc not in best or score > best[doc]):
            best[doc] = score
    if not best:
        return {}
    values = list(best.values())
    hi, lo = max(values), min(values)
    if method == "max":
        return {d: (s / hi if hi > 0 else 0.0) for d, s in best.items()}
    if method == "zscore":
        mean = sum(values) / len(values)
        std = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)) or 1.0
        return {d: 1.0 / (1.0 + math.exp(-(s - mean) / std)) for d, s in best.items()}
    if hi == lo:
        return {d: (1.0 if hi > 0 else 0.0) for d in best}
    return {d: (s - lo) / (hi - lo) for d, s in best.items()}


def convex(keyword: Ranked, semantic: Ranked, *, keyword_weight: float = KEYWORD_WEIGHT,
           method: str = NORMALISATION, keyword_method: str | None = None) -> list[Fused]:
    """Weighted sum of normalised scores; a doc missing from a list gets 0 from that list.

    ``method`` normalises both lists unless ``keyword_method`` overrides it for the keyword list.
    """
    kw_norm, sem_norm = normalise(keyword, keyword_method or method), normalise(semantic, method)
    w = min(max(float(keyword_weight), 0.0), 1.0)
    scores = {d: w * kw_norm.get(d, 0.0) + (1 - w) * sem_norm.get(d, 0.0) for d in {*kw_norm, *sem_norm}}
    return _order(scores, _ranks(keyword), _ranks(semantic))


_ACRONYM = re.compile(r"\b(?:[A-Z][A-Za-z]*[A-Z][A-Za-z]*|\w*\d\w*)\b")


def query_weight(query: str, base: float = KEYWORD_WEIGHT) -> float:
    """Return the keyword weight for ``query``: more keyword trust for short or name-like queries.

    In queries of up to four words, quoted phrases, acronyms (``LoRA``, ``GPT``), identifiers with
    digits (``2406.07550``, ``ResNet50``) and one- or two-word queries are looked up by name more
    than by meaning.
    """
    words = query.split()
    if not words or len(words) > SHORT_QUERY_WORDS:
        return base  # sentences and claims are matched by meaning as much as by words
    weight = base
    if '"' in query or any(_ACRONYM.fullmatch(w.strip(".,;:()[]")) for w in words):
        weight += 0.2
    if len(words) <= 2:
        weight += 0.1
    return min(weight, 0.9)


def fuse(keyword: Ranked, semantic: Ranked, *, query: str = "") -> list[Fused]:
    """Our default fusion: ``convex`` with the tuned weight, adjusted by ``query_weight``."""
    if not semantic:
        return convex(keyword, [], keyword_weight=1.0)
    if not keyword:
        return convex([], semantic, keyword_weight=0.0)
    return convex(keyword, semantic, keyword_weight=query_weight(query) if query else KEYWORD_WEIGHT)
