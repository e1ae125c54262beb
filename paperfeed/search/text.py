"""The one text analyser: tokenise, fold, stem, stop words (pure: no Django, no I/O).

Its tokens are the ones SQLite FTS5 stores with ``tokenize='porter unicode61 remove_diacritics 2'``
(letters and digits, ``_`` separates; lower-cased, accents folded; Porter stems), so BM25 computed
in Python, highlighting, proximity re-ranking and digest topics all see the words the keyword
index sees.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import snowballstemmer

WORD = re.compile(r"[^\W_]+", re.UNICODE)  # as FTS5's unicode61: letters and digits, "_" separates
MAX_TERMS = 32  # longer queries keep their first 32 distinct terms
MAX_QUERY_CHARS = 10_000
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the this to was were "
    "which with we our these those their be been not no".split()
)

_STEMMER = snowballstemmer.stemmer("porter")


def words(text: str) -> list[str]:
    """The lower-cased word tokens of ``text``, in order (punctuation and ``_`` separate)."""
    return WORD.findall((text or "").lower())


def fold(word: str) -> str:
    """Lower-case and strip diacritics, as FTS5's ``unicode61 remove_diacritics 2`` does."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=262_144)
def stem(word: str) -> str:
    """The FTS5 ``porter`` token for a word (fold, then Porter's algorithm); memoised."""
    return _STEMMER.stemWord(fold(word))


def query_terms(query: str, *, keep_stopwords: bool = False) -> list[str]:
    """Split any user string into distinct lower-case word terms (operators and punctuation dropped).

    Stop words are dropped unless the query has nothing else; at most ``MAX_TERMS`` terms.
    """
    text = unicodedata.normalize("NFKC", (query or "").replace("\x00", " "))[:MAX_QUERY_CHARS]
    terms: list[str] = []
    for term in words(text):
        if term in terms or (not keep_stopwords and term in STOPWORDS):
            continue
        terms.append(term)
        if len(terms) >= MAX_TERMS:
            break
    if not terms and not keep_stopwords:
        return query_terms(query, keep_stopwords=True)
    return terms
