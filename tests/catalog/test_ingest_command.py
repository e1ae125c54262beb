"""``paperfeed ingest`` and ``paperfeed demo_setup`` end to end, on a real database."""

import gzip
import io
import json
import multiprocessing

import pytest
from django.core.management import call_command
from django.db import connection

from paperfeed.catalog.ingest_files import DEMO_FIXTURE_IDS, ingest_paths
from paperfeed.catalog.models import CodeLink, Paper
from paperfeed.catalog.signals import papers_ingested
from paperfeed.catalog.sources.detect import send_records
from paperfeed.search.keyword import auto, get_keyword_index
from paperfeed.search.keyword.fts5 import FTS_TABLE, fts_retired
from paperfeed.search.keyword.tantivy import TantivyKeywordIndex

pytestmark = pytest.mark.django_db


def record(n: int, **kw) -> dict:
    return {"id": f"2606.{n:05d}", "title": f"Paper {n}", "summary": "An abstract.", "authors": ["Ada Lovelace"],
            "categories": ["cs.LG"], "comment": None, "listing_date": "2026-06-15", **kw}


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("ingest", *args, "--no-progress", stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_bad_lines_reported_by_number_good_ones_ingested_then_all_unchanged(tmp_path):
    path = tmp_path / "mixed.jsonl.gz"
    lines = [json.dumps(record(1)), "{oops", json.dumps(record(2, title=None)), json.dumps(record(3)),
             json.dumps(record(4, summary="x" * 200_000)), json.dumps(record(5))]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    code, out, err = run(str(path))
    assert code == 1
    assert err.splitlines() == [
        f"{path}:2: bad JSON at column 2: Expecting property name enclosed in double quotes",
        f"{path}:3: missing title",
        f"{path}:5: summary too long (over 100,000 bytes)",
    ]
    assert "3 new, 0 updated, 0 unchanged, 3 skipped" in out
    assert sorted(Paper.objects.values_list("arxiv_id", flat=True)) == ["2606.00001", "2606.00003", "2606.00005"]
    code, out, _ = run(str(path))
    assert code == 1 and "0 new, 0 updated, 3 unchanged, 3 skipped" in out


def test_folder_of_mixed_formats_and_clean_exit(tmp_path):
    (tmp_path / "a.jsonl").write_text(json.dumps(record(1)) + "\n")
    day = {"date": "2026-06-16", "papers": [{"paper": {"id": "2606.00001", "title": "Paper 1", "upvotes": 7,
                                                       "githubRepo": "https://github.com/x/y"}}]}
    (tmp_path / "b.jsonl").write_text(json.dumps(day) + "\n")
    (tmp_path / "notes.txt").write_text("ignored")
    code, out, err = run(str(tmp_path))
    assert (code, err) == (0, "")
    assert "1 new, 1 updated, 0 unchanged, 0 skipped (2 files" in out
    paper = Paper.objects.get()
    assert (paper.imported_upvotes, str(paper.listing_date)) == (7, "2026-06-15")
    assert CodeLink.objects.get().url == "https://github.com/x/y"


def test_missing_and_unreadable_files_fail_with_exit_2(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(record(1)) + "\n")
    weird = tmp_path / "weird.json"
    weird.write_text(json.dumps({"hello": "world"}) + "\n")
    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(b"\x1f\x8b\x08\x00garbage")
    code, out, err = run(str(tmp_path / "missing.jsonl"), str(weird), str(broken), str(good))
    assert code == 2
    assert f"{tmp_path / 'missing.jsonl'}: no such file or folder" in err
    assert f"{weird}:1: unknown format" in err
    assert f"{broken}: cannot read" in err
    assert "1 new" in out and "3 failed" in out
    assert Paper.objects.count() == 1


def test_demo_setup_loads_once():
    out = io.StringIO()
    call_command("demo_setup", stdout=out)
    count = Paper.objects.count()
    assert count > 3000 and "0 skipped" in out.getvalue()
    assert Paper.objects.filter(arxiv_id="hep-th/9901001").exists()
    assert Paper.objects.filter(imported_upvotes__gt=0).count() > 100
    assert "<script>" in Paper.objects.get(arxiv_id="2606.99901").abstract
    # The hand-made test records stay out of the demo's pages (date navigation, search, similar).
    assert set(Paper.objects.filter(hidden=True).values_list("arxiv_id", flat=True)) == set(DEMO_FIXTURE_IDS)
    out = io.StringIO()
    call_command("demo_setup", stdout=out)
    assert "already has" in out.getvalue() and Paper.objects.count() == count


def test_shared_data_subset_end_to_end(shared_data, tmp_path):
    shard = shared_data / "arxiv_abstracts" / "arxiv_api_records_2026-07a.jsonl.gz"
    hf = shared_data / "hf_daily_papers" / "daily_papers_2026-04-01_to_2026-08-21.jsonl.gz"
    code, out, err = run(str(shard), str(hf))
    assert code == 0, err
    assert str(Paper.objects.get(arxiv_id="2606.32040").listing_date) == "2026-07-01"  # from the manifest
    code, out, _ = run(str(shard), str(hf))
    assert code == 0 and " 0 new, 0 updated," in f" {out}"


def test_parallel_parsing_gives_the_same_result(tmp_path):
    for n in range(3):
        lines = [json.dumps(record(n * 1000 + i)) for i in range(1, 700)] + ["{bad"]
        (tmp_path / f"part{n}.jsonl").write_text("\n".join(lines) + "\n")
    # Valid at the start, truncated further on: fails mid-stream, after some records were read.
    lines = [json.dumps(record(9000 + i, summary=f"{i * 7919 % 104729} " * 30)) for i in range(1, 900)]
    data = gzip.compress("\n".join(lines).encode())
    (tmp_path / "zz_broken.jsonl.gz").write_bytes(data[: len(data) // 2])
    errors = []
    report = ingest_paths([tmp_path], parallel=True, on_error=errors.append)
    assert (report.stats.skipped, report.files, len(report.failed), report.exit_code) == (3, 4, 1, 2)
    assert 2097 < report.stats.new < 2097 + 899
    assert errors[0] == f"{tmp_path / 'part0.jsonl'}:700: bad JSON at column 2: Expecting property name enclosed in double quotes"
    assert any(e.startswith(f"{tmp_path / 'zz_broken.jsonl.gz'}: cannot read") for e in errors)
    again = ingest_paths([tmp_path / "part1.jsonl"], parallel=True)
    assert (again.stats.unchanged, again.stats.skipped, again.exit_code) == (699, 1, 1)


def test_parser_stops_when_the_reader_is_gone(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps(record(i)) + "\n" for i in range(1, 3000)))
    reader, writer = multiprocessing.Pipe(duplex=False)
    reader.close()  # the writing process died
    send_records([str(path)], writer, chunk_size=100)  # returns instead of blocking or raising
    assert writer.closed


@pytest.fixture
def tantivy_past(tmp_path, settings):
    """The SQLite default keyword backend in ``tmp_path``; the test sets the threshold it needs."""
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite default keyword backend")
    settings.DATA_DIR, settings.KEYWORD_BACKEND = tmp_path, ""
    auto.forget()
    yield settings
    auto.forget()


def tardigrades(path, numbers) -> str:
    path.write_text("".join(json.dumps(record(n, title=f"Tardigrade study {n}")) + "\n" for n in numbers))
    return str(path)


def test_ingest_catches_up_a_tantivy_keyword_index_past_its_threshold(tmp_path, tantivy_past):
    tantivy_past.KEYWORD_TANTIVY_THRESHOLD = 2
    path = tmp_path / "papers.jsonl"
    code, out, err = run(tardigrades(path, range(1, 4)))
    assert code == 0 and "keyword index past its threshold: rebuilt 3, fts5 retired 1" in err
    assert TantivyKeywordIndex().num_docs() == 3
    auto.forget()
    assert len(get_keyword_index().search("tardigrade")) == 3  # served by tantivy, without a worker
    path.write_text(json.dumps(record(9, title="Tardigrade orbit")) + "\n")
    code, out, _ = run(str(path))
    assert "keyword index: indexed 1, removed 0" in out


def test_a_large_ingest_switches_to_tantivy_as_soon_as_it_crosses_the_threshold(tmp_path, tantivy_past):
    tantivy_past.KEYWORD_TANTIVY_THRESHOLD = 3
    code, out, err = run(tardigrades(tmp_path / "papers.jsonl", range(1, 8)), "--batch-size", "2")
    assert code == 0
    assert "keyword index past its threshold: rebuilt 4, fts5 retired 1" in err  # after the 2nd batch
    assert "keyword index: indexed 3" in out  # the papers ingested after the switch, at the end
    assert fts_retired()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FTS_TABLE}")
        assert cursor.fetchone()[0] == 0  # batches 3 and 4 went in without FTS5 work
    assert TantivyKeywordIndex().num_docs() == 7


def test_ingest_announces_each_batch_and_the_run(tmp_path):
    heard: list[tuple[int, bool]] = []

    def receiver(sender, *, count, final, **kwargs):
        heard.append((count, final))
        return f"heard {count}" if final else None

    papers_ingested.connect(receiver)
    try:
        path = tmp_path / "papers.jsonl"
        path.write_text("".join(json.dumps(record(n)) + "\n" for n in range(1, 6)))
        code, out, _ = run(str(path), "--batch-size", "2")
        again = run(str(path))
    finally:
        papers_ingested.disconnect(receiver)
    assert code == 0 and "heard 5" in out  # a receiver's report line is printed
    assert heard == [(2, False), (2, False), (1, False), (5, True), (5, False), (0, True)]  # unchanged: none written
    assert "heard 0" in again[1]
