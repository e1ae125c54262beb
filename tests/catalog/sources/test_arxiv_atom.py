"""arXiv API (Atom) parsing (pure)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from paperfeed.catalog.sources.arxiv_atom import batched, parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv_api"


def test_parse_feed_entries():
    result = parse_feed((FIXTURES / "batch.xml").read_bytes())
    assert result.total_results == 3
    assert [r.arxiv_id for r in result.records] == ["2606.00020", "2606.00021"]
    paper = result.records[0]
    assert paper.title == "Scaling Laws for Submitted Papers"
    assert paper.version == 2
    assert paper.versions == [(1, dt.datetime(2026, 6, 10, 12, 0, 1, tzinfo=dt.UTC)),
                              (2, dt.datetime(2026, 6, 19, 17, 45, 10, tzinfo=dt.UTC))]
    assert paper.categories == ["cs.CL", "cs.LG"]  # primary first
    assert paper.authors == ["Ada Lovelace", "Charles Babbage"]
    assert paper.abstract == "We measure how papers scale with $N$ & data.\n\nCode: https://github.com/Example/Scaling."
    assert (paper.comment, paper.journal_ref, paper.doi) == ("15 pages, 4 figures", "J. Test. 1 (2026) 1", "10.1000/xyz123")
    single = result.records[1]
    assert single.version == 1 and single.versions == [(1, dt.datetime(2026, 6, 11, 8, tzinfo=dt.UTC))]
    assert single.comment is None


def test_parse_error_feed_and_garbage():
    result = parse_feed((FIXTURES / "error.xml").read_bytes())
    assert result.records == []
    assert result.errors == ["incorrect id format for 1234.12345"]
    with pytest.raises(ValueError):
        parse_feed(b"<html>oops</html>")
    with pytest.raises(ValueError):
        parse_feed(b"<feed xmlns='http://www.w3.org/2005/Atom'><entry>")


def test_batched():
    assert list(batched(["a", "b", "c"], 2)) == [["a", "b"], ["c"]]
    assert list(batched([], 2)) == []
