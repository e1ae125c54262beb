"""arXiv API records as JSON lines (e.g. ../shared/data/arxiv_abstracts), and our demo format.

A record has ``id``, ``title``, ``summary``, ``authors`` (names), ``categories`` (primary first)
and ``comment``; optional ``published`` / ``updated`` (ISO dates), ``journal_ref``, ``doi``,
``primary_category`` and ``listing_date``. Our own extension, used by the bundled demo data:
``upvotes`` + ``upvotes_source`` (imported community signal), ``github_repo`` /
``project_page`` (code links learnt from that source) and ``picked_at`` + ``picked_by`` (a pick:
when it went onto a daily list elsewhere, and the submitter's user name there).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import gzip
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from paperfeed.catalog.records import PaperRecord

from .arxiv_ids import BadArxivId, parse_arxiv_id
from .reading import (
    MAX_TITLE_CHARS,
    BadRecord,
    abstract_text,
    author_names,
    category_list,
    opt_int,
    opt_str,
    parse_date,
    parse_datetime,
    req_str,
)

MANIFEST = "manifest.tsv.gz"


def record_from_arxiv_api(obj: Any, *, listing_dates: Mapping[str, dt.date] | None = None) -> PaperRecord:
    """Build a PaperRecord from one arXiv API JSON record; raises BadRecord with the reason."""
    if not isinstance(obj, dict):
        raise BadRecord(f"expected a JSON object, got {type(obj).__name__}")
    arxiv_id, version = record_id(obj)
    categories = category_list(obj.get("categories"))
    primary = obj.get("primary_category")
    if isinstance(primary, str) and primary.strip():
        categories = [primary.strip(), *(c for c in categories if c != primary.strip())]
    published = parse_datetime(obj.get("published"), "published")
    listing = parse_date(obj.get("listing_date"), "listing_date")
    if listing is None and listing_dates:
        listing = listing_dates.get(arxiv_id)
    if listing is None and published is not None:
        listing = published.date()  # approximation: arXiv lists a paper a day or so after submission
    upvotes = opt_int(obj, "upvotes")
    signal_source = opt_str(obj, "upvotes_source", max_chars=32)
    link_source = "hf" if signal_source == "hf" else "user"
    code_urls = [(url, link_source) for key in ("github_repo", "project_page") if (url := opt_str(obj, key, max_chars=1000))]
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=req_str(obj, "title", max_chars=MAX_TITLE_CHARS),
        abstract=abstract_text(obj, "summary", "abstract"),
        authors=author_names(obj.get("authors")),
        categories=categories,
        version=version,
        versions=[(version, parse_datetime(obj.get("updated"), "updated"))] if version else [],
        submitted_at=published,
        updated_at=parse_datetime(obj.get("updated"), "updated"),
        listing_date=listing,
        comment=opt_str(obj, "comment", paragraphs=True),
        journal_ref=opt_str(obj, "journal_ref") if "journal_ref" in obj else opt_str(obj, "journal-ref"),
        doi=opt_str(obj, "doi", max_chars=255),
        license=opt_str(obj, "license", max_chars=255),
        imported_upvotes=upvotes,
        imported_source=(signal_source or "import") if upvotes is not None else None,
        code_urls=code_urls,
        picked_at=parse_datetime(obj.get("picked_at"), "picked_at"),
        picked_by_name=opt_str(obj, "picked_by", max_chars=150) or "",
    )


def record_id(obj: dict, *keys: str) -> tuple[str, int | None]:
    """The versionless id and version of a record, from ``id`` (or ``entry_id``)."""
    for key in keys or ("id", "entry_id"):
        value = obj.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadRecord(f"{key} must be a string, not {type(value).__name__}")
        try:
            return parse_arxiv_id(value)
        except BadArxivId as exc:
            raise BadRecord(f"bad arXiv id in {key}: {value[:60]!r}") from exc
    raise BadRecord("missing id")


def load_manifest(folder: Path) -> dict[str, dt.date]:
    """Map arXiv id -> listing date from ``folder/manifest.tsv.gz`` (empty when there is none).

    Columns: id, shard, listing_date, source_path, source_line (see the arxiv_abstracts SOURCE.md).
    """
    path = Path(folder).resolve() / MANIFEST
    if not path.is_file():
        return {}
    stat = path.stat()
    return _read_manifest(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read_manifest(path: str, mtime_ns: int, size: int) -> dict[str, dt.date]:
    dates: dict[str, dt.date] = {}
    parsed: dict[str, dt.date] = {}  # few distinct days: parse each once
    with gzip.open(path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
        rows = csv.reader(fh, delimiter="\t")
        header = next(rows, [])
        if "id" not in header or "listing_date" not in header:
            return {}
        id_col, date_col = header.index("id"), header.index("listing_date")
        for row in rows:
            try:
                day = parsed.get(row[date_col]) or parsed.setdefault(row[date_col], dt.date.fromisoformat(row[date_col]))
                dates[row[id_col]] = day
            except (IndexError, ValueError):
                continue
    return dates
