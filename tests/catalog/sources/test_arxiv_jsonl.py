"""arXiv API records as JSON lines: fields, listing dates (record, manifest), bad lines reported."""

import datetime as dt
import gzip
import json

import pytest

from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.sources.arxiv_jsonl import load_manifest, record_from_arxiv_api
from paperfeed.catalog.sources.detect import read_records
from paperfeed.catalog.sources.reading import BadRecord, ParseError

GOOD = {
    "id": "2606.14721",
    "categories": ["cs.GR", "cs.CV", "H.3.3; I.2.7", "Information storage and retrieval"],
    "pdf": "https://arxiv.org/pdf/2606.14721",
    "abs": "https://arxiv.org/abs/2606.14721",
    "authors": ["Hequan Wang", "Jiaxu  Zhang"],
    "title": "DC-Motion: Decoupling\n  Semantics",
    "comment": "Code: https://github.com/foo/dc-motion.git",
    "summary": "Text-to-motion generation\nrequires synthesizing $x < y$ & <b>dynamics</b>.",
}


def write_jsonl(path, rows, *, gz=False):
    data = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def test_record_fields_are_cleaned():
    rec = record_from_arxiv_api(GOOD)
    assert rec.arxiv_id == "2606.14721"
    assert rec.title == "DC-Motion: Decoupling Semantics"
    assert rec.abstract == "Text-to-motion generation requires synthesizing $x < y$ & <b>dynamics</b>."
    assert rec.authors == ["Hequan Wang", "Jiaxu Zhang"]
    assert rec.categories == ["cs.GR", "cs.CV"]  # ACM classes dropped, primary first
    assert rec.comment == "Code: https://github.com/foo/dc-motion.git"
    assert rec.version is None and rec.listing_date is None and rec.submitted_at is None
    assert rec.imported_upvotes is None and rec.code_urls == []


def test_record_optional_dates_version_and_extensions():
    rec = record_from_arxiv_api(
        {
            **GOOD,
            "id": "http://arxiv.org/abs/2606.14721v2",
            "published": "2026-06-15T17:59:59Z",
            "updated": "2026-06-20T10:00:00+02:00",
            "primary_category": "cs.CV",
            "journal_ref": "J. Foo 1 (2026)",
            "doi": "10.1/abc",
            "listing_date": "2026-06-16",
            "upvotes": 12,
            "upvotes_source": "hf",
            "github_repo": "https://github.com/foo/bar",
        }
    )
    assert rec.version == 2
    assert rec.submitted_at == dt.datetime(2026, 6, 15, 17, 59, 59, tzinfo=dt.UTC)
    assert rec.updated_at == dt.datetime(2026, 6, 20, 8, 0, tzinfo=dt.UTC)
    assert rec.versions == [(2, rec.updated_at)]
    assert rec.categories[0] == "cs.CV"
    assert rec.listing_date == dt.date(2026, 6, 16)
    assert (rec.journal_ref, rec.doi) == ("J. Foo 1 (2026)", "10.1/abc")
    assert (rec.imported_upvotes, rec.imported_source) == (12, "hf")
    assert rec.code_urls == [("https://github.com/foo/bar", "hf")]


def test_listing_date_from_manifest_map_then_published():
    assert record_from_arxiv_api(GOOD, listing_dates={"2606.14721": dt.date(2026, 6, 17)}).listing_date == dt.date(2026, 6, 17)
    published = {**GOOD, "published": "2026-06-15T10:00:00Z"}
    assert record_from_arxiv_api(published).listing_date == dt.date(2026, 6, 15)
    explicit = {**published, "listing_date": "2026-06-18"}
    assert record_from_arxiv_api(explicit, listing_dates={"2606.14721": dt.date(2026, 6, 17)}).listing_date == dt.date(2026, 6, 18)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"id": None}, "missing id"),
        ({"id": 2606.14721}, "id must be a string"),
        ({"id": "2606.1472"}, "bad arXiv id"),
        ({"title": None}, "missing title"),
        ({"title": "   "}, "empty title"),
        ({"title": ["a"]}, "title must be a string"),
        ({"title": "x" * 2001}, "title too long"),
        ({"summary": "x" * 100_001}, "summary too long"),
        ({"summary": 5}, "summary must be a string"),
        ({"authors": "Ada Lovelace"}, "authors must be a list"),
        ({"authors": [1, 2]}, "authors entries must be names"),
        ({"authors": ["x"] * 5001}, "too many authors"),
        ({"categories": 7}, "categories must be a list"),
        ({"comment": {"a": 1}}, "comment must be a string"),
        ({"published": "yesterday"}, "published is not a date"),
        ({"listing_date": "2026-13-01"}, "listing_date is not a date"),
        ({"upvotes": "12"}, "upvotes must be an integer"),
        ({"upvotes": -1}, "upvotes out of range"),
        ({"upvotes": True}, "upvotes must be an integer"),
    ],
)
def test_bad_records_say_why(change, reason):
    with pytest.raises(BadRecord, match=reason):
        record_from_arxiv_api({**GOOD, **change})


def test_authors_glued_by_a_rendered_latex_and_are_split_not_skipped():
    # A real upstream record (arxiv_api_records_2025-06a.jsonl.gz:1160, 2506.02197): LaTeX's \\and
    # rendered without spaces glued 36 names into one, cut at 512 characters.
    letters = "abcdefghijklmnopqrstuvwxyzabcd"
    glued = "and ".join(f"Firstname Lastname{c}" for c in letters) + "and Watchara Ruangsangand"
    assert len(glued) > 500
    rec = record_from_arxiv_api({**GOOD, "authors": ["Marcos V. Conde", glued]})
    assert rec.authors[:3] == ["Marcos V. Conde", "Firstname Lastnamea", "Firstname Lastnameb"]
    assert rec.authors[-1] == "Watchara Ruangsang" and len(rec.authors) == 32
    # Ordinary names containing "and" are never split, and one over-long name is still refused.
    assert record_from_arxiv_api({**GOOD, "authors": ["Alexander Andersen", "Rolland Sand"]}).authors == [
        "Alexander Andersen", "Rolland Sand"]
    with pytest.raises(BadRecord, match="author name too long"):
        record_from_arxiv_api({**GOOD, "authors": ["x" * 501]})


def test_not_an_object():
    with pytest.raises(BadRecord, match="expected a JSON object"):
        record_from_arxiv_api(["2606.14721"])


def test_file_with_bad_lines_reports_each_by_line_and_keeps_the_rest(tmp_path):
    path = tmp_path / "mixed.jsonl"
    rows = [
        GOOD,
        "{not json",
        {**GOOD, "id": "2606.00002", "title": None},
        "",
        {**GOOD, "id": "2606.00003"},
        [1, 2],
        {**GOOD, "id": "2606.00004", "title": "x" * 3000},
    ]
    write_jsonl(path, rows)
    with path.open("ab") as fh:
        fh.write(b'{"id": "2606.00005", "title": "bad \xff byte"}\n')
        fh.write(json.dumps({**GOOD, "id": "2606.00006"}).encode() + b"\n")
    out = list(read_records(path))
    good = [r.arxiv_id for r in out if isinstance(r, PaperRecord)]
    errors = [str(e) for e in out if isinstance(e, ParseError)]
    assert good == ["2606.14721", "2606.00003", "2606.00006"]
    assert errors == [
        f"{path}:2: bad JSON at column 2: Expecting property name enclosed in double quotes",
        f"{path}:3: missing title",
        f"{path}:6: expected a JSON object, got list",
        f"{path}:7: title too long (3,000 characters, limit 2,000)",
        f"{path}:8: bad UTF-8 encoding at byte 35",
    ]


def test_gzip_detected_by_content_not_name(tmp_path):
    path = write_jsonl(tmp_path / "records.data", [GOOD], gz=True)
    assert [r.arxiv_id for r in read_records(path)] == ["2606.14721"]


def test_manifest_beside_the_file_gives_listing_dates(tmp_path):
    write_jsonl(tmp_path / "shard.jsonl.gz", [GOOD, {**GOOD, "id": "2606.00009"}], gz=True)
    manifest = "id\tshard\tlisting_date\tsource_path\tsource_line\n2606.14721\tx\t2026-06-16\tdata/x\t1\nbad\trow\n"
    (tmp_path / "manifest.tsv.gz").write_bytes(gzip.compress(manifest.encode()))
    assert load_manifest(tmp_path) == {"2606.14721": dt.date(2026, 6, 16)}
    dates = {r.arxiv_id: r.listing_date for r in read_records(tmp_path / "shard.jsonl.gz")}
    assert dates == {"2606.14721": dt.date(2026, 6, 16), "2606.00009": None}
    assert load_manifest(tmp_path / "nowhere") == {}


def test_json_document_list_is_read_item_by_item_with_line_numbers(tmp_path):
    path = tmp_path / "records.json"
    path.write_text("[\n" + json.dumps(GOOD) + ",\n" + json.dumps({**GOOD, "id": "x"}) + ",\n" + json.dumps({**GOOD, "id": "2606.00002"}) + "\n]\n")
    out = list(read_records(path))
    assert [r.arxiv_id for r in out if isinstance(r, PaperRecord)] == ["2606.14721", "2606.00002"]
    assert [str(e) for e in out if isinstance(e, ParseError)] == [f"{path}:3: bad arXiv id in id: 'x'"]


def test_shared_abstracts_shard_parses_cleanly(shared_data):
    folder = shared_data / "arxiv_abstracts"
    out = list(read_records(folder / "arxiv_api_records_2026-07a.jsonl.gz"))
    assert all(isinstance(r, PaperRecord) for r in out)
    assert len(out) == 300
    assert all(r.listing_date == dt.date(2026, 7, 1) for r in out)


def test_empty_file_yields_nothing(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    assert list(read_records(path)) == []


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from paperfeed.catalog.sources.hf_daily import record_from_hf_entry  # noqa: E402
from paperfeed.catalog.sources.snapshot import record_from_snapshot  # noqa: E402

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
record_like = st.fixed_dictionaries(
    {},
    optional={k: json_values | st.text(max_size=40) for k in (
        "id", "title", "summary", "abstract", "authors", "categories", "comment", "published", "updated",
        "listing_date", "upvotes", "github_repo", "versions", "authors_parsed", "journal-ref", "doi", "license")},
)


@settings(max_examples=150, deadline=None)
@given(record_like)
def test_converters_only_ever_raise_bad_record(obj):
    for convert in (record_from_arxiv_api, record_from_snapshot, record_from_hf_entry, lambda o: record_from_hf_entry({"paper": o})):
        try:
            rec = convert(obj)
        except BadRecord:
            continue
        assert isinstance(rec, PaperRecord) and rec.arxiv_id and rec.title


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=6))
def test_arbitrary_bytes_after_a_good_line_never_crash(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("fuzz") / "f.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + b"\n".join(line.replace(b"\n", b" ") for line in lines) + b"\n")
    out = list(read_records(path))
    assert isinstance(out[0], PaperRecord)
    assert all(isinstance(r, PaperRecord | ParseError) for r in out)
