"""Papers by id from the arXiv API against a local replay server: batches, politeness, upsert."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperfeed.catalog.fetch.arxiv_api import fetch_arxiv, fetch_records
from paperfeed.catalog.fetch.http import FetchError, PoliteClient
from paperfeed.catalog.models import Paper
from paperfeed.catalog.signals import papers_ingested
from tests.jobs.replay import Reply, ReplayServer

FIXTURES = Path(__file__).resolve().parent.parent / "sources" / "fixtures" / "arxiv_api"


@pytest.fixture
def arxiv_api(settings):
    with ReplayServer() as server:
        server.add("/api/query", Reply(200, (FIXTURES / "batch.xml").read_bytes()))
        settings.ARXIV_API_URL = server.url + "/api/query"
        settings.ARXIV_REQUEST_INTERVAL = 0
        yield server


@pytest.mark.django_db
def test_fetch_arxiv_upserts_and_reports(arxiv_api):
    counts = fetch_arxiv(["arXiv:2606.00020v2", "https://arxiv.org/abs/2606.00021", "2606.99999", "not-an-id"])
    assert arxiv_api.requests[0].query["id_list"] == "2606.00020,2606.00021,2606.99999"
    assert (counts["fetched"], counts["new"]) == (2, 2)
    assert counts["not_found"] == ["2606.99999"]
    assert any("not-an-id" in e for e in counts["errors"]) and "2606.99999: not found" in counts["errors"]
    paper = Paper.objects.get(arxiv_id="2606.00020")
    assert paper.version == 2 and paper.title == "Scaling Laws for Submitted Papers"
    assert paper.primary_category == "cs.CL"
    again = fetch_arxiv(["2606.00020"])
    assert (again["new"], again["updated"]) == (0, 0)  # idempotent


@pytest.mark.django_db
def test_fetch_arxiv_announces_what_it_wrote(arxiv_api):
    heard: list[dict] = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    papers_ingested.connect(receiver)
    try:
        fetch_arxiv(["2606.00020", "2606.00021"])
    finally:
        papers_ingested.disconnect(receiver)
    assert [(h["count"], h["final"]) for h in heard] == [(2, True)]


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
