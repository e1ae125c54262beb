"""Highlighting matched query terms in text: escape first, then wrap matching words in <mark>."""

from __future__ import annotations

import html
import re

from django.utils.safestring import SafeString, mark_safe

from .text import stem, stem_matches

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
    text, ellipsis = text or "", ""
    if limit is not None and len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        # The ellipsis joins after marking: in the text, it would make an ASCII abstract non-ASCII,
        # and stem_matches reads such a text word by word: twice the time for a page's 20 abstracts.
        text, ellipsis = text[: cut if cut > limit // 2 else limit], "…"
    stems = {stem(t) for t in terms if t}
    out: list[str] = []
    pos = 0
    for start, end in _math_spans(text):
        out.append(_mark(text[pos:start], stems))
        out.append(html.escape(text[start:end]))
        pos = end
    out.append(_mark(text[pos:], stems))
    out.append(ellipsis)
    return mark_safe("".join(out))  # every piece above was escaped


def _math_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _MATH.finditer(text)] if "$" in text else []


def _mark(text: str, stems: set[str]) -> str:
    """``text`` (no math in it) escaped, with words of the stems ``stems`` in ``<mark>``.

    Word tokens are letters and digits only, so they need no escaping: the text between marks
    is escaped in one piece (``html.escape`` is what Django's ``escape`` runs).
    """
    if not stems:
        return html.escape(text)
    out: list[str] = []
    pos = 0
    for start, end, _ in stem_matches(text, frozenset(stems)):
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark>{text[start:end]}</mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out)
