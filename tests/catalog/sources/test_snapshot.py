"""The Kaggle arXiv metadata snapshot: versions, dates, parsed authors, bad lines."""

import datetime as dt
import gzip
import json

import pytest

from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.sources.detect import detect_file_format, read_records
from paperfeed.catalog.sources.reading import BadRecord, ParseError
from paperfeed.catalog.sources.snapshot import record_from_snapshot, snapshot_authors

LINE = {
    "id": "0704.0001",
    "submitter": "Pavel Nadolsky",
    "authors": "C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan",
    "title": "Calculation of prompt diphoton production cross sections at Tevatron and\n  LHC energies",
    "comments": "37 pages, 15 figures; published version",
    "journal-ref": "Phys.Rev.D76:013009,2007",
    "doi": "10.1103/PhysRevD.76.013009",
    "report-no": "ANL-HEP-PR-07-12",
    "categories": "hep-ph",
    "license": None,
    "abstract": "  A fully differential calculation in perturbative quantum chromodynamics is\npresented for the production.\n  Second paragraph here.\n",
    "versions": [
        {"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"},
        {"version": "v2", "created": "Tue, 24 Jul 2007 20:10:27 GMT"},
    ],
    "update_date": "2008-11-26",
    "authors_parsed": [["Balázs", "C.", ""], ["Berger", "E. L.", ""], ["Nadolsky", "P. M.", ""], ["Yuan", "C. -P.", ""]],
}


def test_snapshot_record():
    rec = record_from_snapshot(LINE)
    assert rec.arxiv_id == "0704.0001"
    assert rec.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert rec.abstract == (
        "A fully differential calculation in perturbative quantum chromodynamics is presented for the production."
        "\n\nSecond paragraph here."
    )
    assert rec.authors == ["C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C.-P. Yuan"]
    assert rec.categories == ["hep-ph"]
    assert rec.version == 2
    assert rec.versions == [
        (1, dt.datetime(2007, 4, 2, 19, 18, 42, tzinfo=dt.UTC)),
        (2, dt.datetime(2007, 7, 24, 20, 10, 27, tzinfo=dt.UTC)),
    ]
    assert rec.submitted_at == rec.versions[0][1] and rec.updated_at == rec.versions[1][1]
    assert rec.listing_date is None  # the snapshot has none
    assert (rec.comment, rec.journal_ref, rec.doi, rec.license) == (
        "37 pages, 15 figures; published version", "Phys.Rev.D76:013009,2007", "10.1103/PhysRevD.76.013009", None
    )


def test_authors_fall_back_to_the_authors_string():
    assert snapshot_authors({"authors": "Ileana Streinu and Louis Theran"}) == ["Ileana Streinu", "Louis Theran"]
    assert snapshot_authors({"authors": "A. One, B. Two, and C. Three"}) == ["A. One", "B. Two", "C. Three"]
    assert snapshot_authors({}) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"versions": "v1"}, "versions must be a list"),
        ({"versions": [{"version": "one"}]}, "bad version label"),
        ({"versions": [{"version": "v1", "created": "not a date"}]}, "versions.created is not a date"),
        ({"authors_parsed": [["a", 1]]}, "authors_parsed entries"),
        ({"authors_parsed": None, "authors": 3}, "authors must be a string"),
        ({"categories": 3}, "categories must be"),
        ({"id": "0704.1"}, "bad arXiv id"),
        ({"title": ""}, "empty title"),
        ({"abstract": "x" * 100_001}, "abstract too long"),
    ],
)
def test_bad_snapshot_lines(change, reason):
    with pytest.raises(BadRecord, match=reason):
        record_from_snapshot({**LINE, **change})


def test_snapshot_file_detected_and_read(tmp_path):
    path = tmp_path / "snap.jsonl.gz"
    lines = [json.dumps(LINE), json.dumps({**LINE, "id": "0704.0002", "versions": 5}), json.dumps({**LINE, "id": "hep-th/9901001"})]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    assert detect_file_format(path) == "snapshot"
    out = list(read_records(path))
    assert [r.arxiv_id for r in out if isinstance(r, PaperRecord)] == ["0704.0001", "hep-th/9901001"]
    assert [str(e) for e in out if isinstance(e, ParseError)] == [f"{path}:2: versions must be a list"]


def test_shared_kaggle_sample(shared_data):
    out = list(read_records(shared_data / "arxiv_kaggle_sample" / "arxiv-metadata-oai-snapshot.first200.jsonl.gz"))
    assert len(out) == 200 and all(isinstance(r, PaperRecord) for r in out)
    assert out[0].authors[0] == "C. Balázs"
    assert all(r.versions and r.submitted_at for r in out)
