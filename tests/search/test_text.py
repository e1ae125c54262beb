"""The one text analyser (pure): query sanitising, tokens, folding, stems, stop words."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given, strategies as st
from snowballstemmer.porter_stemmer import PorterStemmer

from paperfeed.search import text
from paperfeed.search.text import MAX_TERMS, STOPWORDS, WORD, _prefix, fold, query_terms, stem, stem_matches, words


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


def _prefix_holds(word: str) -> bool:
    return fold(word).startswith(_prefix(stem(word)))


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzéüß", min_size=1, max_size=14))
def test_a_word_starts_with_its_stems_prefix(word):
    assert _prefix_holds(word)


@pytest.fixture(scope="module")
def arxiv_vocabulary(shared_data) -> set[str]:
    """Every distinct word of the arXiv set's lines (JSON keys too: a superset of the texts')."""
    files = sorted((shared_data / "arxiv_abstracts").glob("arxiv_api_records_*.jsonl.gz"))
    if not files:
        pytest.skip("arxiv_abstracts is not in the shared data")
    vocabulary: set[str] = set()
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                vocabulary.update(words(line))
    assert len(vocabulary) > 100_000
    return vocabulary


def test_every_word_of_the_arxiv_set_starts_with_its_stems_prefix(arxiv_vocabulary):
    assert [w for w in arxiv_vocabulary if not _prefix_holds(w)] == []


def test_the_c_stemmer_gives_the_pure_python_stems_of_every_arxiv_word(arxiv_vocabulary):
    assert type(text._STEMMER).__module__ == "Stemmer"  # PyStemmer, a dependency
    reference = PorterStemmer()
    assert [w for w in arxiv_vocabulary if stem(w) != reference.stemWord(fold(w))] == []


def test_stem_matches_marks_the_same_words_as_stemming_each_word():
    text = "Saying they may relate relational networks to Hoping, hoped; NETWORKED réseaux x_network"
    for query in ("say", "they", "may", "relational", "network", "hope", "réseau"):
        stems = frozenset({stem(query)})
        expected = [m.span() for m in WORD.finditer(text) if stem(m.group()) in stems]
        assert [(s, e) for s, e, _ in stem_matches(text, stems)] == expected, query


_PIECES = st.sampled_from(["Networks", "network", "NETWORKED", "net", "x_network", "2network", "hoping", "hope",
                           "sayings", "they", "Relational", "relate", "ré", "graph", "Graphs", "_", " ", ", ", "-", "."])


@given(st.lists(_PIECES, max_size=40), st.lists(_PIECES, min_size=1, max_size=3))
def test_stem_matches_equals_stemming_every_word(pieces, query):
    text = "".join(pieces)
    stems = frozenset(stem(w) for w in words(" ".join(query))) or frozenset({"network"})
    expected = [(m.start(), m.end(), stem(m.group())) for m in WORD.finditer(text) if stem(m.group()) in stems]
    assert stem_matches(text, stems) == expected
