"""FTS5-compatible BM25 computed in Python for a few candidate rows, and term statistics.

SQLite's ``bm25()`` counts every matching row of every query term on each call, so one common
term ("model", in 80% of papers) costs time proportional to the corpus. Here the statistics
come from FTS5's own shadow tables (row count and token totals from the averages record, document
frequencies from an ``fts5vocab`` table, cached) and row lengths from the docsize table, so
scoring a few hundred candidates costs the same at 10^3 or 10^6 papers. Scores equal
``-bm25(table, w_title, w_abstract, w_authors)`` (k1 = 1.2, b = 0.75; tested).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable

from paperfeed.search.text import WORD, stem

K1 = 1.2
B = 0.75
STATS_SECONDS = 60.0


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Decode one SQLite varint at ``pos``; return (value, next position)."""
    value = 0
    for i in range(9):
        byte = buf[pos + i]
        if i == 8:
            return (value << 8) | byte, pos + 9
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos + i + 1
    raise ValueError("bad varint")  # pragma: no cover


def varints(buf: bytes) -> list[int]:
    """Decode a blob of consecutive varints."""
    out, pos = [], 0
    while pos < len(buf):
        value, pos = read_varint(buf, pos)
        out.append(value)
    return out


class TermStats:
    """Corpus statistics of one FTS5 table: row count, average row length, cached document frequencies."""

    def __init__(self, table: str, execute: Callable[[str, list], list[tuple]]) -> None:
        self.table = table
        self._execute = execute
        self._lock = threading.Lock()
        self._df: dict[str, int] = {}
        self._loaded = 0.0
        self.rows = 0
        self.avgdl = 1.0

    def refresh(self) -> None:
        """Re-read row count and average length (one row); forget frequencies each minute or on change."""
        now = time.monotonic()
        rows = self._execute(f"SELECT block FROM {self.table}_data WHERE id = 1", [])
        values = varints(bytes(rows[0][0])) if rows and rows[0][0] else [0]
        with self._lock:
            if values[0] != self.rows or now - self._loaded >= STATS_SECONDS:
                self._df = {}
                self._loaded = now
            self.rows = values[0]
            self.avgdl = (sum(values[1:]) / values[0]) if values[0] else 1.0

    def df(self, stems: list[str]) -> dict[str, int]:
        """Documents containing each stemmed term (0 when absent)."""
        self.refresh()
        missing = [s for s in stems if s not in self._df]
        found: dict[str, int] = {}
        for s in missing:
            rows = self._execute(f"SELECT doc FROM {self.table}_vocab WHERE term = %s", [s])
            found[s] = int(rows[0][0]) if rows else 0
        with self._lock:
            # Absent terms are cheap to look up again and may appear with the next paper.
            self._df.update({s: n for s, n in found.items() if n})
            return {s: self._df.get(s, found.get(s, 0)) for s in stems}

    def forget(self) -> None:
        """Drop cached statistics (after a rebuild)."""
        with self._lock:
            self._loaded = 0.0
            self._df = {}


def idf(rows: int, df: int) -> float:
    """FTS5's IDF: log((N - n + 0.5) / (n + 0.5)), floored at 1e-6."""
    value = math.log((rows - df + 0.5) / (df + 0.5)) if rows else 0.0
    return value if value > 0 else 1e-6


def score_rows(stems: list[str], dfs: dict[str, int], stats: TermStats, rows: list[tuple],
               weights: tuple[float, ...]) -> dict[int, float]:
    """BM25 of ``rows`` = (rowid, docsize blob, col0 text, col1 text, …) for the stemmed query terms."""
    idfs = {s: idf(stats.rows, dfs.get(s, 0)) for s in stems if dfs.get(s, 0) > 0}
    if not idfs:
        return {}
    prefixes = sorted({s[:-1] if len(s) > 3 else s for s in idfs}, key=len, reverse=True)
    # Only words starting like a query stem can stem to it (Porter rewrites at most the last
    # letter of what it keeps), so a C-level regex finds the few words worth stemming.
    finder = re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, prefixes)) + r")[^\W_]*", re.IGNORECASE)
    out: dict[int, float] = {}
    for rowid, size_blob, *columns in rows:
        freq = dict.fromkeys(idfs, 0.0)
        for weight, text in zip(weights, columns):
            text = text or ""
            words = finder.findall(text) if text.isascii() else WORD.findall(text)
            for word in words:
                s = stem(word)
                if s in freq:
                    freq[s] += weight
        length = sum(varints(bytes(size_blob))) if size_blob else 0
        norm = K1 * (1 - B + B * length / stats.avgdl)
        total = sum(idfs[s] * f * (K1 + 1) / (f + norm) for s, f in freq.items() if f)
        if total:
            out[int(rowid)] = total
    return out
