"""The OAI-PMH harvest against a local replay server: pages, faults, watermark, crash recovery."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from paperfeed.catalog.fetch.http import FetchError, PoliteClient
from paperfeed.catalog.harvest import harvest_arxiv, state_key
from paperfeed.catalog.models import CodeLink, HarvestState, Paper
from paperfeed.catalog.sources.github import repo_full_name
from paperfeed.catalog.signals import papers_ingested
from tests.factories import make_harvest_state, make_paper
from tests.jobs.replay import Reply, ReplayServer, add_nock

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parent / "sources" / "fixtures" / "oaipmh"
TODAY = dt.date(2026, 6, 16)
EXPECTED = {"2606.00001", "2606.00002", "2606.00003", "2606.00004", "2401.00005"}


def xml(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class Crash(Exception):
    pass


def client() -> PoliteClient:
    return PoliteClient(interval=0, backoff=0.01, sleep=lambda s: None)


def three_pages(server: ReplayServer, *, page2: list[Reply] | None = None) -> None:
    server.add("/oai", Reply(200, xml("list_page1.xml")), query={"verb": "ListRecords", "metadataPrefix": "arXiv"})
    server.add("/oai", *(page2 or [Reply(200, xml("list_page2.xml"))]), query={"resumptionToken": "tok-1|2"})
    server.add("/oai", Reply(200, xml("list_page3.xml")), query={"resumptionToken": "tok-2|4"})


def harvest(server: ReplayServer, **kw):
    kw.setdefault("today", TODAY)
    with client() as c:
        return harvest_arxiv(client=c, base_url=server.url + "/oai", **kw)


def test_multi_page_harvest_with_deleted_record():
    withdrawn = make_paper(arxiv_id="2601.00099", title="Soon withdrawn")
    with ReplayServer() as server:
        three_pages(server)
        counts = harvest(server, from_date=dt.date(2026, 6, 14))
    assert set(Paper.objects.filter(hidden=False).values_list("arxiv_id", flat=True)) == EXPECTED
    withdrawn.refresh_from_db()
    assert withdrawn.hidden  # hidden, not deleted: its votes and collections survive
    assert counts["pages"] == 3 and counts["new"] == 5 and counts["deleted"] == 1 and counts["skipped"] == 1
    first = server.requests[0].query
    assert first == {"verb": "ListRecords", "metadataPrefix": "arXiv", "set": "cs",
                     "from": "2026-06-14", "until": "2026-06-16"}
    assert [r.query.get("resumptionToken") for r in server.requests[1:]] == ["tok-1|2", "tok-2|4"]
    state = HarvestState.objects.get(key=state_key("cs", "arXiv"))
    assert state.watermark == TODAY and state.resumption_token == ""
    assert Paper.objects.get(arxiv_id="2606.00004").listing_date == dt.date(2026, 6, 16)
    # Code links in comments become GitHub CodeLinks, which the star job then follows.
    links = CodeLink.objects.filter(paper__arxiv_id="2606.00001", kind=CodeLink.Kind.GITHUB)
    assert [repo_full_name(link.url) for link in links] == ["example/repo-2606.00001"]


def test_next_run_starts_from_watermark_and_is_idempotent():
    with ReplayServer() as server:
        three_pages(server)
        harvest(server, from_date=dt.date(2026, 6, 14))
        server.requests.clear()
        counts = harvest(server, today=dt.date(2026, 6, 17))
    assert server.requests[0].query["from"] == "2026-06-16"  # the watermark day again: nothing missed
    assert server.requests[0].query["until"] == "2026-06-17"
    assert counts["new"] == 0 and counts["updated"] == 0  # all unchanged (deletion notice included)
    assert Paper.objects.count() == 5


def test_503_retry_after_and_truncated_page_are_retried():
    sleeps: list[float] = []
    body = xml("list_page2.xml")
    page2 = [Reply(503, "busy", {"Retry-After": "7"}), Reply(200, body[: len(body) // 2]), Reply(200, body)]
    with ReplayServer() as server:
        three_pages(server, page2=page2)
        with PoliteClient(interval=0, backoff=0.5, sleep=sleeps.append) as c:
            counts = harvest_arxiv(client=c, base_url=server.url + "/oai", from_date=dt.date(2026, 6, 14), today=TODAY)
    assert 7.0 in sleeps
    assert counts["pages"] == 3
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == EXPECTED


def test_failure_mid_list_keeps_committed_pages_and_resumes():
    with ReplayServer() as server:
        three_pages(server, page2=[Reply(500, "down")] * 6 + [Reply(200, xml("list_page2.xml"))])
        with pytest.raises(FetchError):
            harvest(server, from_date=dt.date(2026, 6, 14))
        state = HarvestState.objects.get()
        assert state.resumption_token == "tok-1|2" and state.watermark is None
        assert Paper.objects.count() == 2  # page 1 committed, nothing half-written
        server.requests.clear()
        counts = harvest(server)
    assert counts["resumed"] and server.requests[0].query == {"verb": "ListRecords", "resumptionToken": "tok-1|2"}
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == EXPECTED


def test_crash_after_page_then_rerun_no_duplicates_no_gaps():
    def crash_after_two(n, page):
        if n == 2:
            raise Crash()

    with ReplayServer() as server:
        three_pages(server)
        with pytest.raises(Crash):
            harvest(server, from_date=dt.date(2026, 6, 14), after_page=crash_after_two)
        assert HarvestState.objects.get().resumption_token == "tok-2|4"
        server.requests.clear()
        counts = harvest(server)
    assert [r.query.get("resumptionToken") for r in server.requests] == ["tok-2|4"]
    assert counts["pages"] == 1
    ids = list(Paper.objects.values_list("arxiv_id", flat=True))
    assert sorted(ids) == sorted(EXPECTED) and len(ids) == len(set(ids))
    assert HarvestState.objects.get().watermark == TODAY


def test_expired_resumption_token_restarts_the_list():
    def crash_after_one(n, page):
        if n == 1:
            raise Crash()

    with ReplayServer() as server:
        three_pages(server, page2=[Reply(200, xml("bad_token.xml")), Reply(200, xml("list_page2.xml"))])
        with pytest.raises(Crash):
            harvest(server, from_date=dt.date(2026, 6, 14), after_page=crash_after_one)
        server.requests.clear()
        counts = harvest(server)
    tokens = [r.query.get("resumptionToken") for r in server.requests]
    assert tokens == ["tok-1|2", None, "tok-1|2", "tok-2|4"]
    assert server.requests[1].query["from"] == "2026-06-14"  # restarted from the list's start
    assert counts["restarts"] == 1
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == EXPECTED


def test_version_update_with_arxivraw():
    with ReplayServer() as server:
        server.add("/oai", Reply(200, xml("raw_v1.xml")), query={"from": "2026-06-16"})
        server.add("/oai", Reply(200, xml("raw_v2.xml")), query={"from": "2026-06-19"})
        harvest(server, prefix="arXivRaw", from_date=dt.date(2026, 6, 16), until_date=dt.date(2026, 6, 16))
        paper = Paper.objects.get(arxiv_id="2606.00010")
        assert paper.version == 1 and paper.listing_date == dt.date(2026, 6, 16)
        counts = harvest(server, prefix="arXivRaw", from_date=dt.date(2026, 6, 19), until_date=dt.date(2026, 6, 19))
    assert counts["updated"] == 1
    paper.refresh_from_db()
    assert paper.version == 2
    assert paper.title == "Compilers for Large Language Models"
    assert paper.listing_date == dt.date(2026, 6, 16)  # a new version does not re-list the paper
    assert paper.updated_at == dt.datetime(2026, 6, 18, 9, 30, tzinfo=dt.UTC)
    assert list(paper.versions.values_list("version", flat=True)) == [1, 2]
    assert Paper.objects.count() == 1


def test_no_records_match_advances_the_watermark():
    with ReplayServer() as server:
        server.add("/oai", Reply(200, xml("no_records.xml")))
        counts = harvest(server, from_date=dt.date(2026, 6, 17), until_date=dt.date(2026, 6, 17))
    assert counts["pages"] == 1 and counts["records"] == 0
    assert HarvestState.objects.get().watermark == dt.date(2026, 6, 17)


def test_recorded_arxiv_listrecords_harvest(shared_data):
    """The real recorded exchange (503 Retry-After then 200) harvested into the catalogue."""
    sleeps: list[float] = []
    with ReplayServer() as server:
        add_nock(server, shared_data / "arxiv_abstracts/oai_pmh_recorded/oaipmh-listrecords---should-list-identifiers-from-arxiv.json")
        with PoliteClient(interval=0, sleep=sleeps.append) as c:
            counts = harvest_arxiv(client=c, base_url=server.url + "/oai2", set_spec="", from_date=dt.date(2015, 1, 1),
                                   until_date=dt.date(2015, 1, 3))
    assert sleeps == [10.0]
    assert counts["new"] == 2
    ks = Paper.objects.get(arxiv_id="1412.8544")
    assert ks.title == "A Kochen-Specker system has at least 22 vectors (extended abstract)"
    assert ks.doi == "10.4204/EPTCS.172.11"
    assert Paper.objects.filter(arxiv_id="hep-th/9504118").exists()
    assert HarvestState.objects.get(key="arxiv:all:arXiv").watermark == dt.date(2015, 1, 3)


def test_backfill_or_gap_does_not_move_the_watermark():
    make_harvest_state(state_key("cs", "arXiv"), watermark=dt.date(2026, 6, 16))
    with ReplayServer() as server:
        server.add("/oai", Reply(200, xml("no_records.xml")))
        harvest(server, from_date=dt.date(2015, 1, 1), until_date=dt.date(2015, 1, 3))  # backfill
        assert HarvestState.objects.get().watermark == dt.date(2026, 6, 16)
        harvest(server, from_date=dt.date(2026, 6, 20), until_date=dt.date(2026, 6, 21))  # would leave a gap
        assert HarvestState.objects.get().watermark == dt.date(2026, 6, 16)
        harvest(server, from_date=dt.date(2026, 6, 17), until_date=dt.date(2026, 6, 21))  # joins on
        assert HarvestState.objects.get().watermark == dt.date(2026, 6, 21)


def test_each_page_and_the_end_of_a_run_are_announced():
    heard: list[tuple[int, bool]] = []

    def receiver(sender, *, count, final, **kwargs):
        heard.append((count, final))

    papers_ingested.connect(receiver)
    try:
        with ReplayServer() as server:
            three_pages(server)
            harvest(server, from_date=dt.date(2026, 6, 14))
    finally:
        papers_ingested.disconnect(receiver)
    pages = [count for count, final in heard if not final]
    assert len(pages) == 3 and sum(pages) == 6  # records per page, the deletion notice included
    assert heard[-1] == (5, True)  # papers written in the run
