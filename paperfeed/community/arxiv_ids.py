"""Read arXiv identifiers as people type them: bare ids, abs/pdf/html URLs, versions, "arXiv:" prefixes.

The grammar lives in one place, ``paperfeed.catalog.sources.arxiv_ids``; these wrappers give the
forgiving shapes that forms want (None instead of an exception).
"""

from __future__ import annotations

import datetime as dt
import re

from paperfeed.catalog.sources import arxiv_ids as _ids


def parse_arxiv_id(text: str) -> tuple[str, int | None] | None:
    """Return ``(id without version, version or None)`` for an arXiv id or URL, or None if it is not one."""
    try:
        return _ids.parse_arxiv_id((text or "").strip())
    except _ids.BadArxivId:
        return None


def normalise_arxiv_id(text: str) -> str | None:
    """The arXiv id without version for an id or URL, or None when the text is not one."""
    parsed = parse_arxiv_id(text)
    return parsed[0] if parsed else None


def id_month(arxiv_id: str) -> dt.date | None:
    """First day of the month a new-style id was issued in (``2406.07550`` → 2024-06-01), else None."""
    if "/" in arxiv_id or parse_arxiv_id(arxiv_id) is None:
        return None
    year, month = _ids.id_month(arxiv_id)
    return dt.date(year, month, 1)


def split_ids(text: str) -> list[str]:
    """Tokens of a pasted list of ids or URLs (whitespace, commas or semicolons between them)."""
    return [tok for tok in re.split(r"[\s,;]+", text or "") if tok]
