"""Ingesting files and folders: expand paths, detect formats, stream records into ``upsert_records``."""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from paperfeed.catalog.collector import bulk_collection
from paperfeed.catalog.ingest import IngestStats, upsert_records
from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.sources.detect import SUFFIXES, UnreadableFile, detect_file_format, read_records, send_records
from paperfeed.catalog.sources.reading import ParseError

PARALLEL_MIN_BYTES = 4_000_000
CHUNK = 500  # records per message from the parsing process
DEMO_DATA = Path(__file__).resolve().parent / "data" / "demo_papers.jsonl.gz"
# Hand-made records at the end of the demo data (escaping, math, an old-style id) that the tests
# ingest; `demo_setup` hides them so a reader of the demo sees real papers only.
DEMO_FIXTURE_IDS = ("2606.99901", "2606.99902", "hep-th/9901001")


@dataclasses.dataclass
class IngestReport:
    """The outcome of ingesting paths: record stats, files read, and files that failed (with why)."""

    stats: IngestStats = dataclasses.field(default_factory=IngestStats)
    files: int = 0
    failed: list[str] = dataclasses.field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all ingested, 1 some records skipped, 2 some file failed."""
        return 2 if self.failed else 1 if self.stats.skipped else 0


def expand_paths(paths: list[str | Path]) -> tuple[list[Path], list[str]]:
    """Files to read (a folder gives its ``*.jsonl[.gz]`` / ``*.json[.gz]`` files, sorted) and errors."""
    files: list[Path] = []
    errors: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.name.lower().endswith(SUFFIXES))
            if not found:
                errors.append(f"{path}: no .jsonl, .json (or .gz) files in this folder")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            errors.append(f"{path}: no such file or folder")
    return files, errors


def ingest_paths(
    paths: list[str | Path],
    *,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_error: Callable[[str], None] | None = None,
    parallel: bool | None = None,
    bulk: bool = False,
) -> IngestReport:
    """Ingest every file under ``paths``; bad lines are skipped and reported, unreadable files failed.

    Consecutive files of the same format go through one ``upsert_records`` call (one author
    cache, full batches across file boundaries). With ``parallel`` (default: for inputs of a few
    megabytes and more) parsing runs in a second process. ``bulk``: see ``upsert_records`` (the
    caller sends ``papers_ingested(final=True)`` when done).
    """
    report = IngestReport()
    files, errors = expand_paths(paths)
    for message in errors:
        _fail(report, message, on_error)
    detected: list[tuple[str, Path]] = []
    for path in files:
        try:
            detected.append((detect_file_format(path), path))
        except UnreadableFile as exc:
            _fail(report, str(exc), on_error)
    if parallel is None:
        parallel = sum(p.stat().st_size for _, p in detected) >= PARALLEL_MIN_BYTES and (os.cpu_count() or 1) > 1
    reader = _ParsingProcess([p for _, p in detected]) if parallel and detected else None
    try:
        with bulk_collection():
            for fmt, group in itertools.groupby(detected, key=lambda pair: pair[0]):
                files = [path for _, path in group]
                records = reader.records(files, report, on_error) if reader else _records(files, report, on_error)
                stats = upsert_records(records, batch_size=batch_size, progress=progress, source=fmt, on_error=on_error,
                                       bulk=bulk)
                report.stats.add(stats)
    finally:
        if reader:
            reader.close()
    return report


def _records(files: list[Path], report: IngestReport, on_error: Callable[[str], None] | None) -> Iterator[PaperRecord | ParseError]:
    for path in files:
        report.files += 1
        try:
            yield from read_records(path)
        except UnreadableFile as exc:  # e.g. a gzip stream corrupt halfway: keep what was read
            _fail(report, str(exc), on_error)


class _ParsingProcess:
    """Parses files in a child process while this one writes to the database (two cores busy).

    The parsers are pure Python with no Django, so the child is a plain spawned interpreter. It
    sends chunks of records, then one end-of-file marker (with the error, if any) per file, down a
    pipe; a thread here reads the pipe into a bounded queue, so the child parses ahead while this
    process writes. If this process dies, the pipe breaks and the child ends too.
    """

    def __init__(self, files: list[Path]) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child_end = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=send_records, args=([str(f) for f in files], child_end, CHUNK), daemon=True)
        self.process.start()
        child_end.close()  # the child holds the only writing end: its exit means EOF here
        self.queue: queue.Queue = queue.Queue(maxsize=32)
        self.pump = threading.Thread(target=self._pump, name="ingest-pipe", daemon=True)
        self.pump.start()

    def _pump(self) -> None:
        try:
            while True:
                self.queue.put(self.conn.recv())
        except (EOFError, OSError):
            self.queue.put(("eof", None))

    def records(self, files: list[Path], report: IngestReport, on_error: Callable[[str], None] | None) -> Iterator[PaperRecord | ParseError]:
        """Yield the records of ``files`` (the next files in the child's order)."""
        for _ in files:
            report.files += 1
            while True:
                kind, payload = self.queue.get()
                if kind == "records":
                    yield from payload
                    continue
                if kind == "eof":
                    raise RuntimeError(f"the parsing process ended early (exit code {self.process.exitcode})")
                if payload:  # end of file, with an error
                    _fail(report, payload, on_error)
                break

    def close(self) -> None:
        """Stop the child (if still running) and the pipe thread."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=10)
        while self.pump.is_alive():  # let the thread reach EOF: drain what it still holds
            try:
                self.queue.get(timeout=0.05)
            except queue.Empty:
                pass
        self.conn.close()


def _fail(report: IngestReport, message: str, on_error: Callable[[str], None] | None) -> None:
    report.failed.append(message)
    if on_error:
        on_error(message)
