"""PostgreSQL full-text keyword backend: triggers, stemming, weights, BM25 scores, safety."""

from __future__ import annotations

import pytest
from django.db import connection

from paperfeed.catalog.models import Paper
from paperfeed.search.keyword import get_keyword_index
from paperfeed.search.postgres.backends import PgKeywordIndex
from paperfeed.search.postgres.ddl import DOC_TABLE, fold
from paperfeed.search.postgres.replica import ReplicaKeywordIndex
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


def _ids(pairs):
    return [pid for pid, _ in pairs]


def _doc_ids() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT paper_id FROM {DOC_TABLE}")
        return {r[0] for r in cursor.fetchall()}


def test_settings_choose_the_replica_which_postgres_serves_for_small_catalogues():
    from django.conf import settings

    index = get_keyword_index()
    assert isinstance(index, ReplicaKeywordIndex) and isinstance(index.active, PgKeywordIndex)
    assert settings.LIVE_VECTOR_INDEX.endswith("ReplicaVectorIndex")


def test_triggers_follow_insert_update_delete():
    index = PgKeywordIndex()
    paper = make_paper(title="Quantum tomography of qubits", authors=["José Müller", "Ada Lovelace"])
    assert _ids(index.search("tomography")) == [paper.id]
    assert _ids(index.search("muller")) == [paper.id]  # diacritics folded on both sides
    assert _ids(index.search("Müller")) == [paper.id]

    paper.title = "Photonic lattices"
    paper.save()
    assert index.search("tomography") == []
    assert _ids(index.search("photonic")) == [paper.id]

    Paper.objects.filter(pk=paper.pk).update(vote_count=5)  # unrelated column: row untouched
    assert _ids(index.search("lattices")) == [paper.id]

    paper.delete()
    assert index.search("photonic") == []
    assert paper.id not in _doc_ids()


def test_stemming_and_title_weight():
    index = PgKeywordIndex()
    in_title = make_paper(title="Graph networks", abstract="We study something else entirely here.")
    in_body = make_paper(title="Another study", abstract="Networks on a graph are studied here at length.")
    for n in range(4):  # enough other papers that the terms have a positive IDF
        make_paper(title=f"Unrelated {n}", abstract="Nothing to see.")
    assert _ids(index.search("graph network")) == [in_title.id, in_body.id]
    assert _ids(index.search("studies")) == [in_body.id, in_title.id]  # "study" in its title ranks first


def test_rare_terms_outweigh_common_ones():
    index = PgKeywordIndex()
    rare = make_paper(title="Diffusion for proteins", abstract="A model.")
    common = [make_paper(title=f"Model {n}", abstract="A model of models, with a model.") for n in range(8)]
    ranked = _ids(index.search("protein model"))
    assert ranked[0] == rare.id
    assert set(ranked) == {rare.id, *(p.id for p in common)}
    scores = [s for _, s in index.search("protein model")]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)


def test_authors_are_searchable():
    paper = make_paper(title="Some title", authors=["Grace Hopper"])
    make_paper(title="Other title", authors=["Alan Turing"])
    assert _ids(PgKeywordIndex().search("hopper")) == [paper.id]


def test_where_sql_restricts_candidates():
    a = make_paper(title="Robot grasping", primary_category="cs.RO", categories=["cs.RO"])
    make_paper(title="Robot learning", primary_category="cs.LG", categories=["cs.LG"])
    sql, params = Paper.objects.filter(primary_category="cs.RO").values("id").query.sql_with_params()
    assert _ids(PgKeywordIndex().search("robot", where_sql=sql, where_params=params)) == [a.id]


@pytest.mark.parametrize(
    "query",
    ["", "   ", "'", "\\", "a & b | !c", "foo:* <-> bar", "(((", "'; DROP TABLE catalog_paper; --",
     "nul\x00byte", "😀", "the of and", "x" * 5000, "e-mail co-operation", "catalog_paper", "שלום", "2406.07550"],
)
def test_any_query_is_safe(query):
    make_paper(title="Email cooperation in 2406.07550 and catalog paper")
    result = PgKeywordIndex().search(query)
    assert isinstance(result, list)
    assert Paper.objects.exists()


def test_limit_and_order_are_deterministic():
    papers = [make_paper(title="Identical words", abstract="Same text.") for _ in range(5)]
    result = PgKeywordIndex().search("identical", limit=3)
    assert _ids(result) == sorted(p.id for p in papers)[:3]
    assert PgKeywordIndex().search("identical", limit=0) == []


def test_rebuild_restores_a_damaged_index(capsys):
    from django.core.management import call_command

    paper = make_paper(title="Sparse attention kernels")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DOC_TABLE}")
    index = PgKeywordIndex()
    assert index.search("sparse") == []
    assert index.rebuild() == Paper.objects.count()
    assert _ids(index.search("sparse")) == [paper.id]
    new = make_paper(title="Sparse mixtures")  # triggers still in place
    assert set(_ids(index.search("sparse"))) == {paper.id, new.id}
    call_command("reindex")
    assert f"Keyword index rebuilt: {Paper.objects.count()} papers" in capsys.readouterr().out


def test_fold_matches_sql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_pg_fold(%s)", ["Ångström Ÿves ÇÉÑ straße"])
        assert cursor.fetchone()[0] == fold("Ångström Ÿves ÇÉÑ straße") == "angstrom yves cen strase"


def test_score_uses_the_search_scale():
    papers = [make_paper(title=f"Graph paper {n}", abstract="Graph networks.") for n in range(3)]
    other = make_paper(title="Unrelated", abstract="Nothing here.")
    index = PgKeywordIndex()
    found = dict(index.search("graph networks"))
    scored = index.score("graph networks", [p.id for p in papers] + [other.id])
    assert set(scored) == {p.id for p in papers}  # a paper without the words gets no score
    assert all(scored[pid] == pytest.approx(found[pid]) for pid in scored)
    assert index.score("graph", []) == {} and index.score("", [other.id]) == {}


def test_pruned_candidates_and_statistics_give_the_same_top_results(monkeypatch):
    from paperfeed.search.postgres import backends

    rare = make_paper(title="Photonic model", abstract="A model of photonic lattices.")
    for n in range(30):
        make_paper(title=f"Model {n}", abstract="A model of models.")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {DOC_TABLE}")  # frequent words' shares now come from pg_stats
    index = PgKeywordIndex()
    full = index.search("photonic model lattices", limit=5)
    PgKeywordIndex.forget_stats()
    monkeypatch.setattr(backends, "PRUNE_POSTINGS", 2)  # candidates from the rarest word only
    pruned = index.search("photonic model lattices", limit=5)
    assert pruned[0][0] == full[0][0] == rare.id
    assert pruned[0][1] == pytest.approx(full[0][1], rel=0.05)
