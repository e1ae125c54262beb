"""Reading source files: transparent gunzip, numbered lines, parse errors, field checks (pure)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils
import gzip
import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

MAX_TITLE_CHARS = 2_000
MAX_ABSTRACT_BYTES = 100_000
MAX_COMMENT_CHARS = 10_000
MAX_AUTHORS = 5_000
MAX_AUTHOR_CHARS = 500
MAX_CATEGORIES = 50
MAX_LINE_BYTES = 50_000_000  # one JSON line (an HF day holds tens of papers; a record far less)
MAX_DOCUMENT_BYTES = 1_000_000_000  # a whole-file JSON document

_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=[ \t]+\S)")
_CATEGORY = re.compile(r"[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?")
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))
_HAS_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclasses.dataclass(frozen=True, slots=True)
class ParseError:
    """A line (or item) that could not be read, with where and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclasses.dataclass(frozen=True, slots=True)
class ParseWarning:
    """A record that was read, but with something the file should be told about (counted, not skipped)."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: warning: {self.reason}"


def null_summary(obj: Any) -> bool:
    """Whether a record (arXiv API, or one Hugging Face entry) gives its abstract as JSON null."""
    if not isinstance(obj, dict):
        return False
    paper = obj.get("paper")
    nested = isinstance(paper, dict) and "summary" in paper and paper["summary"] is None
    return nested or ("summary" in obj and obj["summary"] is None and obj.get("abstract") is None)


class BadRecord(ValueError):
    """Raised inside a parser for a record that must be skipped; the message is the reason."""


def open_binary(path: Path | str) -> IO[bytes]:
    """Open ``path`` for reading bytes, un-gzipping transparently (by magic number, not name)."""
    fh = open(path, "rb")  # noqa: SIM115 - returned to the caller
    if fh.peek(2)[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=fh, mode="rb")  # type: ignore[return-value]
    return fh


def numbered_lines(fh: IO[bytes], name: str) -> Iterator[tuple[int, str] | ParseError]:
    """Yield ``(line_number, text)`` for non-blank lines, or a ParseError for a bad one."""
    number = 0
    while True:
        raw = fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # drain the rest of the oversized line
                raw = fh.readline(1 << 20)
            yield ParseError(name, number, f"line longer than {MAX_LINE_BYTES:,} bytes")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield ParseError(name, number, f"bad UTF-8 encoding at byte {exc.start}")
            continue
        if text.strip():
            yield number, text


def json_lines(fh: IO[bytes], name: str) -> Iterator[tuple[int, Any] | ParseError]:
    """Yield ``(line_number, value)`` for each JSON line, or a ParseError for bad JSON."""
    for item in numbered_lines(fh, name):
        if isinstance(item, ParseError):
            yield item
            continue
        number, text = item
        try:
            yield number, json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield ParseError(name, number, _bad_json(exc))


def json_document_items(data: bytes, name: str) -> Iterator[tuple[int, Any] | ParseError]:
    """Yield ``(line_number, item)`` for each element of a top-level JSON list (or the one object).

    Elements are decoded one by one so a broken element is reported at its own line and the
    ones before it are kept.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        yield ParseError(name, data.count(b"\n", 0, exc.start) + 1, "bad UTF-8 encoding")
        return
    decoder = json.JSONDecoder()
    pos = _skip_ws(text, 0)
    if not text.startswith("[", pos):
        try:
            yield text.count("\n", 0, pos) + 1, decoder.raw_decode(text, pos)[0]
        except (json.JSONDecodeError, RecursionError) as exc:
            yield ParseError(name, _line_of(text, exc), _bad_json(exc))
        return
    pos = _skip_ws(text, pos + 1)
    while pos < len(text) and text[pos] != "]":
        line = text.count("\n", 0, pos) + 1
        try:
            item, pos = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield ParseError(name, _line_of(text, exc, line), _bad_json(exc))
            return
        yield line, item
        pos = _skip_ws(text, pos)
        if text.startswith(",", pos):
            pos = _skip_ws(text, pos + 1)
        elif not text.startswith("]", pos):
            yield ParseError(name, text.count("\n", 0, pos) + 1, "bad JSON: expected ',' or ']'")
            return


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _bad_json(exc: Exception) -> str:
    """The reason with its column (1-based, on the reported line), as an editor shows it."""
    if isinstance(exc, json.JSONDecodeError):
        return f"bad JSON at column {exc.colno}: {exc.msg}"
    return "bad JSON: nested too deeply"


def _line_of(text: str, exc: Exception, default: int = 1) -> int:
    return exc.lineno if isinstance(exc, json.JSONDecodeError) else default


# --- field checks -------------------------------------------------------------------------------
def clean_line(value: str) -> str:
    """One line of text: control characters dropped, whitespace runs collapsed, trimmed."""
    if value.isprintable() and "  " not in value and value == value.strip():
        return value  # the common case, checked at C speed
    if _HAS_CONTROL.search(value):
        value = value.translate(_CONTROL)
    return " ".join(value.split())


def clean_paragraphs(value: str) -> str:
    """Running text: hard line breaks unwrapped, paragraphs (blank line or indent) kept as ``\\n\\n``."""
    if _HAS_CONTROL.search(value):
        value = value.translate(_CONTROL)
    value = value.replace("\r\n", "\n").strip()
    parts = (clean_line(p) for p in _PARAGRAPH.split(value))
    return "\n\n".join(p for p in parts if p)


def req_str(obj: dict, key: str, *, max_chars: int | None = None) -> str:
    """A required, non-empty string field (cleaned to one line)."""
    value = obj.get(key)
    if value is None:
        raise BadRecord(f"missing {key}")
    if not isinstance(value, str):
        raise BadRecord(f"{key} must be a string, not {_type(value)}")
    value = clean_line(value)
    if not value:
        raise BadRecord(f"empty {key}")
    if max_chars and len(value) > max_chars:
        raise BadRecord(f"{key} too long ({len(value):,} characters, limit {max_chars:,})")
    return value


def opt_str(obj: dict, key: str, *, max_chars: int = MAX_COMMENT_CHARS, paragraphs: bool = False) -> str | None:
    """An optional string field: ``None`` when absent or null, cleaned otherwise."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{key} must be a string, not {_type(value)}")
    value = clean_paragraphs(value) if paragraphs else clean_line(value)
    if len(value) > max_chars:
        raise BadRecord(f"{key} too long ({len(value):,} characters, limit {max_chars:,})")
    return value


def abstract_text(obj: dict, *keys: str, required: bool = False) -> str:
    """The abstract under the first present key, unwrapped, size-checked."""
    for key in keys:
        value = obj.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadRecord(f"{key} must be a string, not {_type(value)}")
        if len(value.encode("utf-8", "surrogatepass")) > MAX_ABSTRACT_BYTES:
            raise BadRecord(f"{key} too long (over {MAX_ABSTRACT_BYTES:,} bytes)")
        return clean_paragraphs(value)
    if required:
        raise BadRecord(f"missing {keys[0]}")
    return ""


def author_names(value: Any, key: str = "authors") -> list[str]:
    """A list of author names from strings or ``{"name": …}`` objects."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRecord(f"{key} must be a list, not {_type(value)}")
    if len(value) > MAX_AUTHORS:
        raise BadRecord(f"too many {key} ({len(value):,}, limit {MAX_AUTHORS:,})")
    names = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str):
            raise BadRecord(f"{key} entries must be names (strings), not {_type(name)}")
        name = clean_line(name)
        for part in unglue_names(name) if len(name) > MAX_AUTHOR_CHARS else [name]:
            if len(part) > MAX_AUTHOR_CHARS:
                raise BadRecord(f"author name too long ({len(part):,} characters)")
            if part:
                names.append(part)
    if len(names) > MAX_AUTHORS:
        raise BadRecord(f"too many {key} ({len(names):,}, limit {MAX_AUTHORS:,})")
    return names


# "Xiangyu Kongand Xiaoxia Xingand Fan Wang…": LaTeX's \and rendered without spaces, which the
# arXiv API returns as one (cut-off) name. Split only at a lower-case letter (or initial's dot)
# glued to "and " before a capital, so real names with "and" in them are left alone.
_GLUED_AND = re.compile(r"(?<=[a-z.])and (?=[A-Z])")


def unglue_names(name: str) -> list[str]:
    """Split an over-long author "name" made of names glued with "and"; the last, cut-off glue goes too."""
    parts = _GLUED_AND.split(name)
    if len(parts) == 1:
        return parts
    parts[-1] = re.sub(r"(?<=[a-z])and$", "", parts[-1])  # the list was cut right after a glue
    return [p.strip() for p in parts]


def category_list(value: Any, key: str = "categories") -> list[str]:
    """Categories from a list or a space-separated string, primary first, de-duplicated."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise BadRecord(f"{key} must be a list of strings or a space-separated string")
    if len(value) > MAX_CATEGORIES:
        raise BadRecord(f"too many {key} ({len(value):,}, limit {MAX_CATEGORIES})")
    # The arXiv API lists ACM / MSC classes among categories ("H.3.3; I.2.7"): keep arXiv's own.
    return list(dict.fromkeys(c.strip() for c in value if _CATEGORY.fullmatch(c.strip())))


def opt_int(obj: dict, key: str) -> int | None:
    """An optional non-negative integer field."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRecord(f"{key} must be an integer, not {_type(value)}")
    if not 0 <= value < 2**31:
        raise BadRecord(f"{key} out of range ({value})")
    return value


def parse_datetime(value: Any, key: str) -> dt.datetime | None:
    """An aware UTC datetime from ISO 8601 or RFC 2822 text; ``None`` when absent."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{key} must be a date string, not {_type(value)}")
    text = value.strip()
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise BadRecord(f"{key} is not a date: {text[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def parse_date(value: Any, key: str) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` (or a datetime string, whose UTC date is taken)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise BadRecord(f"{key} is not a date: {value[:40]!r}") from None
    parsed = parse_datetime(value, key)
    return parsed.date() if parsed else None


def strip_accents(text: str) -> str:
    """``text`` without combining accents (é -> e); other scripts are kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )
