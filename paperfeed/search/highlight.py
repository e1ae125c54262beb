"""Highlighting matched query terms in text: escape first, then wrap whole words in <mark>."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_WORD = re.compile(r"\w+", re.UNICODE)


def _stem(term: str) -> str:
    # A crude prefix stem so "networks" in a query also marks "network" and "networked".
    return term[: max(4, len(term) - 2)] if len(term) > 4 else term


def highlight(text: str, terms: list[str], *, limit: int | None = None) -> SafeString:
    """Return ``text`` HTML-escaped with words matching ``terms`` wrapped in ``<mark>``.

    Only word tokens of the raw text are compared, and every piece is escaped before it is
    joined, so markup in the data can never leak through and entities are never split.
    """
    text = text or ""
    if limit is not None and len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit // 2 else limit] + "…"
    stems = tuple(sorted({_stem(t.lower()) for t in terms if t}, key=len, reverse=True))
    out: list[str] = []
    pos = 0
    for match in _WORD.finditer(text):
        out.append(escape(text[pos : match.start()]))
        word = match.group(0)
        if stems and word.lower().startswith(stems):
            out.append(f"<mark>{escape(word)}</mark>")
        else:
            out.append(escape(word))
        pos = match.end()
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))  # every piece above was escaped
