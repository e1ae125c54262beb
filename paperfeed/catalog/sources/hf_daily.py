"""Hugging Face ``/api/daily_papers`` responses: a JSON list of entries, or JSON lines of days.

A day is ``{"date": "YYYY-MM-DD", "papers": [entry, …]}`` (as in ../shared/data/hf_daily_papers;
a rare wrapper ``{"status", "date", "count", "data": [entry, …]}`` is accepted too). An entry is
``{"paper": {id, title, summary, authors: [{name}], publishedAt, upvotes, githubRepo?,
projectPage?, …}, publishedAt, title, summary, numComments, …}``. The schema drifted between 2024
and 2026 (more keys, ``githubRepo`` and ``projectPage`` only in newer files); unknown keys are
ignored. A few archived entries are Python ``repr`` strings of the object rather than JSON; they
are read with ``ast.literal_eval`` (literals only, size-capped).
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Iterator
from typing import Any

from paperfeed.catalog.records import PaperRecord

from .arxiv_jsonl import record_id
from .reading import (
    MAX_TITLE_CHARS,
    BadRecord,
    abstract_text,
    author_names,
    opt_int,
    parse_date,
    parse_datetime,
    req_str,
)

SOURCE = "hf"
MAX_REPR_CHARS = 1_000_000


def is_hf_day(obj: Any) -> bool:
    """True for a day object ``{date, papers}`` (or the ``{date, data}`` wrapper)."""
    return isinstance(obj, dict) and "date" in obj and ("papers" in obj or "data" in obj)


def is_hf_entry(obj: Any) -> bool:
    """True for one daily-papers entry ``{paper: {...}, …}``."""
    return isinstance(obj, dict) and isinstance(obj.get("paper"), dict)


def records_from_hf_item(obj: Any) -> Iterator[PaperRecord | BadRecord]:
    """Yield a PaperRecord (or a BadRecord naming the entry) for each paper in a day or entry."""
    if is_hf_day(obj):
        try:
            day = parse_date(obj.get("date"), "date")
        except BadRecord as exc:
            yield exc
            return
        entries = obj.get("papers", obj.get("data"))
        if isinstance(entries, dict):  # {"status", "date", "count", "data": [...]} wrapper
            entries = entries.get("data")
        if not isinstance(entries, list):
            yield BadRecord("papers must be a list of entries")
            return
        for n, entry in enumerate(entries, 1):
            try:
                yield record_from_hf_entry(entry, day=day)
            except BadRecord as exc:
                yield BadRecord(f"paper #{n}: {exc}")
        return
    try:
        yield record_from_hf_entry(obj)
    except BadRecord as exc:
        yield exc


def record_from_hf_entry(entry: Any, *, day: dt.date | None = None) -> PaperRecord:
    """Build a PaperRecord from one daily-papers entry; ``day`` is the listing day it came from."""
    if isinstance(entry, str):
        entry = _literal(entry)
    if not isinstance(entry, dict):
        raise BadRecord(f"expected an object, got {type(entry).__name__}")
    paper = entry.get("paper", entry)
    if not isinstance(paper, dict):
        raise BadRecord("paper must be an object")
    arxiv_id, version = record_id(paper, "id")
    merged = {"title": paper.get("title", entry.get("title")), "summary": paper.get("summary", entry.get("summary"))}
    listing = day
    if listing is None:
        listing = parse_date(paper.get("submittedOnDailyAt"), "submittedOnDailyAt")
    return PaperRecord(
        arxiv_id=arxiv_id,
        title=req_str(merged, "title", max_chars=MAX_TITLE_CHARS),
        abstract=abstract_text(merged, "summary"),
        authors=author_names(paper.get("authors")),
        version=version,
        submitted_at=parse_datetime(paper.get("publishedAt", entry.get("publishedAt")), "publishedAt"),
        listing_date=listing,
        imported_upvotes=opt_int(paper, "upvotes"),
        imported_source=SOURCE,
        code_urls=[(url, SOURCE) for url in _links(paper)],
    )


def _links(paper: dict) -> list[str]:
    links = []
    for key in ("githubRepo", "projectPage"):
        url = paper.get(key)
        if isinstance(url, str) and url.startswith(("https://", "http://")) and len(url) <= 1000:
            links.append(url.strip())
    return links


def _literal(text: str) -> Any:
    """Read a Python-literal ``repr`` of an entry (no code is evaluated)."""
    if len(text) > MAX_REPR_CHARS:
        raise BadRecord("entry is an oversized string")
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise BadRecord("entry is a string that is not an object") from None
