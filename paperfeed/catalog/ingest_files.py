"""Ingesting files and folders: expand paths, detect formats, stream records into ``upsert_records``."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

from paperfeed.catalog.ingest import IngestStats, upsert_records
from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.sources.detect import SUFFIXES, UnreadableFile, detect_file_format, read_records
from paperfeed.catalog.sources.reading import ParseError

DEMO_DATA = Path(__file__).resolve().parent / "data" / "demo_papers.jsonl.gz"


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
) -> IngestReport:
    """Ingest every file under ``paths``; bad lines are skipped and reported, unreadable files failed.

    Consecutive files of the same format go through one ``upsert_records`` call (one author
    cache, full batches across file boundaries).
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
    for fmt, group in itertools.groupby(detected, key=lambda pair: pair[0]):
        records = _records([path for _, path in group], report, on_error)
        stats = upsert_records(records, batch_size=batch_size, progress=progress, source=fmt, on_error=on_error)
        report.stats.add(stats)
    return report


def _records(files: list[Path], report: IngestReport, on_error: Callable[[str], None] | None) -> Iterator[PaperRecord | ParseError]:
    for path in files:
        report.files += 1
        try:
            yield from read_records(path)
        except UnreadableFile as exc:  # e.g. a gzip stream corrupt halfway: keep what was read
            _fail(report, str(exc), on_error)


def _fail(report: IngestReport, message: str, on_error: Callable[[str], None] | None) -> None:
    report.failed.append(message)
    if on_error:
        on_error(message)
