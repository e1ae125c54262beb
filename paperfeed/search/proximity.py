"""Term-proximity re-ranking of the fused top results (pure: no Django, no I/O).

BM25 and embeddings both ignore word order: "graph neural network" scores the same in a paper
about neural networks on graphs as in one that mentions a graph once and a neural network
elsewhere. Like the ordered-window features of the sequential dependence model (Metzler & Croft,
2005), we reward papers that contain the query's adjacent word pairs close together: each paper
in the fused top ``depth`` gains ``weight`` × (share of the query's pairs found in order within a
window of three words). Tuned on SciFact *train* (weight 0.2; see docs/search.md).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Hashable, Mapping, Sequence

from .fusion import Fused
from .text import STOPWORDS, stem, stem_matches, words

WEIGHT = 0.2  # SciFact train: 0 → 0.7442, 0.1 → 0.7447, 0.2 → 0.7459, 0.3 → 0.7429 nDCG@10
DEPTH = 30  # only the head is re-ranked: below rank 20 nothing changed on SciFact
WINDOW = 3  # "neural network" matches "neural network", "neural graph network"


def query_pairs(query: str) -> frozenset[tuple[str, str]]:
    """Adjacent pairs of the query's stemmed non-stopwords, in order."""
    stems = [stem(w) for w in words((query or "").lower()[:2000]) if w not in STOPWORDS]
    return frozenset(zip(stems, stems[1:]))


def text_pairs(text: str, window: int = WINDOW) -> set[tuple[str, str]]:
    """Ordered stemmed word pairs at most ``window - 1`` words apart in ``text``."""
    stems = [stem(w) for w in words(text)]
    pairs: set[tuple[str, str]] = set()
    for gap in range(1, window):
        pairs.update(zip(stems, stems[gap:]))
    return pairs


def coverage(pairs: frozenset[tuple[str, str]], text: str, *, window: int = WINDOW) -> float:
    """Share of ``pairs`` that occur in order, close together, in ``text`` (0 when there are none).

    Equal to ``len(pairs & text_pairs(text)) / len(pairs)``, but reads only the words that can
    carry a query stem (``stem_matches``).
    """
    if not pairs:
        return 0.0
    lowered = (text or "").lower()
    hits = stem_matches(lowered, frozenset(s for pair in pairs for s in pair))
    gap = _gap(window)
    found = set()
    for n, (_, end, a) in enumerate(hits):
        for start, _, b in hits[n + 1 : n + window]:  # positions increase: later hits are further away
            # Between two hits (whole tokens both) lie at most window - 2 of WORD's words.
            if (a, b) in pairs and gap.fullmatch(lowered, end, start):
                found.add((a, b))
    return len(found) / len(pairs)


@functools.lru_cache(maxsize=8)
def _gap(window: int) -> re.Pattern[str]:
    """Text of at most ``window - 2`` words: fails at the first word too many, where counting
    them all (``WORD.findall``) read up to the next hit, hundreds of characters on."""
    return re.compile(rf"[\W_]*(?:[^\W_]+[\W_]*){{0,{max(window - 2, 0)}}}")


def rerank(fused: Sequence[Fused], query: str, texts: Mapping[Hashable, str], *, weight: float = WEIGHT,
           depth: int = DEPTH) -> list[Fused]:
    """Add the proximity bonus to the top ``depth`` results and re-sort them; the rest keep their order.

    ``texts`` maps doc ids to their text (title and abstract); a doc without text gets no bonus.
    """
    pairs = query_pairs(query)
    if not pairs or weight <= 0 or not fused:
        return list(fused)
    head = [dataclasses.replace(f, score=f.score + weight * coverage(pairs, texts.get(f.doc, ""))) for f in fused[:depth]]
    head.sort(key=lambda f: -f.score)  # stable: ties keep the fused order
    return head + list(fused[depth:])


def head_ids(fused: Sequence[Fused], query: str, *, depth: int = DEPTH) -> list[Hashable]:
    """The doc ids whose texts ``rerank`` will read (none when the query has no word pairs)."""
    return [f.doc for f in fused[:depth]] if query_pairs(query) else []
