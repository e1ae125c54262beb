"""Reading what people type into the search box (pure: no Django, no I/O).

Understood: an arXiv id or URL (``2606.31315``, ``2606.31315v2``, ``arXiv:2606.31315``,
``https://arxiv.org/abs/…`` or ``/pdf/…``), ``"quoted phrases"`` that must appear as written,
``-word`` and ``-"a phrase"`` that must not appear. Everything else is plain words.
Matching works on the analyser's stems (``search.text``), as the keyword index does.
"""

from __future__ import annotations

import dataclasses
import re

from paperfeed.catalog.sources.arxiv_ids import BadArxivId, parse_arxiv_id

from .text import stem, words

# -"phrase" | "phrase" | -word | word  (an unclosed quote runs to the end of the query)
_TOKEN = re.compile(r'(?P<neg>-)?"(?P<phrase>[^"]*)"?|(?P<neg2>-)?(?P<word>[^\s"]+)')


@dataclasses.dataclass(frozen=True)
class ParsedQuery:
    """A search query split into what to retrieve by, what must appear and what must not."""

    text: str  # the words to retrieve by (plain words and the words of phrases)
    ranked: str = ""  # the query without its exclusions, quotes kept (fusion weighs quoted queries)
    phrases: tuple[tuple[str, ...], ...] = ()  # each a run of stems that must appear in order
    excluded: tuple[tuple[str, ...], ...] = ()  # each a stem or run of stems that must not appear
    arxiv_id: str = ""  # set when the whole query is one arXiv id or URL
    version: int | None = None

    @property
    def has_operators(self) -> bool:
        """Whether phrases or exclusions restrict the results."""
        return bool(self.phrases or self.excluded)


def _stems(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(text))


def parse_query(query: str) -> ParsedQuery:
    """Split ``query`` into retrieval text, required phrases, excluded terms, or one arXiv id."""
    query = (query or "").strip()
    try:
        arxiv_id, version = parse_arxiv_id(query)
        return ParsedQuery(text="", arxiv_id=arxiv_id, version=version)
    except BadArxivId:
        pass
    positive: list[str] = []
    kept: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    for m in _TOKEN.finditer(query):
        if m["phrase"] is not None:
            stems = _stems(m["phrase"])
            if not stems:
                continue
            if m["neg"]:
                excluded.append(stems)
            else:
                positive.append(m["phrase"])
                kept.append(f'"{m["phrase"]}"')
                if len(stems) > 1:
                    phrases.append(stems)
        elif m["neg2"] and m["word"]:
            stems = _stems(m["word"])
            if stems:
                excluded.append(stems)
        else:
            positive.append(m["word"])
            kept.append(m["word"])
    return ParsedQuery(text=" ".join(positive), ranked=" ".join(kept), phrases=tuple(phrases),
                       excluded=tuple(excluded))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    if n == 1:
        return needle[0] in haystack
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def matches(parsed: ParsedQuery, text: str) -> bool:
    """Whether ``text`` has every required phrase and none of the excluded terms."""
    if not parsed.has_operators:
        return True
    haystack = _stems(text)
    if any(_contains(haystack, ex) for ex in parsed.excluded):
        return False
    return all(_contains(haystack, ph) for ph in parsed.phrases)
