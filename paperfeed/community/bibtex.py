"""BibTeX export, pure: plain paper data in, a ``.bib`` text out.

Text is escaped for LaTeX (``& % # _ { } ~ ^ \\ $`` outside math), balanced ``$…$`` math is kept as
written, and every field is wrapped in braces whose count always balances (BibTeX counts braces
even when escaped), so any title or author list yields a file BibTeX parses and LaTeX compiles.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

_SPECIALS = {
    "\\": r"\textbackslash{}",
    # BibTeX counts braces even when escaped, so a lone brace must not appear as \{ or \}.
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "$": r"\$",
}
_STOP = {"a", "an", "the", "on", "of", "for", "in", "to", "and", "with", "towards", "toward"}


@dataclass(frozen=True)
class BibPaper:
    """What a BibTeX entry needs about a paper."""

    arxiv_id: str
    title: str
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    primary_category: str = ""
    doi: str = ""
    journal_ref: str = ""


def escape_text(text: str) -> str:
    """Escape LaTeX specials in plain text."""
    return "".join(_SPECIALS.get(ch, ch) for ch in text)


def _balanced(math: str) -> bool:
    """Whether braces balance as BibTeX counts them (escaped or not)."""
    depth = 0
    for ch in math:
        depth += 1 if ch == "{" else -1 if ch == "}" else 0
        if depth < 0:
            return False
    return depth == 0


def escape_title(text: str) -> str:
    """Escape a title, keeping ``$…$`` math verbatim when its braces balance (else escaping it too)."""
    text = " ".join(text.split())
    out = []
    for i, part in enumerate(re.split(r"(\$[^$]+\$)", text)):
        if i % 2 == 1 and _balanced(part):
            out.append(part)
        else:
            out.append(escape_text(part))
    return "".join(out)


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def cite_key(paper: BibPaper) -> str:
    """``surname + year + first significant title word``, e.g. ``vaswani2017attention``."""
    surname = _ascii_word(paper.authors[0].split()[-1]) if paper.authors and paper.authors[0].split() else ""
    words = [_ascii_word(w) for w in re.sub(r"\$[^$]*\$", " ", paper.title).split()]
    word = next((w for w in words if w and w not in _STOP), "")
    key = f"{surname or 'anon'}{paper.year or ''}{word}"
    return key or _ascii_word(paper.arxiv_id) or "paper"


def entry(paper: BibPaper, key: str) -> str:
    """One ``@misc`` entry in arXiv's style."""
    fields = [
        ("title", "{" + escape_title(paper.title) + "}"),
        ("author", " and ".join(escape_text(" ".join(a.split())) for a in paper.authors if a.strip()) or "Anonymous"),
        ("year", str(paper.year) if paper.year else ""),
        ("eprint", escape_text(paper.arxiv_id)),
        ("archivePrefix", "arXiv"),
        ("primaryClass", escape_text(paper.primary_category)),
        ("doi", escape_text(paper.doi)),
        ("journal", escape_text(" ".join(paper.journal_ref.split()))),
        ("url", f"https://arxiv.org/abs/{paper.arxiv_id}"),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@misc{{{key},\n{body}\n}}\n"


def to_bibtex(papers: Iterable[BibPaper]) -> str:
    """A ``.bib`` file for the papers, with unique cite keys (``…a``, ``…b`` on clashes)."""
    seen: dict[str, int] = {}
    entries = []
    for paper in papers:
        key = cite_key(paper)
        n = seen.get(key, 0)
        seen[key] = n + 1
        if n:
            key = f"{key}{chr(ord('a') + (n - 1) % 26)}{(n - 1) // 26 or ''}"
        entries.append(entry(paper, key))
    return "\n".join(entries)
