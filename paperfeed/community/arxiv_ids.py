"""Read arXiv identifiers as people type them: bare ids, abs/pdf/html URLs, versions, "arXiv:" prefixes."""

from __future__ import annotations

import datetime as dt
import re

_NEW = r"(?P<new>\d{4}\.\d{4,5})"
_OLD = r"(?P<old>[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})"
_ID_RE = re.compile(
    r"^(?:arxiv:)?"
    r"(?:(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/)?"
    rf"(?:{_NEW}|{_OLD})"
    r"(?:v(?P<version>\d+))?"
    r"(?:\.pdf)?/?(?:[?#].*)?$",
    re.IGNORECASE,
)


def parse_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """Return ``(id without version, version or None)`` for an arXiv id or URL, or None if it is not one.

    Accepts ``2406.07550``, ``2406.07550v2``, ``arXiv:2406.07550``, ``https://arxiv.org/abs/2406.07550v1``,
    ``https://arxiv.org/pdf/2406.07550v2.pdf``, ``hep-th/9901001``, ``math.GT/0309136``.
    """
    text = (text or "").strip()
    m = _ID_RE.match(text)
    if not m:
        return None
    if m.group("new"):
        arxiv_id = m.group("new")
        month = int(arxiv_id[2:4])
        if not 1 <= month <= 12:
            return None
    else:
        archive, number = m.group("old").split("/")
        head, _, sub = archive.partition(".")
        arxiv_id = f"{head.lower()}{'.' + sub.upper() if sub else ''}/{number}"
    version = int(m.group("version")) if m.group("version") else None
    return arxiv_id, version


def normalise_arxiv_id(text: str) -> str | None:
    """The arXiv id without version for an id or URL, or None when the text is not one."""
    parsed = parse_arxiv_id(text)
    return parsed[0] if parsed else None


def id_month(arxiv_id: str) -> dt.date | None:
    """First day of the month a new-style id was issued in (``2406.07550`` → 2024-06-01), else None."""
    m = re.match(r"^(\d{2})(\d{2})\.\d{4,5}$", arxiv_id)
    if not m:
        return None
    return dt.date(2000 + int(m.group(1)), int(m.group(2)), 1)


def split_ids(text: str) -> list[str]:
    """Tokens of a pasted list of ids or URLs (whitespace, commas or semicolons between them)."""
    return [tok for tok in re.split(r"[\s,;]+", text or "") if tok]
