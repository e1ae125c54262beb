"""Hugging Face ``/api/daily_papers`` responses: a JSON list of entries, or JSON lines of days.

A day is ``{"date": "YYYY-MM-DD", "papers": [entry, …]}`` (as in ../shared/data/hf_daily_papers;
a rare wrapper ``{"status", "date", "count", "data": [entry, …]}`` is accepted too). An entry is
``{"paper": {id, title, summary, authors: [{name}], publishedAt, upvotes, githubRepo?,
projectPage?, …}, publishedAt, title, summary, numComments, …}``. The schema drifted between 2024
and 2026 (more keys, ``githubRepo`` and ``projectPage`` only in newer files); unknown keys are
ignored. A few archived entries are Python ``repr`` strings of the object rather than JSON; they
are read with ``ast.literal_eval`` (literals only, size-capped).

Every entry is a pick (HF's "submitted on daily"). Its submitter is ``paper.submittedOnDailyBy``
(2025 on: ``user`` and/or ``name``) or the entry's ``submittedBy`` (2024 on: ``name``); absent in
some 2024 entries. Its time is ``paper.submittedOnDailyAt`` (2025 on, always on the listing day);
without it, midnight UTC of the day the entry was listed on, or the entry's own ``publishedAt``.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
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
# Hugging Face user names: letters, digits, "-", "_" and "."; longer or odder values are dropped.
_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")


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
        picked_at=_picked_at(entry, paper, day),
        picked_by_name=submitter_name(entry),
    )


def submitter_name(entry: dict) -> str:
    """The HF user name of whoever put ``entry`` on the daily list; "" when the data lacks it."""
    paper = entry.get("paper") if isinstance(entry.get("paper"), dict) else {}
    for user in (paper.get("submittedOnDailyBy"), entry.get("submittedBy")):
        if not isinstance(user, dict):
            continue
        for key in ("user", "name"):
            name = user.get(key)
            if isinstance(name, str) and _USER_NAME.fullmatch(name.strip()):
                return name.strip()
    return ""


def _picked_at(entry: dict, paper: dict, day: dt.date | None) -> dt.datetime | None:
    """When the entry went onto the daily list: on ``day`` (its listing day) when that is known."""
    try:
        when = parse_datetime(paper.get("submittedOnDailyAt"), "submittedOnDailyAt")
    except BadRecord:
        when = None
    if day is None:
        if when is None:
            try:
                when = parse_datetime(entry.get("publishedAt"), "publishedAt")
            except BadRecord:
                return None
        return when
    if when is not None and when.astimezone(dt.UTC).date() == day:
        return when
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


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
