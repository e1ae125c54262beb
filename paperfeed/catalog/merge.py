"""Merging a PaperRecord into what the catalogue knows about a paper (pure, no database).

Rules: a field the record does not know (None / empty) never erases a known one; a record of an
older version than the one known does not overwrite the text; secondary sources (Hugging Face)
only fill blanks; imported upvotes keep the maximum; the earliest listing date wins; versions
and code links accumulate; the earliest pick wins, and a local member's pick is never replaced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from paperfeed.catalog.authors import author_key
from paperfeed.catalog.codelinks import extract_code_links, normalise_code_url
from paperfeed.catalog.records import PaperRecord

TEXT_FIELDS = ("title", "abstract", "comment", "journal_ref", "doi", "license")
LIST_FIELDS = ("authors", "categories")


@dataclasses.dataclass(slots=True)
class PaperState:
    """Everything ingest maintains about one paper; equal states mean "unchanged"."""

    arxiv_id: str
    title: str = ""
    abstract: str = ""
    authors: list[str] = dataclasses.field(default_factory=list)
    categories: list[str] = dataclasses.field(default_factory=list)
    version: int = 1
    submitted_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    listing_date: dt.date | None = None
    comment: str = ""
    journal_ref: str = ""
    doi: str = ""
    license: str = ""
    imported_upvotes: int = 0
    imported_source: str = ""
    hidden: bool = False
    picked_at: dt.datetime | None = None
    picked_by_name: str = ""
    # Read, never written by ingest: a member's pick (community submissions) is left as it is.
    picked_by_id: int | None = None
    versions: dict[int, dt.datetime | None] = dataclasses.field(default_factory=dict)
    # lower-cased url -> (url, kind, source); the first source to report a link keeps it.
    links: dict[str, tuple[str, str, str]] = dataclasses.field(default_factory=dict)
    # content_hash() memo; reset by merge(), ignored by ==.
    cached_hash: str | None = dataclasses.field(default=None, compare=False, repr=False)

    def content_hash(self) -> str:
        """A stable hash of the merged metadata (what a re-ingest compares against)."""
        if self.cached_hash is None:
            self.cached_hash = self._hash()
        return self.cached_hash

    def _hash(self) -> str:
        data = [
            self.arxiv_id, self.title, self.abstract, self.authors, self.categories, self.version,
            _iso(self.submitted_at), _iso(self.updated_at), _iso(self.listing_date), self.comment,
            self.journal_ref, self.doi, self.license, self.imported_upvotes, self.imported_source,
            sorted((v, _iso(d)) for v, d in self.versions.items()), sorted(self.links),
            _iso(self.picked_at), self.picked_by_name,
        ]
        # repr of str/int/list/tuple is stable across runs and much cheaper than json.dumps.
        return hashlib.blake2b(repr(data).encode("utf-8", "surrogatepass"), digest_size=32).hexdigest()


def merge(existing: PaperState | None, record: PaperRecord, *, fill_only: bool = False) -> PaperState:
    """Return the state after applying ``record`` to ``existing`` (which is not modified)."""
    state = dataclasses.replace(existing, cached_hash=None) if existing else PaperState(arxiv_id=record.arxiv_id)
    older = existing is not None and record.version is not None and record.version < existing.version
    overwrite = existing is None or not (fill_only or older)
    for name in TEXT_FIELDS:
        value = getattr(record, name)
        if value and (overwrite or not getattr(state, name)):
            setattr(state, name, value)
    for name in LIST_FIELDS:
        value = getattr(record, name)
        if value and (overwrite or not getattr(state, name)):
            setattr(state, name, list(value))
    if record.version is not None:
        state.version = max(state.version, record.version) if existing else record.version
    state.submitted_at = _min(state.submitted_at, record.submitted_at)
    state.updated_at = _max(state.updated_at, record.updated_at)
    state.listing_date = _min(state.listing_date, record.listing_date)
    if record.imported_upvotes is not None and (record.imported_upvotes > state.imported_upvotes or not state.imported_source):
        state.imported_upvotes = max(state.imported_upvotes, record.imported_upvotes)
        state.imported_source = (record.imported_source or "import")[:32]
    if record.versions:
        state.versions = _merge_versions(state.versions, record.versions)
    state.links = _merge_links(state.links, record)
    _merge_pick(state, record)
    if record.deleted:
        state.hidden = True
    return state


@dataclasses.dataclass(slots=True)
class PreparedRecord:
    """A record with its state as a new paper (``merge(None, record)``), that state's hash and its
    authors' keys, computed ahead, e.g. in the parsing process, so the writing process only merges
    into papers it already has."""

    record: PaperRecord
    fresh: PaperState
    author_keys: tuple[str, ...] = ()  # author_key of each of fresh.authors

    @classmethod
    def of(cls, record: PaperRecord) -> PreparedRecord:
        """Prepare ``record``: merge it into nothing, hash the result, key its authors."""
        fresh = merge(None, record)
        fresh.content_hash()
        return cls(record, fresh, tuple(author_key(name) for name in fresh.authors))


def _merge_pick(state: PaperState, record: PaperRecord) -> None:
    """The earliest pick wins; a known submitter's name is kept when the earlier one has none."""
    if record.picked_at is None or state.picked_by_id is not None:
        return
    name = record.picked_by_name[:150]
    if state.picked_at is None or record.picked_at < state.picked_at:
        state.picked_at = record.picked_at
        state.picked_by_name = name or state.picked_by_name
    elif record.picked_at == state.picked_at and not state.picked_by_name:
        state.picked_by_name = name


def _merge_versions(known: dict[int, dt.datetime | None], new: list[tuple[int, dt.datetime | None]]) -> dict:
    merged = dict(known)
    for number, when in new:
        if number is None or number < 1:
            continue
        if merged.get(number) is None:
            merged[number] = when
    return merged


def _merge_links(known: dict[str, tuple[str, str, str]], record: PaperRecord) -> dict[str, tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    for url, source in record.code_urls:
        link = normalise_code_url(url)
        if link:
            found.append((link[0], link[1], source))
    for field, source in (("abstract", "abstract"), ("comment", "comment")):
        for url, kind in extract_code_links(getattr(record, field)):
            found.append((url, kind, source))
    if not found:
        return known
    merged = dict(known)
    for url, kind, source in found:
        merged.setdefault(url.lower(), (url, kind, source))
    return merged


def _min(a, b):
    return b if a is None else a if b is None else min(a, b)


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None
