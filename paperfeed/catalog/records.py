"""The one shape every source parser produces and the ingest service consumes."""

from __future__ import annotations

import dataclasses
import datetime as dt


@dataclasses.dataclass(slots=True)
class PaperRecord:
    """A paper as read from any source (snapshot, arXiv API, OAI-PMH, HF daily papers).

    Fields a source does not know stay ``None`` (or empty) and never overwrite known values.
    """

    arxiv_id: str  # without version
    title: str
    abstract: str = ""
    authors: list[str] = dataclasses.field(default_factory=list)
    categories: list[str] = dataclasses.field(default_factory=list)  # primary first
    version: int | None = None
    versions: list[tuple[int, dt.datetime | None]] = dataclasses.field(default_factory=list)
    submitted_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    listing_date: dt.date | None = None
    comment: str | None = None
    journal_ref: str | None = None
    doi: str | None = None
    license: str | None = None
    imported_upvotes: int | None = None
    imported_source: str | None = None
    code_urls: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (url, source)
    # A pick (Hugging Face's "submitted on daily"): when it went onto a daily list and by whom.
    picked_at: dt.datetime | None = None
    picked_by_name: str = ""
    deleted: bool = False  # OAI-PMH deleted record
