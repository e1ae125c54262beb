"""OAI-PMH parsing (pure): record pages, protocol errors, and the other verbs' answers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from paperfeed.catalog.sources.oaipmh import (
    BadResumptionToken,
    MalformedResponse,
    OaiError,
    clean_abstract,
    list_records_params,
    parse_identifiers,
    parse_identify,
    parse_metadata_formats,
    parse_page,
    parse_sets,
    split_authors,
)
from tests.jobs.replay import load_nock

FIXTURES = Path(__file__).parent / "fixtures" / "oaipmh"
RECORDED = "arxiv_abstracts/oai_pmh_recorded"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_page_with_token_and_arxiv_format():
    page = parse_page(fixture("list_page1.xml"))
    assert page.token == "tok-1|2"
    assert page.complete_list_size == 5 and page.cursor == 0
    first = page.records[0]
    assert first.arxiv_id == "2606.00001"
    assert first.authors == ["Ada Lovelace", "Alan M. Turing Jr"]
    assert first.categories == ["cs.LG", "cs.AI"]
    # Entities decoded, stray markup keeps its words, paragraphs kept, hard wraps removed.
    assert first.abstract == "We study Attention Is Still All You Need & show that $x < y$ holds for all inputs.\n\nA second paragraph."
    assert first.submitted_at == dt.datetime(2026, 6, 12, tzinfo=dt.UTC)
    assert first.listing_date == dt.date(2026, 6, 15)
    assert page.records[1].title == "Diffusion Models for Everything"


def test_deleted_record_keeps_only_its_id():
    page = parse_page(fixture("list_page2.xml"))
    deleted = [r for r in page.records if r.deleted]
    assert [r.arxiv_id for r in deleted] == ["2601.00099"]


def test_last_page_and_malformed_record_reported():
    page = parse_page(fixture("list_page3.xml"))
    assert page.token is None
    assert [r.arxiv_id for r in page.records] == ["2606.00004", "2401.00005"]
    assert page.skipped == ["oai:arXiv.org:2606.00006: record without title"]
    old = page.records[1]
    # An update of an old paper must not move it onto today's listing.
    assert old.listing_date is None
    assert old.updated_at == dt.datetime(2026, 6, 15, tzinfo=dt.UTC)


def test_arxivraw_versions():
    v1 = parse_page(fixture("raw_v1.xml")).records[0]
    v2 = parse_page(fixture("raw_v2.xml")).records[0]
    assert v1.version == 1 and v1.listing_date == dt.date(2026, 6, 16)
    assert v2.version == 2 and v2.listing_date is None
    assert [v for v, _ in v2.versions] == [1, 2]
    assert v2.submitted_at == dt.datetime(2026, 6, 15, 17, 59, 59, tzinfo=dt.UTC)
    assert v2.updated_at == dt.datetime(2026, 6, 18, 9, 30, tzinfo=dt.UTC)
    assert v2.authors == ["Grace Hopper", "John Backus", "Frances E. Allen"]
    assert v2.journal_ref == "PLDI 2026" and v2.doi == "10.1145/0000000"


def test_protocol_errors():
    with pytest.raises(BadResumptionToken):
        parse_page(fixture("bad_token.xml"))
    empty = parse_page(fixture("no_records.xml"))
    assert empty.records == [] and empty.token is None
    body = fixture("bad_token.xml").replace(b"badResumptionToken", b"badArgument")
    with pytest.raises(OaiError) as err:
        parse_page(body)
    assert err.value.code == "badArgument"


@pytest.mark.parametrize(
    "body",
    [
        fixture("list_page1.xml")[:-200],  # truncated
        b"<html><body>Retry after 10 seconds</body></html>",
        b"",
        b"<OAI-PMH xmlns='http://www.openarchives.org/OAI/2.0/'><Identify/></OAI-PMH>",
    ],
)
def test_malformed_documents(body):
    with pytest.raises(MalformedResponse):
        parse_page(body)


def test_helpers():
    assert split_authors("A. One, B. Two (MIT), and C. Three") == ["A. One", "B. Two", "C. Three"]
    assert split_authors("Solo Author") == ["Solo Author"]
    assert split_authors("John Smith, Jr., Jane Roe III and Bo Li") == ["John Smith Jr.", "Jane Roe III", "Bo Li"]
    assert split_authors("John Smith, II, Ann Lee") == ["John Smith II", "Ann Lee"]
    assert clean_abstract("  line one\nline two\n  para two\n") == "line one line two\n\npara two"
    assert list_records_params(prefix="arXivRaw", from_date=dt.date(2026, 1, 1), until_date=None, set_spec="cs") == {
        "verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2026-01-01", "set": "cs"}
    with pytest.raises(ValueError):
        list_records_params(prefix="oai_dc", from_date=None, until_date=None, set_spec=None)


def test_recorded_non_listrecords_exchanges_are_rejected_cleanly(shared_data):
    """Identify / ListSets / ListIdentifiers answers are valid OAI-PMH but not record pages."""
    folder = shared_data / RECORDED
    names = sorted(p.name for p in folder.glob("*.json"))
    assert len(names) == 7
    for name in ("oaipmh-identify---should-identify-arxiv.json", "oaipmh-listsets---should-list-arxiv-sets.json",
                 "oaipmh-listidentifiers---should-list-identifiers-from-arxiv.json"):
        ((_, _, reply),) = load_nock(folder / name)
        with pytest.raises(MalformedResponse, match="without ListRecords"):
            parse_page(reply.payload())


def _recorded_body(shared_data, name: str) -> bytes:
    ((_, _, reply),) = load_nock(shared_data / RECORDED / name)
    return reply.payload()


def test_recorded_identify_formats_sets_identifiers(shared_data):
    info = parse_identify(_recorded_body(shared_data, "oaipmh-identify---should-identify-arxiv.json"))
    assert (info.name, info.granularity, info.deleted_record) == ("arXiv", "YYYY-MM-DD", "persistent")
    assert info.earliest_datestamp == "2007-05-23"
    for name in ("oaipmh-listmetadataformats---should-list-metadata-formats-for-arxiv.json",
                 "oaipmh-listmetadataformats---should-list-metadata-formats-for-arxiv-id-1208-0264.json"):
        assert parse_metadata_formats(_recorded_body(shared_data, name)) == ["oai_dc", "arXiv", "arXivOld", "arXivRaw"]
    sets, token = parse_sets(_recorded_body(shared_data, "oaipmh-listsets---should-list-arxiv-sets.json"))
    assert ("cs", "Computer Science") in sets and ("physics:hep-th", "High Energy Physics - Theory") in sets
    assert token is None
    headers, token = parse_identifiers(
        _recorded_body(shared_data, "oaipmh-listidentifiers---should-list-identifiers-from-arxiv.json"))
    assert headers[0].arxiv_id == "0705.4175" and headers[0].datestamp == dt.date(2009, 1, 1)
    assert headers[-1].arxiv_id == "quant-ph/0506115"
    assert headers[-1].sets == ["physics:gr-qc", "physics:hep-th", "physics:quant-ph"]
    assert not any(h.deleted for h in headers) and token is None
    # The seventh recording (a ListMetadataFormats error for an unknown id) holds no exchange.
    assert (shared_data / RECORDED / "oaipmh-listmetadataformats---should-fail-for-non-existent-arxiv-id-lolcat.json"
            ).read_text().strip() == "[]"
