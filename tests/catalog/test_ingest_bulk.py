"""``upsert_records(bulk=True)`` (what ``paperfeed ingest`` runs) writes what a normal upsert writes,
on either database; on PostgreSQL the batches go in by COPY and column arrays."""

import datetime as dt

import pytest
from django.db import connection

from paperfeed.catalog.ingest import BULK_LOAD_SETTING, upsert_records
from paperfeed.catalog.models import Author, Authorship, CodeLink, Paper, PaperVersion
from paperfeed.catalog.records import PaperRecord

pytestmark = pytest.mark.django_db

T1 = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def records(start: int = 0) -> list[PaperRecord]:
    return [
        PaperRecord(arxiv_id=f"2606.{n:05d}", title=f"Paper {n} «ünïcode»", abstract=f"Code: https://github.com/org/r{n % 3}.",
                    authors=["Ada Lovelace", f"Author {n % 4}", "Ada Lovelace"], categories=["cs.LG", "cs.AI"],
                    version=2, versions=[(1, T1), (2, None)], submitted_at=T1, listing_date=dt.date(2026, 6, 2),
                    comment="10 pages\ttabs\\backslash\nnewline", imported_upvotes=n)
        for n in range(start, start + 9)
    ]


def snapshot() -> dict:
    """Everything the ingest wrote, keyed by arXiv id (primary keys differ between runs)."""
    arxiv = dict(Paper.objects.values_list("id", "arxiv_id"))
    return {
        "papers": sorted(Paper.objects.values_list("arxiv_id", "title", "abstract", "authors", "categories", "primary_category",
                                                  "version", "submitted_at", "listing_date", "comment", "imported_upvotes",
                                                  "hidden", "content_hash")),
        "authorships": sorted((arxiv[p], key, pos) for p, key, pos in
                              Authorship.objects.values_list("paper_id", "author__key", "position")),
        "versions": sorted((arxiv[p], v, c) for p, v, c in PaperVersion.objects.values_list("paper_id", "version", "created_at")),
        "links": sorted((arxiv[p], u, k) for p, u, k in CodeLink.objects.values_list("paper_id", "url", "kind")),
        "authors": sorted(Author.objects.values_list("key", "name")),
    }


def test_bulk_writes_what_a_normal_upsert_writes():
    upsert_records(records(), batch_size=4)
    normal = snapshot()
    for model in (CodeLink, PaperVersion, Authorship, Paper, Author):
        model.objects.all().delete()
    stats = upsert_records(records(), batch_size=4, bulk=True)
    assert (stats.new, stats.skipped) == (9, 0)
    assert snapshot() == normal
    again = upsert_records(records(), batch_size=4, bulk=True)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 9)


def test_bulk_on_top_of_known_authors_and_papers():
    upsert_records(records()[:3])
    stats = upsert_records(records(), batch_size=5, bulk=True)  # known authors are kept, not duplicated
    assert (stats.new, stats.unchanged) == (6, 3)
    assert Author.objects.filter(key="ada-lovelace").count() == 1
    assert Authorship.objects.count() == 9 * 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL session setting")
def test_the_bulk_setting_is_cleared_after_the_load_even_when_it_fails():
    def failing():
        yield from records()[:2]
        raise RuntimeError("source broke")

    with pytest.raises(RuntimeError):
        upsert_records(failing(), batch_size=1, bulk=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [BULK_LOAD_SETTING])
        assert cursor.fetchone()[0] in ("", None)


def test_no_prefix_index_beside_the_unique_arxiv_id_and_author_key():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's varchar_pattern_ops indexes")
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexdef FROM pg_indexes WHERE tablename IN ('catalog_paper', 'catalog_author')")
        rows = cursor.fetchall()
    assert not [d for t, d in rows if "varchar_pattern_ops" in d and ("(arxiv_id " in d or "(key " in d)]
    assert any("UNIQUE" in d and "(arxiv_id)" in d for _, d in rows)  # the unique index stays
    assert any("UNIQUE" in d and "(key)" in d for _, d in rows)
