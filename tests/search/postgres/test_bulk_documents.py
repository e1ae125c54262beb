"""Keyword documents of new papers: one set-based statement trigger, deferred during a bulk load
(``upsert_records(bulk=True)``, ``paperfeed ingest``) to the ``papers_ingested(final=True)`` fill."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from paperfeed.catalog.ingest import BULK_LOAD_SETTING, upsert_records
from paperfeed.catalog.models import Paper
from paperfeed.catalog.records import PaperRecord
from paperfeed.catalog.signals import announce_ingested
from paperfeed.search.postgres import ddl
from paperfeed.search.postgres.backends import PgKeywordIndex
from paperfeed.search.postgres.ddl import DOC_TABLE, PENDING_TABLE, fill_missing, unindexed
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


def _docs() -> dict[int, tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT paper_id, document::text, doclen FROM {DOC_TABLE}")
        return {pid: (doc, n) for pid, doc, n in cursor.fetchall()}


def _pending() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {PENDING_TABLE}")
        return cursor.fetchone()[0]


def _records(count: int, *, start: int = 0) -> list[PaperRecord]:
    return [
        PaperRecord(arxiv_id=f"2607.{n:05d}", title=f"Tomography of qubit arrays {n}", abstract=f"Résumé {n}: qubits.",
                    authors=["José Müller", f"Author {n}"], categories=["quant-ph"], listing_date=dt.date(2026, 7, 1))
        for n in range(start, start + count)
    ]


def test_one_statement_indexes_many_papers_like_single_inserts():
    single = make_paper(title="Tomography of qubit arrays", abstract="Résumé: qubits.", authors=["José Müller"])
    upsert_records(_records(5), batch_size=3)  # two COPY statements, one trigger call each
    docs = _docs()
    assert set(docs) == set(Paper.objects.values_list("id", flat=True))
    assert docs[single.id][1] > 0
    assert PgKeywordIndex().search("muller") and len(PgKeywordIndex().search("tomography")) == 6


def test_a_bulk_load_defers_documents_to_the_final_announcement():
    stats = upsert_records(_records(7), batch_size=3, bulk=True)
    assert stats.new == 7
    assert _docs() == {} and _pending() == 3  # one pending id range per batch
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting(%s, true)", [BULK_LOAD_SETTING])
        assert cursor.fetchone()[0] in ("", None)  # the session is back to normal
    lines = announce_ingested(sender=test_a_bulk_load_defers_documents_to_the_final_announcement, count=7, final=True)
    assert any("7 papers indexed after the bulk load" in line for line in lines)
    assert len(_docs()) == 7 and _pending() == 0
    assert len(PgKeywordIndex().search("qubit tomography")) == 7


def test_deferred_documents_equal_the_trigger_built_ones():
    upsert_records(_records(4), bulk=False)
    direct = {Paper.objects.get(pk=pid).arxiv_id: doc for pid, doc in _docs().items()}
    Paper.objects.all().delete()
    upsert_records(_records(4), bulk=True)
    with connection.cursor() as cursor:
        assert fill_missing(cursor) == 4
        assert fill_missing(cursor) == 0  # nothing pending any more
    assert {Paper.objects.get(pk=pid).arxiv_id: doc for pid, doc in _docs().items()} == direct


def test_edits_during_a_bulk_load_still_update_documents_row_by_row():
    paper = make_paper(title="Old title")
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, 'on', false)", [BULK_LOAD_SETTING])
    try:
        Paper.objects.filter(pk=paper.pk).update(title="Brand new holography")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, '', false)", [BULK_LOAD_SETTING])
    assert [pid for pid, _ in PgKeywordIndex().search("holography")] == [paper.id]


def test_ingest_command_leaves_every_paper_findable(tmp_path):
    path = tmp_path / "papers.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        for n in range(5):
            handle.write(json.dumps({"id": f"2606.{n:05d}", "title": f"Holography paper {n}", "summary": "Abstract.",
                                     "authors": ["Ada Lovelace"], "categories": ["hep-th"], "comment": None}) + "\n")
    out = io.StringIO()
    call_command("ingest", str(path), "--no-progress", "--batch-size", "2", stdout=out, stderr=io.StringIO())
    assert "5 papers indexed after the bulk load" in out.getvalue()
    assert len(PgKeywordIndex().search("holography")) == 5 and _pending() == 0


def test_unindexed_counts_what_a_bulk_load_left_until_the_fill():
    upsert_records(_records(4), bulk=True)
    with connection.cursor() as cursor:
        assert unindexed(cursor) == 4
        fill_missing(cursor)
        assert unindexed(cursor) == 0


@pytest.mark.django_db(transaction=True)
def test_a_parallel_fill_builds_the_same_documents(monkeypatch):
    monkeypatch.setattr(ddl, "FILL_WINDOW", 2)  # 7 papers: four windows for two workers
    upsert_records(_records(7), bulk=False)
    direct = {Paper.objects.get(pk=pid).arxiv_id: doc for pid, doc in _docs().items()}
    Paper.objects.all().delete()
    upsert_records(_records(7), bulk=True)
    with connection.cursor() as cursor:
        assert fill_missing(cursor, workers=2) == 7
        assert unindexed(cursor) == 0 and _pending() == 0
    assert {Paper.objects.get(pk=pid).arxiv_id: doc for pid, doc in _docs().items()} == direct
