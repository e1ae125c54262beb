"""arXiv API (Atom) parsing and batched fetching against a local replay server."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from paperfeed.catalog.sources.arxiv_atom import batched, fetch_records, parse_feed
from paperfeed.catalog.sources.http import FetchError, PoliteClient
from tests.jobs.replay import Reply, ReplayServer

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


def test_fetch_records_batches_ids_politely():
    ids = [f"2606.{n:05d}" for n in range(20, 25)]
    sleeps: list[float] = []
    clock = iter(range(0, 1000)).__next__
    with ReplayServer() as server:
        server.add("/api/query", Reply(200, (FIXTURES / "batch.xml").read_bytes()))
        with PoliteClient(interval=3, sleep=sleeps.append, clock=lambda: float(clock())) as client:
            result = fetch_records(ids + ids[:1], client=client, base_url=server.url + "/api/query", batch_size=2)
    # 5 distinct ids in batches of 2: three requests, each after the interval.
    assert [r.query["id_list"] for r in server.requests] == [
        "2606.00020,2606.00021", "2606.00022,2606.00023", "2606.00024"]
    assert server.requests[0].query["max_results"] == "2"
    assert len(sleeps) == 2
    assert "2606.00022: not found" in result.errors


def test_fetch_records_reports_server_failure():
    with ReplayServer() as server:
        server.add("/api/query", Reply(400, "bad"))
        with PoliteClient(interval=0, sleep=lambda s: None) as client:
            with pytest.raises(FetchError, match="HTTP 400"):
                fetch_records(["2606.00020"], client=client, base_url=server.url + "/api/query")
