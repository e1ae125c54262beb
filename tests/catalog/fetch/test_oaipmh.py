"""OAI-PMH requests against a local replay server: retries of truncated bodies, Retry-After."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from paperfeed.catalog.fetch.http import FetchError, PoliteClient
from paperfeed.catalog.fetch.oaipmh import fetch_page
from paperfeed.catalog.sources.oaipmh import list_records_params
from tests.jobs.replay import Reply, ReplayServer, add_nock

FIXTURES = Path(__file__).resolve().parent.parent / "sources" / "fixtures" / "oaipmh"
RECORDED = "arxiv_abstracts/oai_pmh_recorded"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _client() -> PoliteClient:
    return PoliteClient(interval=0, backoff=0.01, sleep=lambda s: None)


def test_fetch_page_retries_a_truncated_body():
    with ReplayServer() as server, _client() as client:
        body = fixture("list_page1.xml")
        server.add("/oai", Reply(200, body[:-300]), Reply(200, body, truncate=500), Reply(200, body))
        page = fetch_page(client, server.url + "/oai", {"verb": "ListRecords"})
    assert page.token == "tok-1|2"
    assert len(server.requests) == 3


def test_fetch_page_gives_up_on_persistent_garbage():
    with ReplayServer() as server, _client() as client:
        server.add("/oai", Reply(200, "<html>maintenance</html>"))
        with pytest.raises(FetchError, match="malformed"):
            fetch_page(client, server.url + "/oai", {"verb": "ListRecords"}, attempts=2)


def test_recorded_arxiv_exchange_with_503_retry_after(shared_data):
    """The real 2018 exchange: a 503 with Retry-After: 10, then a 200 with two records."""
    sleeps: list[float] = []
    with ReplayServer() as server:
        add_nock(server, shared_data / RECORDED / "oaipmh-listrecords---should-list-identifiers-from-arxiv.json")
        with PoliteClient(interval=0, sleep=sleeps.append) as client:
            params = list_records_params(
                prefix="arXiv", from_date=dt.date(2015, 1, 1), until_date=dt.date(2015, 1, 3), set_spec=None)
            page = fetch_page(client, server.url + "/oai2", params)
    assert sleeps == [10.0]
    assert [r.arxiv_id for r in page.records] == ["1412.8544", "hep-th/9504118"]
    ks = page.records[0]
    assert ks.authors == ["Sander Uijlen", "Bas Westerbaan"]
    assert ks.doi == "10.4204/EPTCS.172.11" and ks.journal_ref == "EPTCS 172, 2014, pp. 154-164"
    assert page.records[1].abstract.count('"strength"') == 1
    assert page.token is None
