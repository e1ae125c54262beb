"""Highlighting matched query terms in text: escape first, then wrap matching words in <mark>."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .text import WORD, stem

# $…$ and $$…$$: left whole (no <mark> inside) so KaTeX still renders them in the browser
_MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$", re.S)


def highlight(text: str, terms: list[str], *, limit: int | None = None) -> SafeString:
    """Return ``text`` HTML-escaped with words matching ``terms`` wrapped in ``<mark>``.

    A word matches when it has the stem of a query term (the keyword index's analyser), so
    "networks" in a query also marks "network" and "networked". Only word tokens of the raw text
    are compared, and every piece is escaped before it is joined, so markup in the data can
    never leak through and entities are never split. Whole words only ("how" never marks
    "However"), and nothing inside ``$…$`` math, which the page renders with KaTeX.
    """
    text = text or ""
    if limit is not None and len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit // 2 else limit] + "…"
    stems = {stem(t) for t in terms if t}
    out: list[str] = []
    pos = 0
    math = [m.span() for m in _MATH.finditer(text)]
    for match in WORD.finditer(text):
        if any(start <= match.start() < end for start, end in math):
            continue
        out.append(escape(text[pos : match.start()]))
        word = match.group(0)
        out.append(f"<mark>{escape(word)}</mark>" if stem(word) in stems else escape(word))
        pos = match.end()
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))  # every piece above was escaped
