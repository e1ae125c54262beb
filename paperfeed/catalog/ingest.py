"""Ingest: upsert PaperRecords into the catalogue, idempotently, one transaction per batch.

Each batch reads what is known about its papers in a few bulk queries, merges the records in
memory (``paperfeed.catalog.merge``) and writes only what changed with multi-row statements. A
crash loses at most the batch in flight; a rerun finds the committed batches unchanged and
resumes. Papers, Authors/Authorships, PaperVersions and CodeLinks are maintained together.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from paperfeed.catalog.authors import author_key
from paperfeed.catalog.ingest_sql import (
    PAPER_COLUMNS,
    chunks,
    delete_where_in,
    insert_rows,
    paper_values,
    update_papers,
    write_links,
    write_versions,
)
from paperfeed.catalog.merge import PaperState, PreparedRecord, merge
from paperfeed.catalog.models import Author, Authorship, CodeLink, Paper, PaperVersion
from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.sources.reading import MAX_TITLE_CHARS, ParseError, ParseWarning

# Sources that only fill blanks: their text is a copy of arXiv's, so arXiv's own wins.
SECONDARY_SOURCES = frozenset({"hf", "hf_daily"})
MAX_KEPT_ERRORS = 10_000
WAL_CHECKPOINT_PAGES = 20_000  # about 80 MB of WAL between checkpoints during an ingest
BULK_LOAD_SETTING = "paperfeed.bulk_load"  # PostgreSQL session setting, 'on' during a bulk load

_STATE_FIELDS = (
    "title", "abstract", "authors", "categories", "version", "submitted_at", "updated_at",
    "listing_date", "comment", "journal_ref", "doi", "license", "imported_upvotes", "imported_source", "hidden",
    "picked_at", "picked_by_name", "picked_by_id",
)


@dataclasses.dataclass
class IngestStats:
    """What an ingest did: papers new, updated, unchanged; records skipped, and why (``errors``)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    warnings: int = 0  # records ingested with a doubt reported beside them (e.g. a null summary)
    errors: list[str] = dataclasses.field(default_factory=list)

    @property
    def total(self) -> int:
        """Records seen, good and bad."""
        return self.new + self.updated + self.unchanged + self.skipped

    def add(self, other: IngestStats) -> None:
        """Accumulate ``other`` into this one."""
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped += other.skipped
        self.warnings += other.warnings
        self.errors.extend(other.errors[: max(0, MAX_KEPT_ERRORS - len(self.errors))])

    def summary(self) -> str:
        """One line: ``12 new, 3 updated, 40 unchanged, 2 skipped``."""
        line = f"{self.new:,} new, {self.updated:,} updated, {self.unchanged:,} unchanged, {self.skipped:,} skipped"
        return line + (f", {self.warnings:,} warning{'s' if self.warnings != 1 else ''}" if self.warnings else "")


def upsert_records(
    records: Iterable[PaperRecord | PreparedRecord | ParseError],
    *,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    source: str = "",
    on_error: Callable[[str], None] | None = None,
    bulk: bool = False,
) -> IngestStats:
    """Upsert ``records`` (ParseErrors among them are counted as skipped) and return the stats.

    Idempotent: ingesting the same records again reports them all unchanged. ``progress(n)`` is
    called after each committed batch with the number of records it held; ``on_error(message)``
    for each skipped record. ``source`` names where the records came from; Hugging Face ("hf")
    records only fill fields the catalogue does not know yet. ``bulk`` marks a load whose caller
    sends ``papers_ingested(final=True)`` at the end: on PostgreSQL, what the database derives from
    new papers by triggers (the keyword documents) may then be built once, set-based, at that point.
    """
    size = batch_size or settings.INGEST_BATCH_SIZE
    stats = IngestStats()
    writer = _BatchWriter(fill_only=source in SECONDARY_SOURCES)
    with _bulk_wal(), _bulk_session(bulk):
        for batch in _batches(records, size):
            _ingest_batch(batch, writer, stats, progress, on_error)
    return stats


def _ingest_batch(batch: list, writer: _BatchWriter, stats: IngestStats, progress, on_error) -> None:
    """Count and report the bad items of one batch, write the good ones (one transaction)."""
    good: list[PaperRecord] = []
    for item in batch:
        if isinstance(item, ParseWarning):
            stats.warnings += 1
            if len(stats.errors) < MAX_KEPT_ERRORS:
                stats.errors.append(str(item))
            if on_error:
                on_error(str(item))
            continue
        problem = _problem(item)
        if problem is None:
            good.append(item)
            continue
        stats.skipped += 1
        if len(stats.errors) < MAX_KEPT_ERRORS:
            stats.errors.append(problem)
        if on_error:
            on_error(problem)
    if good:
        writer.write(good, stats)
    if progress:
        progress(len(batch))


@contextlib.contextmanager
def _bulk_wal() -> Iterator[None]:
    """On SQLite, checkpoint the WAL less often while ingesting (each batch writes megabytes, and
    by default every commit would copy them back into the database), then once at the end."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(before)}")
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")  # never waits for readers


@contextlib.contextmanager
def _bulk_session(bulk: bool) -> Iterator[None]:
    """On PostgreSQL, set ``paperfeed.bulk_load`` for this session while a bulk load runs.

    Triggers of the layers above read it (``current_setting('paperfeed.bulk_load', true)``) to
    leave per-statement work on new rows to their ``papers_ingested(final=True)`` receiver.
    """
    if not bulk or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT set_config('{BULK_LOAD_SETTING}', 'on', false)")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT set_config('{BULK_LOAD_SETTING}', '', false)")


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _record(item: PaperRecord | PreparedRecord) -> PaperRecord:
    return item.record if isinstance(item, PreparedRecord) else item


def _problem(item: PaperRecord | PreparedRecord | ParseError) -> str | None:
    """Why a record cannot be ingested (None when it can)."""
    if isinstance(item, ParseError):
        return str(item)
    if isinstance(item, PreparedRecord):
        item = item.record
    if not isinstance(item, PaperRecord):
        return f"not a paper record: {type(item).__name__}"
    if not item.arxiv_id or len(item.arxiv_id) > 64:
        return f"{item.arxiv_id[:80]!r}: bad arXiv id"
    if not item.deleted and not (item.title and item.title.strip()):
        return f"{item.arxiv_id}: missing title"
    if len(item.title) > MAX_TITLE_CHARS:
        return f"{item.arxiv_id}: title too long ({len(item.title):,} characters)"
    return None


class _BatchWriter:
    """Reads, merges and writes one batch at a time; caches author ids across committed batches."""

    def __init__(self, *, fill_only: bool) -> None:
        self.fill_only = fill_only
        self.author_ids: dict[str, int] = {}

    def write(self, records: list[PaperRecord | PreparedRecord], stats: IngestStats) -> None:
        ids = list(dict.fromkeys(_record(r).arxiv_id for r in records))
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        prepared: dict[str, PreparedRecord] = {}  # new papers' states and author keys, computed ahead
        with transaction.atomic():
            known, pks = _load_states(ids)
            states = dict(known)
            for item in records:
                record = item.record if isinstance(item, PreparedRecord) else item
                before = states.get(record.arxiv_id)
                if before is None and isinstance(item, PreparedRecord):
                    after = item.fresh  # merge(None, record), computed ahead
                    prepared[record.arxiv_id] = item
                else:
                    after = merge(before, record, fill_only=self.fill_only)
                if before is None and record.deleted:
                    counts["unchanged"] += 1  # a deletion notice for a paper we never had
                    continue
                counts["new" if before is None else "updated" if after != before else "unchanged"] += 1
                states[record.arxiv_id] = after
            changed = {i: s for i, s in states.items() if known.get(i) != s}
            new_authors = self._write(changed, known, pks, prepared)
        self.author_ids.update(new_authors)  # only after the commit: a rollback must not leave stale ids
        stats.new += counts["new"]
        stats.updated += counts["updated"]
        stats.unchanged += counts["unchanged"]

    def _write(self, changed: dict[str, PaperState], known: dict[str, PaperState], pks: dict[str, int],
               prepared: dict[str, PreparedRecord]) -> dict[str, int]:
        if not changed:
            return {}
        now = timezone.now()
        fresh = [s for i, s in changed.items() if i not in known]
        stale = [s for i, s in changed.items() if i in known]
        if fresh:
            floor = _max_pk(Paper)
            insert_rows(Paper, [*PAPER_COLUMNS, "vote_count", "comment_count", "created_at", "modified_at"],
                        [[*paper_values(s), 0, 0, now, now] for s in fresh])
            pks.update(_rows_after(Paper, "arxiv_id", floor))
        if stale:
            update_papers(stale, pks, now)
        write_versions(changed, known, pks)
        write_links(changed, known, pks)
        return self._write_authorships(changed, known, pks, prepared)

    def _write_authorships(self, changed: dict[str, PaperState], known: dict[str, PaperState], pks: dict[str, int],
                           prepared: dict[str, PreparedRecord]) -> dict[str, int]:
        touched = [s for i, s in changed.items() if i not in known or known[i].authors != s.authors]
        if not touched:
            return {}
        keyed = {state.arxiv_id: _author_keys(state, prepared.get(state.arxiv_id)) for state in touched}
        names: dict[str, str] = {}
        for state in touched:
            for key, name in zip(keyed[state.arxiv_id], state.authors, strict=True):
                if key not in names:
                    names[key] = name[:512]
        names.pop("", None)
        cache = self.author_ids
        ids = {k: cache[k] for k in names.keys() & cache.keys()}
        missing = [k for k in names if k not in ids]
        if missing:
            # Insert the unknown keys (existing ones are ignored), then read back the rows just
            # added by id range: one cheap query instead of a key lookup per author.
            floor = _max_pk(Author)
            insert_rows(Author, ["key", "name"], [[k, names[k]] for k in missing], ignore_conflicts=True)
            ids.update((k, i) for k, i in _rows_after(Author, "key", floor) if k in names)
            ids.update(_author_pks([k for k in missing if k not in ids]))
        stale_pks = [pks[s.arxiv_id] for s in touched if s.arxiv_id in known]
        delete_where_in(Authorship, "paper_id", stale_pks)
        rows = []
        for arxiv_id, keys in keyed.items():
            pk, seen = pks[arxiv_id], set()
            for position, key in enumerate(keys):
                if key and key not in seen:  # one Authorship per person and paper
                    seen.add(key)
                    rows.append([pk, ids[key], position])
        insert_rows(Authorship, ["paper_id", "author_id", "position"], rows)
        return ids


def _author_keys(state: PaperState, prepared: PreparedRecord | None) -> tuple[str, ...] | list[str]:
    """The keys of ``state``'s authors: computed ahead when ``state`` is still that record's fresh state."""
    if prepared is not None and prepared.fresh is state:
        return prepared.author_keys
    return [author_key(name) for name in state.authors]


# --- reads --------------------------------------------------------------------------------------
def _load_states(ids: list[str]) -> tuple[dict[str, PaperState], dict[str, int]]:
    """The known state and primary key of each paper in ``ids`` that exists."""
    states: dict[str, PaperState] = {}
    pks = _paper_pks(ids)
    for chunk in chunks(list(pks.values())):
        for row in Paper.objects.filter(pk__in=chunk).values_list("arxiv_id", *_STATE_FIELDS):
            arxiv_id, *values = row
            states[arxiv_id] = PaperState(arxiv_id, **dict(zip(_STATE_FIELDS, values, strict=True)))
    by_pk = {pk: states[a] for a, pk in pks.items()}
    for chunk in chunks(list(by_pk)):
        for pk, number, created in PaperVersion.objects.filter(paper_id__in=chunk).values_list("paper_id", "version", "created_at"):
            by_pk[pk].versions[number] = created
        for pk, url, kind, source in CodeLink.objects.filter(paper_id__in=chunk).values_list("paper_id", "url", "kind", "source"):
            by_pk[pk].links.setdefault(url.lower(), (url, kind, source))
    return states, pks


def _paper_pks(arxiv_ids: list[str]) -> dict[str, int]:
    """Primary keys of the papers in ``arxiv_ids`` that exist (plain SQL: strings in, ints out)."""
    table = connection.ops.quote_name(Paper._meta.db_table)
    out: dict[str, int] = {}
    with connection.cursor() as cursor:
        for chunk in chunks(arxiv_ids):
            cursor.execute(f"SELECT arxiv_id, id FROM {table} WHERE arxiv_id IN ({', '.join(['%s'] * len(chunk))})", chunk)
            out.update(cursor.fetchall())
    return out


def _rows_after(model, column: str, floor: int) -> list[tuple[str, int]]:
    """``(column, id)`` of the rows with an id above ``floor``: the ones a batch just inserted."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)}, id FROM {quote(model._meta.db_table)} WHERE id > %s", [floor])
        return cursor.fetchall()


def _max_pk(model) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _author_pks(keys: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for chunk in chunks(keys):
        out.update(Author.objects.filter(key__in=chunk).values_list("key", "id"))
    return out


