"""upsert_records: idempotent, version-aware, never erasing, batched and resumable."""

import dataclasses
import datetime as dt

import pytest

from paperfeed.catalog.ingest import upsert_records
from paperfeed.catalog.models import Author, Authorship, CodeLink, Paper, PaperVersion
from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.sources.reading import ParseError

pytestmark = pytest.mark.django_db

T1 = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 6, 9, 12, tzinfo=dt.UTC)


def rec(arxiv_id="2606.00001", **kw) -> PaperRecord:
    fields = {
        "title": f"Paper {arxiv_id}",
        "abstract": "We study things. Code: https://github.com/org/repo.",
        "authors": ["Ada Lovelace", "Alan Turing"],
        "categories": ["cs.LG", "cs.AI"],
        "listing_date": dt.date(2026, 6, 2),
    }
    fields.update(kw)
    return PaperRecord(arxiv_id=arxiv_id, **fields)


def test_new_then_unchanged():
    records = [rec(f"2606.{n:05d}") for n in range(1, 6)]
    first = upsert_records(records, batch_size=2)
    assert (first.new, first.updated, first.unchanged, first.skipped) == (5, 0, 0, 0)
    second = upsert_records(records, batch_size=3)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 5)
    paper = Paper.objects.get(arxiv_id="2606.00001")
    assert paper.primary_category == "cs.LG" and paper.authors == ["Ada Lovelace", "Alan Turing"]
    assert len(paper.content_hash) == 64
    assert [a.author.key for a in paper.authorships.order_by("position")] == ["ada-lovelace", "alan-turing"]
    assert Author.objects.count() == 2 and Authorship.objects.count() == 10
    assert list(paper.code_links.values_list("url", "kind", "source")) == [("https://github.com/org/repo", "github", "abstract")]


def test_newer_version_updates_older_does_not():
    upsert_records([rec(version=1, title="Old title", versions=[(1, T1)], submitted_at=T1, updated_at=T1)])
    stats = upsert_records([rec(version=2, title="New title", versions=[(2, T2)], updated_at=T2, authors=["Ada Lovelace"])])
    assert stats.updated == 1
    paper = Paper.objects.get()
    assert (paper.version, paper.title, paper.submitted_at, paper.updated_at) == (2, "New title", T1, T2)
    assert list(paper.versions.values_list("version", "created_at")) == [(1, T1), (2, T2)]
    assert list(paper.authorships.values_list("author__key", flat=True)) == ["ada-lovelace"]
    stale = upsert_records([rec(version=1, title="Old title", versions=[(1, T1)])])
    assert stale.unchanged == 1
    assert Paper.objects.get().title == "New title"


def test_unknown_fields_never_erase_known_ones():
    upsert_records([rec(comment="10 pages", doi="10.1/x", journal_ref="J 1", license="CC-BY")])
    stats = upsert_records([rec(comment=None, doi=None, journal_ref=None, license=None, abstract="", authors=[], categories=[])])
    assert stats.unchanged == 1
    paper = Paper.objects.get()
    assert (paper.comment, paper.doi, paper.journal_ref, paper.license) == ("10 pages", "10.1/x", "J 1", "CC-BY")
    assert paper.abstract and paper.authors and paper.categories


def test_hf_signal_fills_blanks_keeps_max_upvotes_and_earliest_listing():
    upsert_records([rec(listing_date=dt.date(2026, 6, 2))], source="arxiv_api")
    hf = rec(title="HF's title", abstract="HF's abstract", listing_date=dt.date(2026, 6, 3), imported_upvotes=20,
             imported_source="hf", code_urls=[("https://github.com/org/other", "hf")], categories=[])
    assert upsert_records([hf], source="hf").updated == 1
    paper = Paper.objects.get()
    assert paper.title == "Paper 2606.00001" and paper.abstract.startswith("We study")
    assert (paper.imported_upvotes, paper.imported_source, paper.listing_date) == (20, "hf", dt.date(2026, 6, 2))
    assert set(paper.code_links.values_list("url", "source")) == {
        ("https://github.com/org/repo", "abstract"), ("https://github.com/org/other", "hf")}
    lower = dataclasses.replace(hf, imported_upvotes=5, listing_date=dt.date(2026, 5, 30))
    assert upsert_records([lower], source="hf").updated == 1  # the earlier listing date is news
    paper.refresh_from_db()
    assert (paper.imported_upvotes, paper.listing_date) == (20, dt.date(2026, 5, 30))
    assert upsert_records([lower], source="hf").unchanged == 1


def test_hf_only_paper_is_created_from_hf():
    stats = upsert_records([rec("2606.00009", categories=[], imported_upvotes=3, imported_source="hf")], source="hf")
    assert stats.new == 1 and Paper.objects.get().imported_upvotes == 3


def test_duplicates_in_one_batch_merge():
    stats = upsert_records([rec(imported_upvotes=3, imported_source="hf"), rec(imported_upvotes=9, imported_source="hf")])
    assert (stats.new, stats.updated) == (1, 1)
    assert Paper.objects.get().imported_upvotes == 9


def test_parse_errors_and_invalid_records_are_skipped_and_reported():
    seen = []
    items = [rec(), ParseError("f.jsonl", 7, "bad JSON"), rec("2606.00002", title="  "), rec("x" * 70)]
    stats = upsert_records(items, on_error=seen.append)
    assert (stats.new, stats.skipped) == (1, 3)
    assert stats.errors == seen
    assert seen[0] == "f.jsonl:7: bad JSON" and seen[1] == "2606.00002: missing title"


def test_deleted_record_hides_a_known_paper():
    upsert_records([rec()])
    stats = upsert_records([PaperRecord(arxiv_id="2606.00001", title="", deleted=True),
                            PaperRecord(arxiv_id="2606.00077", title="", deleted=True)])
    assert (stats.updated, stats.unchanged, stats.new) == (1, 1, 0)
    assert Paper.objects.get().hidden is True


def test_crash_mid_ingest_then_rerun_has_no_duplicates_or_losses():
    records = [rec(f"2606.{n:05d}", authors=[f"Author {n}", "Shared Person"]) for n in range(1, 26)]

    def crashing():
        for n, record in enumerate(records):
            if n == 17:
                raise RuntimeError("power cut")
            yield record

    with pytest.raises(RuntimeError):
        upsert_records(crashing(), batch_size=5)
    assert Paper.objects.count() == 15  # three committed batches; the one in flight is lost
    stats = upsert_records(records, batch_size=5)
    assert (stats.new, stats.unchanged, stats.updated) == (10, 15, 0)
    assert Paper.objects.count() == 25
    assert Authorship.objects.count() == 50
    assert Author.objects.filter(key="shared-person").count() == 1


def test_progress_reports_each_batch():
    calls = []
    upsert_records([rec(f"2606.{n:05d}") for n in range(1, 8)], batch_size=3, progress=calls.append)
    assert calls == [3, 3, 1]


def test_repeated_author_on_one_paper_gets_one_authorship():
    upsert_records([rec(authors=["Ada Lovelace", "ada  lovelace", "Alan Turing"])])
    assert Authorship.objects.count() == 2
    assert Paper.objects.get().authors == ["Ada Lovelace", "ada  lovelace", "Alan Turing"]


def test_code_links_from_comment_and_versions_accumulate():
    upsert_records([rec(comment="Project page: https://me.github.io/p", versions=[(1, None)])])
    upsert_records([rec(versions=[(1, T1), (2, None)], version=2)])
    assert sorted(CodeLink.objects.values_list("kind", "source")) == [("github", "abstract"), ("project", "comment")]
    assert list(PaperVersion.objects.values_list("version", "created_at")) == [(1, T1), (2, None)]


def test_prepared_records_write_what_plain_records_write():
    from paperfeed.catalog.merge import PreparedRecord

    records = [rec(f"2606.{n:05d}", comment="https://me.github.io/x", versions=[(1, T1)], version=1) for n in range(1, 4)]
    prepared = [PreparedRecord.of(r) for r in records]
    assert upsert_records([*prepared, prepared[0]]).new == 3
    hashes = dict(Paper.objects.values_list("arxiv_id", "content_hash"))
    again = upsert_records(records)
    assert again.unchanged == 3
    Paper.objects.all().delete()
    upsert_records(records)
    assert dict(Paper.objects.values_list("arxiv_id", "content_hash")) == hashes
