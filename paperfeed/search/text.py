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

# With PyStemmer installed (a dependency) this is Snowball's C stemmer, about 1.3 µs a word
# against 13 µs for the pure-Python one, with the same stems (all 270,418 distinct words of
# arxiv_abstracts, tests/search/test_text.py); a new search stems the new words of 30 abstracts.
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


def stem_matches(text: str, stems: frozenset[str]) -> list[tuple[int, int, str]]:
    """``(start, end, stem)`` of each word of ``text`` (as ``words`` splits it) whose stem is in ``stems``, in order.

    Reads only the words that can carry one of ``stems``: proximity re-ranking and highlighting
    scan 30 and 20 abstracts per new search, and a Python step per word was most of their cost.
    """
    prefixes = _stem_prefixes(stems)
    if prefixes is None or not text.isascii():
        return [(m.start(), m.end(), found) for m in _stem_candidates(stems).finditer(text)
                if (found := stem(m.group())) in stems]
    # ASCII: lower() keeps every position, and str.find runs at memory speed, where a regex
    # that skips to the candidate words still steps through every character (26 ns each: about
    # 1 ms for the 30 abstracts proximity reads, against 0.2 ms this way).
    lowered = text.lower()
    starts = set()
    for prefix in prefixes:
        at = lowered.find(prefix)
        while at >= 0:
            if not at or not lowered[at - 1].isalnum():  # a word starts here, as WORD splits words
                starts.add(at)
            at = lowered.find(prefix, at + 1)
    found_words = []
    for at in sorted(starts):
        end = WORD.match(text, at).end()
        if (found := stem(text[at:end])) in stems:
            found_words.append((at, end, found))
    return found_words


@functools.lru_cache(maxsize=1024)
def _stem_prefixes(stems: frozenset[str]) -> tuple[str, ...] | None:
    """The lower-case letters every word with one of ``stems`` starts with (``_prefix``); None when a
    stem does not start with an ASCII letter or digit (then any word may have it).

    Porter's algorithm only rewrites a word's end, and at most the last letter of what it keeps
    (``happy`` → ``happi``), so a word with stem ``s`` starts with ``s`` less its last letter, of
    which three letters are used (true of all 126,448 distinct words of ``arxiv_abstracts``,
    tests/search/test_text.py). Most words of an abstract start otherwise and are never stemmed.
    """
    if "" in stems or not all(s[0].isascii() and s[0].isalnum() for s in stems):
        return None
    return tuple(sorted({_prefix(s) for s in stems}))


@functools.lru_cache(maxsize=1024)
def _stem_candidates(stems: frozenset[str]) -> re.Pattern[str]:
    """Whole words that may have one of ``stems``, in a text that is not all ASCII.

    There a folded letter may hide behind an accent, so a word is a candidate when its first
    letter could start a stem, or is not ASCII.
    """
    if _stem_prefixes(stems) is None:
        return WORD
    firsts = {s[0] for s in stems}
    letters = "".join(sorted(firsts | {c.upper() for c in firsts}))
    return re.compile(rf"(?<![^\W_])(?:[{letters}]|[^\x00-\x7f\W])[^\W_]*")


def _prefix(stem: str) -> str:
    """The letters every word with this Porter stem starts with (see ``_stem_prefixes``)."""
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
