"""Ingest messages: bad JSON is reported with its column; a null summary is a counted warning line."""

from __future__ import annotations

import io
import json

import pytest

from paperfeed.catalog.ingest_files import ingest_paths
from paperfeed.catalog.models import Paper
from paperfeed.catalog.sources.reading import ParseError, json_document_items, json_lines

RECORD = {"id": "2606.00001v1", "title": "A paper", "authors": ["Ada Lovelace"], "categories": ["cs.LG"],
          "published": "2026-06-10T00:00:00Z"}


def test_bad_json_line_gives_line_and_column():
    data = b'{"id": "1"}\n{"id": "2", "title": "tab\tinside"}\n'
    [good, bad] = list(json_lines(io.BytesIO(data), "f.jsonl"))
    assert good == (1, {"id": "1"})
    assert isinstance(bad, ParseError)
    assert str(bad) == "f.jsonl:2: bad JSON at column 26: Invalid control character at"


def test_bad_json_document_gives_column_on_its_line():
    data = b'[\n  {"id": "1"},\n  {"id": 2,, "x": 1}\n]'
    items = list(json_document_items(data, "f.json"))
    assert items[0] == (2, {"id": "1"})
    assert str(items[1]) == "f.json:3: bad JSON at column 12: Expecting property name enclosed in double quotes"


@pytest.mark.django_db
def test_null_summary_is_ingested_with_a_counted_warning(tmp_path):
    path = tmp_path / "papers.jsonl"
    lines = [{**RECORD, "summary": "Fine."}, {**RECORD, "id": "2606.00002v1", "summary": None}]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    messages: list[str] = []
    report = ingest_paths([path], on_error=messages.append, parallel=False)
    assert (report.stats.new, report.stats.skipped, report.stats.warnings) == (2, 0, 1)
    assert messages == [f'{path}:2: warning: 2606.00002: "summary" is null; stored with an empty abstract']
    assert report.stats.summary().endswith("0 skipped, 1 warning")
    assert report.exit_code == 0
    assert Paper.objects.get(arxiv_id="2606.00002").abstract == ""
