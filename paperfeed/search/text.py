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
from collections.abc import Iterator

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


def stem_matches(text: str, stems: frozenset[str]) -> Iterator[tuple[int, int, str]]:
    """``(start, end, stem)`` of each word of ``text`` (as ``words`` splits it) whose stem is in ``stems``, in order.

    Reads only the words that can carry one of ``stems``: proximity re-ranking and highlighting
    scan 30 and 20 abstracts per new search, and a Python step per word was most of their cost.
    """
    for match in _stem_candidates(stems, text.isascii()).finditer(text):
        if (found := stem(match.group())) in stems:
            yield match.start(), match.end(), found


@functools.lru_cache(maxsize=1024)
def _stem_candidates(stems: frozenset[str], ascii_text: bool) -> re.Pattern[str]:
    """Whole words that may have one of ``stems`` (``stem_matches`` checks each one's stem).

    Porter's algorithm only rewrites a word's end, and at most the last letter of what it keeps
    (``happy`` → ``happi``), so a word with stem ``s`` starts with ``s`` less its last letter, of
    which three letters are checked here (``_prefix``; true of all 126,448 distinct words of
    ``arxiv_abstracts``, tests/search/test_text.py). Most words of an abstract start otherwise and
    are never stemmed. In a text that is not all ASCII a folded letter may hide behind an accent,
    so there a word is a candidate when its first letter could start a stem, or is not ASCII.
    The lookbehind keeps matches to word starts, as ``WORD`` splits them.
    """
    firsts = {s[0] for s in stems if s}
    if "" in stems or not all(c.isascii() and c.isalnum() for c in firsts):
        return WORD
    if ascii_text:
        prefixes = "|".join(sorted({re.escape(_prefix(s)) for s in stems}))
        return re.compile(rf"(?<![^\W_])(?i:{prefixes})[^\W_]*")
    letters = "".join(sorted(firsts | {c.upper() for c in firsts}))
    return re.compile(rf"(?<![^\W_])(?:[{letters}]|[^\x00-\x7f\W])[^\W_]*")


def _prefix(stem: str) -> str:
    """The letters every word with this Porter stem starts with (see ``_stem_candidates``)."""
    return stem[: max(1, min(3, len(stem) - 1))]


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
