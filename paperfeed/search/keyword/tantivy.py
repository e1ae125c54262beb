"""tantivy keyword backend: BM25 with block-max WAND in a folder beside the database.

SQLite FTS5's ``bm25()`` reads every posting of every query term, so a query's cost grows with
the catalogue; tantivy skips blocks that cannot reach the current top-k (block-max WAND) and
answers a title query over a million papers in a few milliseconds. It implements the
``KeywordIndex`` interface (base.py); auto.py serves it past ``KEYWORD_TANTIVY_THRESHOLD`` papers,
and ``KEYWORD_BACKEND=paperfeed.search.keyword.tantivy.TantivyKeywordIndex`` makes it the only one.

* One text field per paper: the title three times, the abstract, the authors. Repeating the
  title weights it the way FTS5's column weight 3 does (term frequency and length), and keeps a
  query a flat OR of term queries — the only shape tantivy's block-max WAND accelerates.
  Separate fields with a title boost scored worse on SciFact train (docs/search.md).
* User text is never parsed: ``text.query_terms`` → the index's own analyzer → term queries.
* The index is a copy of ``catalog_paper``, so it can be stale: every hit is confirmed by the
  database (with the caller's ``where_sql`` filters) before it is returned, and ``sync()`` —
  run by the worker's embed job every EMBED_INTERVAL_SECONDS — catches up with edits, inserts
  and deletions. Web processes only read, reloading at most once a second.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import math
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import tantivy
from django.conf import settings
from django.db import connections

from paperfeed.catalog.models import Paper
from paperfeed.search.text import query_terms

from .base import KeywordIndex

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
TOKENIZER = "paperfeed_en"
TITLE_REPEAT = 3  # tuned on SciFact train: 1 → 0.7007, 2 → 0.7071, 3 → 0.7094, 4 → 0.7072 (keyword nDCG@10)
FOLDER = "search-tantivy"
WATERMARK = "paperfeed-sync.json"  # beside tantivy's own files; tantivy ignores files it did not write
SYNC_OVERLAP = dt.timedelta(seconds=30)  # re-scan this much before the watermark: late commits
RELOAD_SECONDS = 1.0
# Hits fetched per wanted result before the database filter, escalating. Without filters the
# database drops only hidden and deleted papers, a handful: a quarter more suffices, and
# collecting and confirming 125 hits instead of 400 saves about 1 ms a search. A filter that
# drops more escalates, so the answer is the same either way.
OVERFETCH = (1.25, 4, 32)
ID_TERMS_MAX = 1024  # _ids_query: past this many ids one term-set query beats a lookup per id
MAX_ALLOWED_IDS = 200_000  # past the over-fetch, a filter allowing up to this many ids runs inside tantivy
WRITER_HEAP = 64_000_000
BULK_HEAP_PER_THREAD = 256_000_000
CHUNK = 2000


class WriterBusy(Exception):
    """Another process (or this one) holds the index's writer lock."""


@functools.cache
def analyzer() -> tantivy.TextAnalyzer:
    """Letters-and-digits words, lower-cased, accents folded, English (Snowball) stems."""
    return (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
            .filter(tantivy.Filter.remove_long(40))
            .filter(tantivy.Filter.lowercase())
            .filter(tantivy.Filter.ascii_fold())
            .filter(tantivy.Filter.stemmer("english"))
            .build())


@functools.lru_cache(maxsize=20_000)
def _tokens(term: str) -> tuple[str, ...]:
    return tuple(analyzer().analyze(term))


def build_schema() -> tantivy.Schema:
    """id (indexed, fast, stored), modified (µs since the epoch, fast) and the analysed text."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    builder.add_integer_field("modified", fast=True)
    builder.add_text_field("text", tokenizer_name=TOKENIZER, index_option="freq")
    return builder.build()


def authors_text(authors) -> str:
    """The authors column (a JSON list of names, or text) as one string."""
    if isinstance(authors, str):
        try:
            authors = json.loads(authors)
        except ValueError:
            return authors
    if isinstance(authors, list | tuple):
        return ", ".join(str(a) for a in authors)
    return str(authors or "")


def document_text(title: str, abstract: str, authors: str) -> str:
    """The indexed text of one paper: the title ``TITLE_REPEAT`` times, abstract, authors."""
    return "\n".join([title or ""] * TITLE_REPEAT + [abstract or "", authors or ""])


def _later(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    return b if a is None or (b is not None and b > a) else a


def _micros(value: dt.datetime | None) -> int:
    return int(value.timestamp() * 1_000_000) if value is not None else 0


class _Handle:
    """One opened index per folder per process, shared by threads; reloads at most once a second."""

    def __init__(self, index: tantivy.Index, path: Path) -> None:
        self.index = index
        self.path = path
        self.schema = index.schema
        self.lock = threading.Lock()
        self.reloaded = time.monotonic()

    def searcher(self) -> tantivy.Searcher:
        """A searcher on the latest commit seen (re-read when the last reload is over a second old)."""
        now = time.monotonic()
        if now - self.reloaded >= RELOAD_SECONDS:
            with self.lock:
                if now - self.reloaded >= RELOAD_SECONDS:
                    self.reloaded = now
                    try:
                        self.index.reload()
                    except (ValueError, OSError) as exc:  # folder deleted or replaced: reopen next time
                        log.warning("tantivy index %s could not be reloaded (%s); reopening", self.path, exc)
                        _forget(self.path)
        return self.index.searcher()

    def reload(self) -> None:
        """See the latest commit now (after our own writes)."""
        with self.lock:
            self.index.reload()
            self.reloaded = time.monotonic()

    def writer(self, *, heap: int = WRITER_HEAP, threads: int = 1) -> tantivy.IndexWriter:
        """Take the writer lock or raise WriterBusy."""
        try:
            return self.index.writer(heap_size=heap, num_threads=threads)
        except ValueError as exc:
            if "LockBusy" in str(exc):
                raise WriterBusy(str(exc)) from None
            raise


_handles: dict[str, _Handle] = {}
_handles_lock = threading.Lock()
_missing_logged: set[str] = set()


def _open(path: Path, *, create: bool = False) -> _Handle | None:
    """The shared handle of the index in ``path``; None when there is none (and not ``create``)."""
    key = str(path)
    with _handles_lock:
        handle = _handles.get(key)
        if handle is not None:
            return handle
        if (path / "meta.json").is_file():
            index = tantivy.Index.open(key)
        elif create:
            path.mkdir(parents=True, exist_ok=True)
            index = tantivy.Index(build_schema(), path=key)
        else:
            if key not in _missing_logged:
                _missing_logged.add(key)
                log.warning("no tantivy keyword index in %s yet: run `paperfeed reindex` or the worker", key)
            return None
        index.register_tokenizer(TOKENIZER, analyzer())
        index.config_reader(reload_policy="Manual")
        handle = _handles[key] = _Handle(index, path)
        return handle


def _forget(path: Path) -> None:
    with _handles_lock:
        _handles.pop(str(path), None)


class TantivyKeywordIndex(KeywordIndex):
    """BM25 keyword index of the papers of database ``using``, kept in a tantivy folder.

    ``path`` defaults to ``DATA_DIR/search-tantivy``. See ``scratch`` for indexes that never
    touch the site database (evaluation, benchmarks).
    """

    def __init__(self, using: str = "default", *, path: str | Path | None = None) -> None:
        self.using = using
        self.path = Path(path) if path is not None else Path(settings.DATA_DIR) / FOLDER
        self.is_scratch = False

    def synced(self) -> bool:
        """Whether a full build or sync has completed (its watermark is written last)."""
        return self._read_watermark().get("schema") == SCHEMA_VERSION and (self.path / "meta.json").is_file()

    def num_docs(self) -> int:
        """Documents in the index (0 when there is none yet)."""
        handle = _open(self.path)
        return int(handle.searcher().num_docs) if handle is not None else 0

    # --- building ----------------------------------------------------------------------------

    @classmethod
    def scratch(cls, path: str | Path, docs: Iterable[tuple[int, str, str, str]] | None, *,
                threads: int = 2) -> TantivyKeywordIndex:
        """Build a fresh index in ``path`` from (id, title, abstract, authors) and return it.

        ``docs=None`` opens the index already built there instead. The result skips the database
        check (``where_sql`` must stay empty). One writer, a big heap, ``threads`` indexing
        threads and one commit: the bulk load the benchmarks time.
        """
        path = Path(path)
        if docs is None:
            if _open(path) is None:
                raise FileNotFoundError(f"{path}: no tantivy index to open")
        else:
            _forget(path)
            if (path / "meta.json").is_file():
                shutil.rmtree(path)
            handle = _open(path, create=True)
            writer = handle.writer(heap=BULK_HEAP_PER_THREAD * threads, threads=threads)
            try:
                for pid, title, abstract, authors in docs:
                    writer.add_document(tantivy.Document(id=int(pid), text=document_text(title, abstract, authors)))
                writer.commit()
            finally:
                writer.wait_merging_threads()
            handle.reload()
        index = cls(path=path)
        index.is_scratch = True
        return index

    def _rows(self, *, since: dt.datetime | None = None, ids: list[int] | None = None) -> Iterator[tuple]:
        qs = Paper.objects.using(self.using).order_by()
        if since is not None:
            qs = qs.filter(modified_at__gte=since)
        if ids is not None:
            qs = qs.filter(id__in=ids)
        yield from qs.values_list("id", "title", "abstract", "authors", "modified_at").iterator(chunk_size=CHUNK)

    @staticmethod
    def _add(writer: tantivy.IndexWriter, row: tuple) -> None:
        pid, title, abstract, authors, modified = row
        writer.add_document(tantivy.Document(
            id=int(pid), modified=_micros(modified), text=document_text(title, abstract, authors_text(authors))))

    def rebuild(self, *, progress: Callable[[int], None] | None = None, wait_seconds: float = 60.0) -> int:
        """Re-index every paper of the catalogue in one commit (readers see old or new, never half).

        Waits up to ``wait_seconds`` for a running sync to release the writer lock.
        """
        if self._read_watermark().get("schema") not in (None, SCHEMA_VERSION):
            _forget(self.path)
            shutil.rmtree(self.path)  # an older layout (or an unfinished build): start over
        handle = _open(self.path, create=True)
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                writer = handle.writer(heap=BULK_HEAP_PER_THREAD * 2, threads=2)
                break
            except WriterBusy:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        count, newest = 0, None
        try:
            writer.delete_all_documents()
            for row in self._rows():
                self._add(writer, row)
                count += 1
                newest = _later(newest, row[4])
                if progress and count % CHUNK == 0:
                    progress(CHUNK)
            writer.commit()
        finally:
            writer.wait_merging_threads()
        if progress:
            progress(count % CHUNK)
        handle.reload()
        self._write_watermark(newest)
        return count

    # --- freshness ---------------------------------------------------------------------------

    def _read_watermark(self) -> dict:
        try:
            return json.loads((self.path / WATERMARK).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _write_watermark(self, newest: dt.datetime | None) -> None:
        tmp = self.path / f"{WATERMARK}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"schema": SCHEMA_VERSION, "modified_at": newest.isoformat() if newest else None}),
                       encoding="utf-8")
        os.replace(tmp, self.path / WATERMARK)

    def unindexed(self) -> int:
        """Papers modified after the watermark (every paper before the first build); an indexed column.

        Read on every search (``catalogue_generation``): plain SQL, as the ORM took longer to
        build the query than the database to count.
        """
        mark = self._read_watermark()
        table, connection = Paper._meta.db_table, connections[self.using]
        with connection.cursor() as cursor:
            if mark.get("schema") == SCHEMA_VERSION and mark.get("modified_at"):
                since = connection.ops.adapt_datetimefield_value(dt.datetime.fromisoformat(mark["modified_at"]))
                cursor.execute(f"SELECT count(*) FROM {table} WHERE modified_at > %s", [since])
            else:
                cursor.execute(f"SELECT count(*) FROM {table}")
            return int(cursor.fetchone()[0])

    def sync(self, *, reconcile: bool = True) -> dict[str, int | str]:
        """Index papers modified since the last sync and, with ``reconcile``, drop papers gone from the catalogue.

        Builds the whole index when there is none. Returns counts; ``{"skipped": …}`` when another
        process holds the writer lock (the next cycle catches up). ``reconcile`` counts the
        catalogue (``count(*)``: tens of milliseconds at 1M papers); a deleted paper left in the
        index meanwhile is never returned, as every hit is confirmed against the database.
        """
        mark = self._read_watermark()
        handle = _open(self.path) if (self.path / "meta.json").is_file() else None  # none yet: no warning, build it
        if handle is None or mark.get("schema") != SCHEMA_VERSION:
            try:
                return {"rebuilt": self.rebuild(wait_seconds=0)}
            except WriterBusy:
                return {"skipped": "another process is writing the keyword index"}
        try:
            writer = handle.writer()
        except WriterBusy:
            return {"skipped": "another process is writing the keyword index"}
        last = dt.datetime.fromisoformat(mark["modified_at"]) if mark.get("modified_at") else None
        try:
            handle.reload()  # another process (paperfeed reindex) may have committed since we last looked
            indexed, newest = self._catch_up(handle, writer, last - SYNC_OVERLAP if last else None)
            if indexed:
                writer.commit()
                handle.reload()
            removed, added = self._reconcile(handle, writer) if reconcile else (0, 0)
            if removed or added:
                writer.commit()
                handle.reload()
        finally:
            writer.wait_merging_threads()
        if _later(last, newest) != last:
            self._write_watermark(newest)
        return {"indexed": indexed + added, "removed": removed}

    def _catch_up(self, handle: _Handle, writer: tantivy.IndexWriter,
                  since: dt.datetime | None) -> tuple[int, dt.datetime | None]:
        indexed, newest, batch = 0, None, []
        for row in self._rows(since=since):
            batch.append(row)
            newest = _later(newest, row[4])
            if len(batch) >= CHUNK:
                indexed += self._replace_changed(handle, writer, batch)
                batch = []
        if batch:
            indexed += self._replace_changed(handle, writer, batch)
        return indexed, newest

    def _replace_changed(self, handle: _Handle, writer: tantivy.IndexWriter, rows: list[tuple]) -> int:
        """Re-index the rows whose modification time differs from the indexed one (the overlap repeats)."""
        searcher = handle.index.searcher()
        ids = [int(r[0]) for r in rows]
        found = searcher.search(tantivy.Query.term_set_query(handle.schema, "id", ids), len(ids), count=False).hits
        addrs = [a for _, a in found]
        seen = dict(zip(searcher.fast_field_values("id", addrs), searcher.fast_field_values("modified", addrs)))
        changed = [r for r in rows if seen.get(int(r[0])) != _micros(r[4])]
        for row in changed:
            writer.delete_documents_by_term("id", int(row[0]))
            self._add(writer, row)
        return len(changed)

    def _reconcile(self, handle: _Handle, writer: tantivy.IndexWriter) -> tuple[int, int]:
        """Remove ids no longer in the catalogue, add missing ones; a full id diff only when counts differ."""
        searcher = handle.index.searcher()
        if Paper.objects.using(self.using).count() == searcher.num_docs:
            return 0, 0
        in_db = set(Paper.objects.using(self.using).values_list("id", flat=True))
        hits = searcher.search(tantivy.Query.all_query(), max(searcher.num_docs, 1), count=False).hits
        in_index = set(searcher.fast_field_values("id", [a for _, a in hits]))
        gone, missing = in_index - in_db, sorted(in_db - in_index)
        for pid in gone:
            writer.delete_documents_by_term("id", int(pid))
        added = 0
        for start in range(0, len(missing), CHUNK):
            for row in self._rows(ids=missing[start:start + CHUNK]):
                self._add(writer, row)
                added += 1
        return len(gone), added

    # --- querying ----------------------------------------------------------------------------

    def _query(self, handle: _Handle, query: str) -> tantivy.Query | None:
        stems = list(dict.fromkeys(tok for term in query_terms(query) for tok in _tokens(term)))
        if not stems:
            return None
        return tantivy.Query.boolean_query([
            (tantivy.Occur.Should, tantivy.Query.term_query(handle.schema, "text", s, index_option="freq")) for s in stems])

    @staticmethod
    def _top(handle: _Handle, query: tantivy.Query, limit: int) -> list[tuple[int, float]]:
        searcher = handle.searcher()
        hits = searcher.search(query, limit, count=False).hits  # count=False: a count would visit every match
        ids = searcher.fast_field_values("id", [a for _, a in hits])
        return [(int(pid), float(score)) for (score, _), pid in zip(hits, ids)]

    def _confirm(self, ids: list[int], where_sql: str, where_params: tuple) -> set[int]:
        """The ids that still exist in the catalogue (and pass ``where_sql``)."""
        if not ids:
            return set()
        id_list = ", ".join(str(int(i)) for i in ids)
        sql = f"SELECT id FROM catalog_paper WHERE id IN ({id_list})"
        if where_sql:
            # As a FROM subquery the filter is flattened into primary-key lookups of these ids;
            # "id IN (where_sql)" made SQLite list every allowed id first (218 ms vs 2 ms at 75k).
            sql = f"SELECT allowed.id FROM ({where_sql}) AS allowed WHERE allowed.id IN ({id_list})"
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, list(where_params))
            return {int(row[0]) for row in cursor.fetchall()}

    def _allowed_ids(self, where_sql: str, where_params: tuple) -> list[int] | None:
        sql = "SELECT id FROM catalog_paper" if not where_sql else f"SELECT * FROM ({where_sql}) AS allowed"
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"{sql} LIMIT {MAX_ALLOWED_IDS + 1}", list(where_params))
            ids = [int(row[0]) for row in cursor.fetchall()]
        return ids if len(ids) <= MAX_ALLOWED_IDS else None

    def search(self, query: str, *, limit: int = 200, where_sql: str = "", where_params: tuple = ()) -> list[tuple[int, float]]:
        """Return (paper id, BM25 score) pairs for the sanitised ``query``, best first.

        Hits are over-fetched and confirmed by the database (existing, passing ``where_sql``);
        when a selective filter leaves too few, the allowed ids are applied inside tantivy.
        """
        if self.is_scratch and where_sql:
            raise ValueError("a scratch index has no database to apply where_sql to")
        handle = _open(self.path)
        query_obj = self._query(handle, query) if handle is not None and limit > 0 else None
        if query_obj is None:
            return []
        if self.is_scratch:
            return self._top(handle, query_obj, limit)
        kept: list[tuple[int, float]] = []
        for factor in OVERFETCH:
            fetch = math.ceil(limit * factor)
            hits = self._top(handle, query_obj, fetch)
            ok = self._confirm([pid for pid, _ in hits], where_sql, where_params)
            kept = [(pid, score) for pid, score in hits if pid in ok]
            if len(kept) >= limit or len(hits) < fetch:
                return kept[:limit]
        allowed = self._allowed_ids(where_sql, where_params)
        if allowed is None:
            return kept[:limit]
        restricted = tantivy.Query.boolean_query([
            (tantivy.Occur.Must, query_obj),
            (tantivy.Occur.Must, tantivy.Query.const_score_query(
                tantivy.Query.term_set_query(handle.schema, "id", allowed), 0.0)),
        ])
        hits = self._top(handle, restricted, limit)
        ok = self._confirm([pid for pid, _ in hits], where_sql, where_params)  # the index may lag the database
        return [(pid, score) for pid, score in hits if pid in ok]

    def score(self, query: str, ids: list[int]) -> dict[int, float]:
        """BM25 scores (same scale as ``search``) for papers in ``ids`` that match the query."""
        ids = list(dict.fromkeys(int(i) for i in ids))
        handle = _open(self.path)
        query_obj = self._query(handle, query) if handle is not None and ids else None
        if query_obj is None:
            return {}
        restricted = tantivy.Query.boolean_query([
            (tantivy.Occur.Must, query_obj),
            (tantivy.Occur.Must, tantivy.Query.const_score_query(_ids_query(handle.schema, ids), 0.0)),
        ])
        return dict(self._top(handle, restricted, len(ids)))


def _ids_query(schema: tantivy.Schema, ids: list[int]) -> tantivy.Query:
    """The documents of ``ids``: one term lookup each, up to ``ID_TERMS_MAX`` ids.

    tantivy's term-set query fills a bitset as large as the index, whatever the number of ids:
    ``score`` of 90 ids took 1.33 ms with it at 80k papers and 2.10 ms at 1M, against 0.43 and
    0.92 ms with a lookup per id, for the same documents and scores (the id clauses score 0;
    bench/keyword_ids.py).
    """
    if len(ids) > ID_TERMS_MAX:
        return tantivy.Query.term_set_query(schema, "id", ids)
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, "id", int(i))) for i in ids])
