"""The one text analyser (pure): query sanitising, tokens, folding, stems, stop words."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from paperfeed.search.text import MAX_TERMS, STOPWORDS, fold, query_terms, stem, words


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", []),
        ("   ", []),
        ('"unbalanced quote', ["unbalanced", "quote"]),
        ("AND OR NOT NEAR * ^ : ( )", ["near"]),
        ("title:foo^2 NEAR(a b)", ["title", "foo", "2", "near", "b"]),
        ("'; DROP TABLE catalog_paper; --", ["drop", "table", "catalog", "paper"]),
        ("the of and", ["the", "of", "and"]),  # all stopwords: keep them rather than nothing
        ("nul\x00byte", ["nul", "byte"]),
        ("😀 emoji only", ["emoji", "only"]),
        ("שלום עולם", ["שלום", "עולם"]),
        ("Diffusion diffusion DIFFUSION", ["diffusion"]),
    ],
)
def test_query_terms_sanitises(raw, expected):
    assert query_terms(raw) == expected


def test_query_terms_caps_long_queries():
    terms = query_terms(" ".join(f"word{i}" for i in range(5000)))
    assert len(terms) == MAX_TERMS == 32


def test_words_split_like_fts5_unicode61():
    assert words("Graph-based x_y GNNs, 2406.07550 (ResNet50)") == ["graph", "based", "x", "y", "gnns", "2406", "07550", "resnet50"]
    assert words("") == []


def test_fold_strips_diacritics_and_case():
    assert fold("Café Müller ÅNGSTRÖM") == "cafe muller angstrom"


def test_stem_matches_fts5_porter():
    assert [stem(w) for w in ("Networks", "studies", "happy", "Café", "compilers", "compiler")] == [
        "network", "studi", "happi", "cafe", "compil", "compil"]


def test_stop_words_are_dropped_unless_nothing_else_is_left():
    assert query_terms("the graph of networks") == ["graph", "networks"]
    assert "the" in STOPWORDS and "graph" not in STOPWORDS


@given(st.text(max_size=300))
def test_query_terms_never_fail_and_stay_bounded(raw):
    terms = query_terms(raw)
    assert len(terms) <= MAX_TERMS and len(set(terms)) == len(terms)
    assert all(term and term == term.lower() for term in terms)
