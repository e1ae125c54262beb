"""Reading BEIR-format folders: corpus.jsonl[.gz], queries.jsonl[.gz], qrels/SPLIT.tsv."""

from __future__ import annotations

import csv
import dataclasses
import gzip
import io
import json
from pathlib import Path


class BeirError(ValueError):
    """A BEIR folder is missing a file or holds a malformed line (the message says where)."""


@dataclasses.dataclass
class BeirDataset:
    """A loaded BEIR dataset: docs (id -> (title, text)), queries (id -> text), qrels."""

    corpus: dict[str, tuple[str, str]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def _open_text(folder: Path, stem: str) -> tuple[Path, io.TextIOBase]:
    for name in (f"{stem}.jsonl", f"{stem}.jsonl.gz"):
        path = folder / name
        if path.is_file():
            if name.endswith(".gz"):
                return path, io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
            return path, open(path, encoding="utf-8")
    raise BeirError(f"{folder}: no {stem}.jsonl or {stem}.jsonl.gz found")


def _read_jsonl(folder: Path, stem: str):
    path, handle = _open_text(folder, stem)
    with handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                yield str(obj["_id"]), obj
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise BeirError(f"{path}:{lineno}: not a JSON object with an _id ({exc})") from exc


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """Read a qrels TSV (optional header, CRLF tolerated): query-id, corpus-id, score."""
    if not path.is_file():
        raise BeirError(f"{path}: qrels file not found")
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for lineno, row in enumerate(csv.reader(handle, delimiter="\t"), 1):
            row = [c.strip() for c in row]
            if not row or not any(row):
                continue
            if len(row) < 3:
                raise BeirError(f"{path}:{lineno}: expected 3 tab-separated columns, got {len(row)}")
            try:
                score = int(float(row[2]))
            except ValueError:
                if lineno == 1:
                    continue  # header
                raise BeirError(f"{path}:{lineno}: score {row[2]!r} is not a number") from None
            qrels.setdefault(row[0], {})[row[1]] = score
    return qrels


def load_beir(folder: str | Path, *, split: str = "test") -> BeirDataset:
    """Load a BEIR folder; only queries judged in ``qrels/<split>.tsv`` are kept."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BeirError(f"{folder}: not a folder")
    qrels = read_qrels(folder / "qrels" / f"{split}.tsv")
    corpus = {
        doc_id: (str(obj.get("title") or ""), str(obj.get("text") or ""))
        for doc_id, obj in _read_jsonl(folder, "corpus")
    }
    queries = {qid: str(obj.get("text") or "") for qid, obj in _read_jsonl(folder, "queries") if qid in qrels}
    return BeirDataset(corpus=corpus, queries=queries, qrels={q: r for q, r in qrels.items() if q in queries})
