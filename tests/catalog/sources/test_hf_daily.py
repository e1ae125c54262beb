"""Hugging Face daily papers: days or bare lists, schema drift, repr-string entries, links, upvotes."""

import datetime as dt
import gzip
import json

import pytest

from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.sources.detect import detect_file_format, read_records
from paperfeed.catalog.sources.hf_daily import record_from_hf_entry
from paperfeed.catalog.sources.reading import BadRecord, ParseError

ENTRY_2024 = {
    "paper": {
        "id": "2406.07550",
        "authors": [{"_id": "x", "name": "Ada Lovelace", "hidden": False}, {"_id": "y", "name": "Alan  Turing"}],
        "publishedAt": "2024-06-11T17:59:59.000Z",
        "title": "An Image is Worth\n  32 Tokens",
        "summary": "Recent advancements\nin generative models.",
        "upvotes": 23,
    },
    "publishedAt": "2024-06-12T01:41:24.551Z",
    "title": "An Image is Worth 32 Tokens",
    "mediaUrl": "https://cdn/x.mp4",
    "numComments": 2,
}
ENTRY_2026 = {
    "paper": {
        "id": "2603.19835",
        "authors": [{"_id": "a", "user": {"fullname": "Chiyu Ma "}, "name": "Chiyu Ma", "status": "claimed_verified"}],
        "mediaUrls": ["https://cdn/x.png"],
        "publishedAt": "2026-03-20T10:24:50.000Z",
        "submittedOnDailyAt": "2026-04-01T01:58:49.295Z",
        "title": "FIPO",
        "summary": "We present FIPO.",
        "upvotes": 250,
        "discussionId": "z",
        "projectPage": "https://qwen-pilot.notion.site/fipo",
        "githubRepo": "https://github.com/qwenpilot/FIPO",
        "githubStars": 100,
        "ai_summary": "…",
        "ai_keywords": ["rl"],
    },
    "publishedAt": "2026-03-20T06:24:50.000Z",
    "title": "FIPO",
    "summary": "We present FIPO.",
    "thumbnail": "https://cdn/t.png",
    "numComments": 3,
    "submittedBy": {"name": "x"},
    "organization": {"name": "Qwen"},
    "isAuthorParticipating": True,
}


def test_2024_entry():
    rec = record_from_hf_entry(ENTRY_2024, day=dt.date(2024, 6, 12))
    assert rec.arxiv_id == "2406.07550"
    assert rec.title == "An Image is Worth 32 Tokens"
    assert rec.abstract == "Recent advancements in generative models."
    assert rec.authors == ["Ada Lovelace", "Alan Turing"]
    assert rec.submitted_at == dt.datetime(2024, 6, 11, 17, 59, 59, tzinfo=dt.UTC)
    assert rec.listing_date == dt.date(2024, 6, 12)
    assert (rec.imported_upvotes, rec.imported_source) == (23, "hf")
    assert rec.code_urls == [] and rec.categories == [] and rec.comment is None


def test_2026_entry_links_and_daily_date_fallback():
    rec = record_from_hf_entry(ENTRY_2026)
    assert rec.listing_date == dt.date(2026, 4, 1)  # submittedOnDailyAt when no day is given
    assert rec.code_urls == [("https://github.com/qwenpilot/FIPO", "hf"), ("https://qwen-pilot.notion.site/fipo", "hf")]
    assert rec.imported_upvotes == 250


def test_repr_string_entry_is_read_as_a_literal():
    rec = record_from_hf_entry(repr(ENTRY_2024), day=dt.date(2024, 12, 11))
    assert rec.arxiv_id == "2406.07550"
    with pytest.raises(BadRecord, match="not an object"):
        record_from_hf_entry("__import__('os').system('true')")


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (5, "expected an object"),
        ({"paper": "x"}, "paper must be an object"),
        ({"paper": {"title": "t"}}, "missing id"),
        ({"paper": {"id": "2406.07550"}}, "missing title"),
        ({"paper": {**ENTRY_2024["paper"], "upvotes": "many"}}, "upvotes must be an integer"),
        ({"paper": {**ENTRY_2024["paper"], "authors": {"name": "x"}}}, "authors must be a list"),
    ],
)
def test_bad_entries(entry, reason):
    with pytest.raises(BadRecord, match=reason):
        record_from_hf_entry(entry)


def test_jsonl_days_with_bad_entries(tmp_path):
    days = [
        {"date": "2024-06-12", "snapshot_committed_at": "x", "papers": [ENTRY_2024, {"paper": {"id": "nope", "title": "t"}}]},
        {"date": "2025-01-10", "papers": {"status": "ok", "date": "2025-01-10", "count": 1, "data": [ENTRY_2026]}},
        {"date": "not-a-day", "papers": []},
        {"date": "2026-04-02", "papers": "oops"},
    ]
    path = tmp_path / "days.jsonl.gz"
    path.write_bytes(gzip.compress("".join(json.dumps(d) + "\n" for d in days).encode()))
    assert detect_file_format(path) == "hf_daily"
    out = list(read_records(path))
    recs = [r for r in out if isinstance(r, PaperRecord)]
    assert [(r.arxiv_id, r.listing_date) for r in recs] == [("2406.07550", dt.date(2024, 6, 12)), ("2603.19835", dt.date(2025, 1, 10))]
    assert [str(e) for e in out if isinstance(e, ParseError)] == [
        f"{path}:1: paper #2: bad arXiv id in id: 'nope'",
        f"{path}:3: date is not a date: 'not-a-day'",
        f"{path}:4: papers must be a list of entries",
    ]


def test_api_response_json_list(tmp_path):
    path = tmp_path / "daily_papers.json"
    path.write_text(json.dumps([ENTRY_2024, ENTRY_2026], indent=2))
    assert detect_file_format(path) == "hf_daily"
    assert [r.arxiv_id for r in read_records(path)] == ["2406.07550", "2603.19835"]


def test_shared_hf_daily_parses(shared_data):
    folder = shared_data / "hf_daily_papers"
    out = list(read_records(folder / "daily_papers_2024-05-27_to_2025-06-30.jsonl.gz"))
    assert all(isinstance(r, PaperRecord) for r in out)  # the repr-string entries are read too
    assert len(out) == 4015
