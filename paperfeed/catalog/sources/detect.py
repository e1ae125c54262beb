"""Format auto-detection: read any supported file into PaperRecords and ParseErrors (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from paperfeed.catalog.collector import bulk_collection
from paperfeed.catalog.merge import PreparedRecord
from paperfeed.catalog.records import PaperRecord

from .arxiv_jsonl import load_manifest, record_from_arxiv_api
from .hf_daily import is_hf_day, is_hf_entry, records_from_hf_item
from .reading import (
    MAX_DOCUMENT_BYTES,
    BadRecord,
    ParseError,
    ParseWarning,
    json_document_items,
    json_lines,
    null_summary,
    open_binary,
)
from .snapshot import SNAPSHOT_KEYS, record_from_snapshot

FORMATS = ("snapshot", "arxiv_api", "hf_daily")
UNKNOWN = "unknown format (not an arXiv snapshot, arXiv API or HF daily-papers record)"
SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz", ".ndjson", ".ndjson.gz")


class UnreadableFile(Exception):
    """The file cannot be read at all (missing, not JSON, unknown format); the message says why."""


def detect_item_format(obj: Any) -> str | None:
    """Name the format one decoded JSON value belongs to, or ``None`` when unrecognised."""
    if is_hf_day(obj) or is_hf_entry(obj) or (isinstance(obj, list) and obj and all(map(is_hf_entry, obj[:3]))):
        return "hf_daily"
    if isinstance(obj, dict) and SNAPSHOT_KEYS & obj.keys():
        return "snapshot"
    if isinstance(obj, dict) and "id" in obj and ("title" in obj or "summary" in obj):
        return "arxiv_api"
    return None


def read_records(
    path: Path | str, *, listing_dates: Mapping[str, dt.date] | None = None, display_name: str | None = None
) -> Iterator[PaperRecord | ParseError | ParseWarning]:
    """Yield a PaperRecord per paper in ``path``, a ParseError per bad line and a ParseWarning per
    doubtful record (after it), in file order.

    The format (snapshot, arXiv API JSON lines, HF daily papers) and gzip are detected from the
    content. For arXiv API files without ``listing_date`` fields, the listing dates come from
    ``listing_dates`` or, when not given, from a ``manifest.tsv.gz`` beside the file.
    Raises UnreadableFile when the file is missing or in no known format.
    """
    path = Path(path)
    name = display_name or str(path)
    items = _items(path, name)
    first: list[tuple[int, Any] | ParseError] = []
    fmt = None
    for item in items:
        first.append(item)
        if not isinstance(item, ParseError):
            fmt = detect_item_format(item[1])
            break
    if fmt is None:
        if first and isinstance(first[-1], tuple):
            raise UnreadableFile(f"{name}:{first[-1][0]}: {UNKNOWN}")
        if not first:
            return  # empty file: nothing to ingest
        raise UnreadableFile(f"{first[-1]} (no readable record in the file)")
    if fmt == "arxiv_api" and listing_dates is None:
        listing_dates = load_manifest(path.parent)
    convert = _converter(fmt, listing_dates)
    for item in _chain(first, items):
        if isinstance(item, ParseError):
            yield item
            continue
        line, obj = item
        for result in convert(obj):
            yield ParseError(name, line, str(result)) if isinstance(result, BadRecord) else result
            if isinstance(result, PaperRecord) and not result.abstract and null_summary(obj):
                yield ParseWarning(name, line, f"{result.arxiv_id}: \"summary\" is null; stored with an empty abstract")


def detect_file_format(path: Path | str) -> str:
    """Name the format of ``path`` from its first readable record (raises UnreadableFile)."""
    last: tuple[int, Any] | ParseError | None = None
    for last in _items(Path(path), str(path)):
        if not isinstance(last, ParseError):
            fmt = detect_item_format(last[1])
            if fmt:
                return fmt
            raise UnreadableFile(f"{path}:{last[0]}: {UNKNOWN}")
    if last is None:
        return "arxiv_api"  # an empty file: any reader yields nothing
    raise UnreadableFile(f"{last} (no readable record in the file)")


def send_records(files: list[str], conn: Any, chunk_size: int = 500) -> None:
    """Parse ``files`` in order, sending ``("records", [...])`` chunks and one ``("end", error|None)``
    per file through the pipe end ``conn`` (run in a child process; see ``ingest_files``). Records
    go as ``PreparedRecord`` (merged into nothing and hashed here, sparing the writing process).
    Returns quietly when the reader has gone (its process died): the pipe breaks."""
    try:
        with bulk_collection():
            for path in files:
                error = None
                chunk: list = []
                try:
                    for item in read_records(path):
                        chunk.append(PreparedRecord.of(item) if isinstance(item, PaperRecord) else item)
                        if len(chunk) >= chunk_size:
                            conn.send(("records", chunk))
                            chunk = []
                except UnreadableFile as exc:
                    error = str(exc)
                if chunk:
                    conn.send(("records", chunk))
                conn.send(("end", error))
    except (BrokenPipeError, ConnectionResetError):
        return
    finally:
        conn.close()


def _converter(fmt: str, listing_dates: Mapping[str, dt.date] | None) -> Callable[[Any], Iterator[Any]]:
    def one(build: Callable[[Any], PaperRecord]) -> Callable[[Any], Iterator[Any]]:
        def convert(obj: Any) -> Iterator[Any]:
            try:
                yield build(obj)
            except BadRecord as exc:
                yield exc

        return convert

    if fmt == "hf_daily":
        return lambda obj: _hf(obj)
    if fmt == "snapshot":
        return one(record_from_snapshot)
    return one(lambda obj: record_from_arxiv_api(obj, listing_dates=listing_dates))


def _hf(obj: Any) -> Iterator[Any]:
    if isinstance(obj, list):  # a whole /api/daily_papers response on one line
        for entry in obj:
            yield from records_from_hf_item(entry)
    else:
        yield from records_from_hf_item(obj)


def _items(path: Path, name: str) -> Iterator[tuple[int, Any] | ParseError]:
    """Decoded JSON values with their line numbers: JSON lines, or the elements of one JSON document."""
    try:
        fh = open_binary(path)
        head = fh.peek(64) if hasattr(fh, "peek") else b""
    except FileNotFoundError:
        raise UnreadableFile(f"{name}: no such file") from None
    except (OSError, EOFError) as exc:
        raise UnreadableFile(f"{name}: cannot read: {exc}") from None
    with fh:
        try:
            start = head.lstrip()[:1]
            if start == b"[" or (start == b"{" and _pretty_object(fh)):
                data = fh.read(MAX_DOCUMENT_BYTES + 1)
                if len(data) > MAX_DOCUMENT_BYTES:
                    raise UnreadableFile(f"{name}: JSON document larger than {MAX_DOCUMENT_BYTES:,} bytes")
                yield from json_document_items(data, name)
            else:
                yield from json_lines(fh, name)
        except (OSError, EOFError) as exc:  # e.g. a truncated or corrupt gzip stream
            raise UnreadableFile(f"{name}: cannot read: {exc}") from None


def _pretty_object(fh: Any) -> bool:
    """True when the file is one pretty-printed JSON object (its first line is just ``{``)."""
    first = fh.peek(4096)[:4096].split(b"\n", 1)[0].strip()
    return first == b"{"


def _chain(first: list, rest: Iterator) -> Iterator:
    yield from first
    yield from rest
