"""The arXiv metadata snapshot (Kaggle ``arxiv-metadata-oai-snapshot.json``), one JSON object a line.

Keys: id, submitter, authors, title, comments, journal-ref, doi, report-no, categories, license,
abstract, versions ([{version: "v1", created: RFC 2822 date}]), update_date, authors_parsed
([[last, first, suffix]]). The snapshot carries no listing date.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from paperfeed.catalog.records import PaperRecord

from .arxiv_jsonl import record_id
from .reading import (
    MAX_AUTHORS,
    MAX_TITLE_CHARS,
    BadRecord,
    abstract_text,
    category_list,
    clean_line,
    opt_str,
    parse_datetime,
    req_str,
)

SNAPSHOT_KEYS = frozenset({"versions", "authors_parsed", "update_date", "submitter"})
_AND = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


def record_from_snapshot(obj: Any) -> PaperRecord:
    """Build a PaperRecord from one snapshot line; raises BadRecord with the reason."""
    if not isinstance(obj, dict):
        raise BadRecord(f"expected a JSON object, got {type(obj).__name__}")
    arxiv_id, _ = record_id(obj, "id")
    versions = snapshot_versions(obj.get("versions"))
    dated = [when for _, when in versions if when]
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=req_str(obj, "title", max_chars=MAX_TITLE_CHARS),
        abstract=abstract_text(obj, "abstract"),
        authors=snapshot_authors(obj),
        categories=category_list(obj.get("categories")),
        version=max((n for n, _ in versions), default=None),
        versions=versions,
        submitted_at=versions[0][1] if versions else None,
        updated_at=max(dated) if dated else None,
        comment=opt_str(obj, "comments", paragraphs=True),
        journal_ref=opt_str(obj, "journal-ref"),
        doi=opt_str(obj, "doi", max_chars=255),
        license=opt_str(obj, "license", max_chars=255),
    )


def snapshot_versions(value: Any) -> list[tuple[int, dt.datetime | None]]:
    """``[(1, created), (2, created), …]`` sorted by version number."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRecord("versions must be a list")
    out: dict[int, dt.datetime | None] = {}
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("version"), str):
            raise BadRecord("versions entries must be objects with a version string")
        label = item["version"].strip().lower().lstrip("v")
        if not label.isdigit() or not 0 < int(label) < 10_000:
            raise BadRecord(f"bad version label {item['version'][:20]!r}")
        out[int(label)] = parse_datetime(item.get("created"), "versions.created")
    return sorted(out.items())


def snapshot_authors(obj: dict) -> list[str]:
    """Author names from ``authors_parsed`` (accents decoded), else split from ``authors``."""
    parsed = obj.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        if len(parsed) > MAX_AUTHORS:
            raise BadRecord(f"too many authors ({len(parsed):,})")
        names = []
        for parts in parsed:
            if not isinstance(parts, list) or not all(isinstance(p, str) for p in parts):
                raise BadRecord("authors_parsed entries must be lists of strings")
            last, first, suffix = (parts + ["", "", ""])[:3]
            first = re.sub(r"\s+-", "-", first)  # "C. -P." -> "C.-P."
            name = clean_line(f"{first} {last} {suffix}")
            if name:
                names.append(name)
        return names
    raw = obj.get("authors")
    if raw is None:
        return []
    if not isinstance(raw, str):
        raise BadRecord("authors must be a string")
    return [n for n in (clean_line(p) for p in _AND.split(raw)) if n]
