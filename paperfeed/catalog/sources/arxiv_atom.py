"""The arXiv API (Atom 1.0 over ``/api/query``): its answers as PaperRecords.

Pure: ``parse_feed`` reads one answer. The requests are ``paperfeed.catalog.fetch.arxiv_api``.
Spec: https://info.arxiv.org/help/api/user-manual.html
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable

from lxml import etree

from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.sources.arxiv_ids import BadArxivId, parse_arxiv_id

ATOM = "http://www.w3.org/2005/Atom"
ARXIV = "http://arxiv.org/schemas/atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
MAX_BATCH = 100

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
_WS = re.compile(r"\s+")
_PARAGRAPH = re.compile(r"\n[ \t]+")


@dataclasses.dataclass
class AtomResult:
    """Records found, and the API's error entries (e.g. a malformed id) as messages."""

    records: list[PaperRecord]
    errors: list[str]
    total_results: int | None = None


def parse_feed(body: bytes) -> AtomResult:
    """Parse an arXiv API Atom feed. Raises ValueError when the body is not an Atom feed."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"arXiv API answer is not well-formed XML ({exc})") from exc
    if root.tag != f"{{{ATOM}}}feed":
        raise ValueError(f"arXiv API answer is not an Atom feed (root {root.tag!r})")
    total = root.findtext(f"{{{OPENSEARCH}}}totalResults")
    records, errors = [], []
    for entry in root.iterfind(f"{{{ATOM}}}entry"):
        entry_id = (entry.findtext(f"{{{ATOM}}}id") or "").strip()
        if "/api/errors" in entry_id:
            errors.append(_clean(entry.findtext(f"{{{ATOM}}}summary") or "error"))
            continue
        try:
            record = parse_entry(entry)
        except (ValueError, BadArxivId) as exc:
            errors.append(f"{entry_id or '?'}: {exc}")
            continue
        if record is not None:
            records.append(record)
    return AtomResult(records, errors, int(total) if total and total.strip().isdigit() else None)


def parse_entry(entry: etree._Element) -> PaperRecord | None:
    """One Atom ``<entry>`` as a PaperRecord; None for the empty entry the API gives unknown ids."""
    arxiv_id, version = parse_arxiv_id((entry.findtext(f"{{{ATOM}}}id") or "").strip())
    title = _clean(entry.findtext(f"{{{ATOM}}}title") or "")
    if not title:
        return None
    published = _timestamp(entry.findtext(f"{{{ATOM}}}published"))
    updated = _timestamp(entry.findtext(f"{{{ATOM}}}updated"))
    primary = entry.find(f"{{{ARXIV}}}primary_category")
    categories = [c.get("term", "") for c in entry.iterfind(f"{{{ATOM}}}category") if c.get("term")]
    if primary is not None and primary.get("term"):
        categories = [primary.get("term")] + [c for c in categories if c != primary.get("term")]
    versions: list[tuple[int, dt.datetime | None]] = [(1, published)]
    if version and version > 1:
        versions.append((version, updated))
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=title,
        abstract=_abstract(entry.findtext(f"{{{ATOM}}}summary") or ""),
        authors=[_clean(a.findtext(f"{{{ATOM}}}name") or "") for a in entry.iterfind(f"{{{ATOM}}}author")],
        categories=categories,
        version=version,
        versions=versions,
        submitted_at=published,
        updated_at=updated or published,
        comment=_optional(entry.findtext(f"{{{ARXIV}}}comment")),
        journal_ref=_optional(entry.findtext(f"{{{ARXIV}}}journal_ref")),
        doi=_optional(entry.findtext(f"{{{ARXIV}}}doi")),
    )


def _clean(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _optional(text: str | None) -> str | None:
    return _clean(text) if text and text.strip() else None


def _abstract(text: str) -> str:
    return "\n\n".join(_clean(p) for p in _PARAGRAPH.split(text.strip()) if p.strip())


def _timestamp(text: str | None) -> dt.datetime | None:
    if not text or not text.strip():
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"bad timestamp {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def batched(ids: Iterable[str], size: int) -> Iterable[list[str]]:
    """Yield ``ids`` in lists of at most ``size``."""
    batch: list[str] = []
    for arxiv_id in ids:
        batch.append(arxiv_id)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
