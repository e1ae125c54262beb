"""The FTS5 index kept in step by triggers (real SQLite); its MATCH expressions."""

from __future__ import annotations

import pytest
from django.db import connection

from paperfeed.catalog.models import Paper
from paperfeed.search.keyword.fts5 import FTS_TABLE, Fts5KeywordIndex, fts_match
from tests.factories import make_paper

# FTS5 exists only on SQLite; PostgreSQL's backend has its own tests in tests/search/postgres/.
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 backend: SQLite only")


def test_fts_match_quotes_every_term():
    assert fts_match(["near", "a"]) == '"near" OR "a"'


def _fts_rows() -> dict[int, tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT rowid, title, abstract, authors FROM {FTS_TABLE}")
        return {r[0]: tuple(r[1:]) for r in cursor.fetchall()}


@sqlite_only
@pytest.mark.django_db
def test_triggers_follow_insert_update_delete():
    index = Fts5KeywordIndex()
    paper = make_paper(title="Quantum tomography of qubits", authors=["José Müller", "Ada Lovelace"])
    assert _fts_rows()[paper.id][2] == "José Müller, Ada Lovelace"
    assert [pid for pid, _ in index.search("tomography")] == [paper.id]
    assert [pid for pid, _ in index.search("muller")] == [paper.id]  # diacritics folded

    paper.title = "Photonic lattices"
    paper.save()
    assert index.search("tomography") == []
    assert [pid for pid, _ in index.search("photonic")] == [paper.id]

    Paper.objects.filter(pk=paper.pk).update(vote_count=5)  # unrelated column: row untouched
    assert [pid for pid, _ in index.search("lattices")] == [paper.id]

    paper.delete()
    assert index.search("photonic") == []
    assert paper.id not in _fts_rows()


@sqlite_only
@pytest.mark.django_db
def test_porter_stemming_and_title_weight():
    index = Fts5KeywordIndex()
    in_title = make_paper(title="Graph networks", abstract="We study something else entirely here.")
    in_body = make_paper(title="Another study", abstract="Networks on a graph are studied here at length.")
    ranked = [pid for pid, _ in index.search("graph network")]
    assert ranked == [in_title.id, in_body.id]


@sqlite_only
@pytest.mark.django_db
def test_rebuild_restores_a_damaged_index():
    paper = make_paper(title="Sparse attention kernels")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE}")
    index = Fts5KeywordIndex()
    assert index.search("sparse") == []
    assert index.rebuild() == Paper.objects.count()
    assert [pid for pid, _ in index.search("sparse")] == [paper.id]
    # Triggers are back after a rebuild.
    new = make_paper(title="Sparse mixtures")
    assert {pid for pid, _ in index.search("sparse")} == {paper.id, new.id}


@sqlite_only
@pytest.mark.django_db
def test_where_sql_restricts_candidates():
    a = make_paper(title="Robot grasping", primary_category="cs.RO", categories=["cs.RO"])
    make_paper(title="Robot learning", primary_category="cs.LG", categories=["cs.LG"])
    sql, params = Paper.objects.filter(primary_category="cs.RO").values("id").query.sql_with_params()
    assert [pid for pid, _ in Fts5KeywordIndex().search("robot", where_sql=sql, where_params=params)] == [a.id]


@pytest.mark.django_db
def test_reindex_command(capsys):
    from django.core.management import call_command

    make_paper(title="Indexed paper")
    call_command("reindex")
    assert "Keyword index rebuilt: 1 papers" in capsys.readouterr().out
