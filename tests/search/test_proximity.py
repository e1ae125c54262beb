"""Term-proximity re-ranking: pairs, coverage, and the head re-sort (pure functions)."""

from __future__ import annotations

from hypothesis import given, strategies as st

from paperfeed.search.fusion import Fused
from paperfeed.search.proximity import coverage, head_ids, query_pairs, rerank, text_pairs


def test_query_pairs_are_stemmed_in_order_without_stopwords():
    assert query_pairs("Graph Neural Networks for the molecules") == {("graph", "neural"), ("neural", "network"),
                                                                     ("network", "molecul")}
    assert query_pairs("transformers") == frozenset()
    assert query_pairs("") == frozenset()


def test_pairs_match_in_order_within_a_window_of_three():
    assert ("neural", "network") in text_pairs("neural graph networks")
    assert ("neural", "network") not in text_pairs("neural a b networks")
    assert ("network", "neural") not in text_pairs("neural networks")
    pairs = query_pairs("graph neural network")
    assert coverage(pairs, "A graph neural network.") == 1.0
    assert coverage(pairs, "Neural networks, and separately a graph.") == 0.5
    assert coverage(frozenset(), "anything") == 0.0


def test_rerank_lifts_the_paper_with_the_phrase_within_the_head_only():
    fused = [Fused("scattered", 0.60), Fused("phrase", 0.55), Fused("tail", 0.10)]
    texts = {"scattered": "graph theory meets neural models of network science", "phrase": "a graph neural network",
             "tail": "graph neural network"}
    out = rerank(fused, "graph neural network", texts, weight=0.2, depth=2)
    assert [f.doc for f in out] == ["phrase", "scattered", "tail"]
    assert abs(out[0].score - 0.75) < 1e-9
    assert head_ids(fused, "graph neural network", depth=2) == ["scattered", "phrase"]
    assert head_ids(fused, "graph", depth=2) == []  # one word: nothing to read
    assert rerank(fused, "graph", texts) == fused


@given(st.text(max_size=300), st.lists(st.text(max_size=200), max_size=5))
def test_rerank_never_fails_and_keeps_every_doc(query, bodies):
    fused = [Fused(n, 1.0 - n / 10) for n in range(len(bodies))]
    out = rerank(fused, query, dict(enumerate(bodies)))
    assert sorted(f.doc for f in out) == list(range(len(bodies)))


@given(st.lists(st.sampled_from(["graph", "graphs", "neural", "network", "of", "the", "model", "x"]), max_size=40),
       st.lists(st.sampled_from(["graph", "neural", "networks", "model", "the"]), min_size=1, max_size=4))
def test_coverage_equals_the_share_of_pairs_in_text_pairs(text_words, query_words):
    pairs = query_pairs(" ".join(query_words))
    text = " ".join(text_words)
    expected = len(pairs & text_pairs(text)) / len(pairs) if pairs else 0.0
    assert coverage(pairs, text) == expected


@given(st.lists(st.sampled_from(["graph", "Graphs,", "neural", "network.", "of", "the", "x", "_", "—", "naïve", "Ünet",
                                 "ünets", "(neural", "net_work", "3d", "3D-graph", "İgraph", "ßeta", "\n"]), max_size=40),
       st.lists(st.sampled_from(["graph", "neural", "networks", "naive", "unet", "3d", "ßeta", "the"]), min_size=1, max_size=4),
       st.sampled_from([" ", "", "-", " / "]))
def test_coverage_equals_text_pairs_with_punctuation_and_accents(text_words, query_words, joiner):
    pairs = query_pairs(" ".join(query_words))
    text = joiner.join(text_words)
    expected = len(pairs & text_pairs(text)) / len(pairs) if pairs else 0.0
    assert coverage(pairs, text) == expected
