"""arXiv identifiers: recognise, strip versions, prefixes and URLs (pure, no Django)."""

from __future__ import annotations

import re

# New style (2007-04 on): YYMM.NNNN (to 2014-12) or YYMM.NNNNN (2015-01 on), optional vN.
_NEW = re.compile(r"(?P<id>(?P<yy>\d\d)(?P<mm>\d\d)\.(?P<num>\d{4,5}))(?:v(?P<v>\d+))?")
# Old style (to 2007-03): archive[.SUBJ]/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136.
_OLD = re.compile(
    r"(?P<arch>[a-zA-Z][a-zA-Z\-]*)(?:\.(?P<subj>[a-zA-Z]{2}))?/(?P<num>(?P<yy>\d\d)(?P<mm>\d\d)\d{3})(?:v(?P<v>\d+))?"
)
_URL_PREFIX = re.compile(r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/", re.I)
_ARXIV_PREFIX = re.compile(r"^arxiv:\s*", re.I)


class BadArxivId(ValueError):
    """Raised for text that is not an arXiv identifier."""


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """Return ``(id_without_version, version_or_None)`` for an id, ``arXiv:`` id or arXiv URL.

    Raises ``BadArxivId`` when ``text`` is not a well-formed identifier.
    """
    if not isinstance(text, str):
        raise BadArxivId(f"arXiv id must be a string, not {type(text).__name__}")
    raw = text.strip()
    s = _ARXIV_PREFIX.sub("", _URL_PREFIX.sub("", raw))
    s = s.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    if s.lower().endswith(".pdf"):
        s = s[:-4]
    m = _NEW.fullmatch(s)
    if m and _new_style_ok(m):
        return m["id"], _version(m, raw)
    m = _OLD.fullmatch(s)
    if m and 1 <= int(m["mm"]) <= 12:
        subject = f".{m['subj'].upper()}" if m["subj"] else ""
        return f"{m['arch'].lower()}{subject}/{m['num']}", _version(m, raw)
    raise BadArxivId(f"not an arXiv id: {raw[:80]!r}")


def _new_style_ok(m: re.Match) -> bool:
    """Months 01-12 from 2007-04; four-digit numbers to 2014-12, five-digit ones from 2015-01."""
    yymm = int(m["yy"] + m["mm"])
    return 1 <= int(m["mm"]) <= 12 and yymm >= 704 and len(m["num"]) == (5 if yymm >= 1501 else 4)


def _version(m: re.Match, raw: str) -> int | None:
    if not m["v"]:
        return None
    if int(m["v"]) == 0:
        raise BadArxivId(f"not an arXiv id (version 0): {raw[:80]!r}")
    return int(m["v"])


def normalise_arxiv_id(text: str) -> str:
    """Return the versionless arXiv id for ``text`` (see ``parse_arxiv_id``)."""
    return parse_arxiv_id(text)[0]


def id_month(arxiv_id: str) -> tuple[int, int]:
    """Return ``(year, month)`` of first submission encoded in a versionless arXiv id."""
    tail = arxiv_id.split("/", 1)[-1]
    yy, mm = int(tail[0:2]), int(tail[2:4])
    # Old-style ids run from 1991; new-style ids from 2007.
    return (1900 + yy if yy >= 91 else 2000 + yy), mm
