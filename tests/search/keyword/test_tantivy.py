"""The tantivy keyword backend: search, score, rebuild, sync, filters, staleness, robustness."""

from __future__ import annotations

import shutil
import threading

import pytest
import tantivy
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from paperfeed.catalog.models import Paper
from paperfeed.search.keyword import tantivy as tantivy_index
from paperfeed.search.keyword.tantivy import TantivyKeywordIndex, WriterBusy, _Handle, _open
from paperfeed.search.services import SearchFilters, sync_keyword_index
from tests.factories import make_paper
from tests.search.evaluation.test_eval import make_beir

pytestmark = pytest.mark.django_db


def _ids(pairs: list[tuple[int, float]]) -> list[int]:
    return [pid for pid, _ in pairs]


def _where(filters: SearchFilters) -> tuple[str, tuple]:
    sql, params = filters.queryset().values("id").query.sql_with_params()
    return sql, tuple(params)


@pytest.fixture
def index(tmp_path) -> TantivyKeywordIndex:
    return TantivyKeywordIndex(path=tmp_path / "tantivy")


@pytest.fixture
def built(index) -> tuple[TantivyKeywordIndex, dict[str, Paper]]:
    papers = {
        "graph": make_paper(title="Graph networks", abstract="We study something else entirely here.",
                            authors=["José Müller"]),
        "body": make_paper(title="Another study", abstract="Networks on a graph are studied here at length."),
        "quantum": make_paper(title="Quantum tomography of qubits", abstract="Photonic lattices.",
                              categories=["quant-ph"]),
    }
    assert index.rebuild() == 3
    return index, papers


def test_no_index_yet_finds_nothing(index):
    assert index.search("graph") == []
    assert index.score("graph", [1, 2]) == {}


def test_search_stems_folds_accents_and_weights_titles(built):
    index, papers = built
    assert _ids(index.search("graph network")) == [papers["graph"].id, papers["body"].id]
    assert _ids(index.search("studies")) == [papers["body"].id, papers["graph"].id]  # title first
    assert _ids(index.search("muller")) == [papers["graph"].id]
    assert _ids(index.search("tomography", limit=1)) == [papers["quantum"].id]
    assert index.search("tomography", limit=0) == []
    assert index.search("zzzunknown") == []


def test_score_matches_search_scores(built):
    index, papers = built
    ranked = dict(index.search("graph networks studied"))
    scores = index.score("graph networks studied", [papers["body"].id, papers["quantum"].id, papers["graph"].id])
    assert scores == pytest.approx({pid: ranked[pid] for pid in (papers["body"].id, papers["graph"].id)})
    assert index.score("graph", []) == {}
    assert index.score("", [papers["graph"].id]) == {}


def test_score_is_the_same_by_id_lookups_and_by_one_term_set(built, monkeypatch):
    index, papers = built
    ids = [p.id for p in papers.values()] + [10**9, 10**9 + 1]  # ids not in the index match nothing
    by_lookups = index.score("graph networks studied quantum", ids)
    monkeypatch.setattr(tantivy_index, "ID_TERMS_MAX", 1)
    assert index.score("graph networks studied quantum", ids) == by_lookups
    assert set(by_lookups) == {p.id for p in papers.values()}


def test_filters_and_hidden_are_applied_by_the_database(built):
    index, papers = built
    where = _where(SearchFilters(category="quant-ph"))
    assert _ids(index.search("graph tomography", where_sql=where[0], where_params=where[1])) == [papers["quantum"].id]
    Paper.objects.filter(pk=papers["graph"].pk).update(hidden=True)  # no sync: the index is stale
    where = _where(SearchFilters())
    assert _ids(index.search("graph", where_sql=where[0], where_params=where[1])) == [papers["body"].id]


def test_deleted_paper_is_never_returned_even_before_sync(built):
    index, papers = built
    papers["graph"].delete()
    assert _ids(index.search("graph")) == [papers["body"].id]
    assert index.sync(reconcile=False) == {"indexed": 0, "removed": 0}  # no count: left for now, still never returned
    assert _ids(index.search("graph")) == [papers["body"].id]
    assert index.sync() == {"indexed": 0, "removed": 1}
    assert index.sync() == {"indexed": 0, "removed": 0}


def test_selective_filter_beyond_the_overfetch(index, monkeypatch):
    monkeypatch.setattr(tantivy_index, "OVERFETCH", (1, 2))
    common = [make_paper(title=f"Diffusion diffusion {n}") for n in range(6)]
    rare = make_paper(title="Diffusion", abstract="rare", categories=["math.AP"])
    index.rebuild()
    where = _where(SearchFilters(category="math.AP"))
    assert _ids(index.search("diffusion", limit=1, where_sql=where[0], where_params=where[1])) == [rare.id]
    assert len(index.search("diffusion", limit=3)) == 3 and common


def test_a_filter_that_drops_the_first_hits_escalates_to_the_same_answer(index):
    [make_paper(title=f"Diffusion diffusion diffusion {n}") for n in range(8)]  # best hits, filtered out
    rare = {make_paper(title=f"Diffusion {n}", abstract="rare", categories=["math.AP"]).id for n in range(4)}
    index.rebuild()
    where = _where(SearchFilters(category="math.AP"))
    found = index.search("diffusion", limit=4, where_sql=where[0], where_params=where[1])
    assert set(_ids(found)) == rare  # 1.25 × 4 = 5 hits kept none of them; 4 × 4 = 16 kept all four


def test_sync_picks_up_inserts_edits_and_deletions(built):
    index, papers = built
    assert index.sync() == {"indexed": 0, "removed": 0}  # the overlap re-scan re-adds nothing unchanged
    new = make_paper(title="Sparse autoencoders", abstract="Dictionary learning.")
    assert index.search("autoencoders") == []  # not yet synced
    papers["quantum"].title = "Superconducting circuits"
    papers["quantum"].save()
    papers["body"].delete()
    assert index.sync() == {"indexed": 2, "removed": 1}
    assert _ids(index.search("autoencoders")) == [new.id]
    assert _ids(index.search("superconducting")) == [papers["quantum"].id]
    assert index.search("tomography") == []
    assert _open(index.path).index.searcher().num_docs == 3


def test_sync_builds_a_missing_index_and_skips_while_locked(index):
    paper = make_paper(title="Mixture of experts")
    assert index.sync() == {"rebuilt": 1}
    writer = _open(index.path).writer()  # as if another process were writing
    try:
        assert index.sync() == {"skipped": "another process is writing the keyword index"}
        with pytest.raises(WriterBusy):
            index.rebuild(wait_seconds=0)
    finally:
        writer.wait_merging_threads()
    assert _ids(index.search("experts")) == [paper.id]


def test_another_process_sees_commits_within_the_reload_interval(built, monkeypatch):
    index, _papers = built
    opened = tantivy.Index.open(str(index.path))  # what a web process holds: its own reader
    opened.register_tokenizer(tantivy_index.TOKENIZER, tantivy_index.analyzer())
    opened.config_reader(reload_policy="Manual")
    other = _Handle(opened, index.path)
    query = index._query(other, "kolmogorov")
    make_paper(title="Kolmogorov Arnold networks")
    index.sync()
    monkeypatch.setattr(tantivy_index, "RELOAD_SECONDS", 3600.0)
    assert TantivyKeywordIndex._top(other, query, 10) == []  # not reloaded yet
    monkeypatch.setattr(tantivy_index, "RELOAD_SECONDS", 0.0)
    assert len(TantivyKeywordIndex._top(other, query, 10)) == 1


def test_concurrent_reader_while_writer_commits(index):
    for n in range(50):
        make_paper(title=f"Reinforcement learning {n}")
    index.rebuild()
    handle = _open(index.path)
    query = index._query(handle, "reinforcement learning")
    errors: list[BaseException] = []
    counts: list[int] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                counts.append(len(TantivyKeywordIndex._top(handle, query, 100)))
                handle.reload()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=read)
    thread.start()
    writer = handle.writer()
    try:
        for n in range(5):
            for pid in range(1, 20):
                writer.delete_documents_by_term("id", pid)
            writer.commit()
    finally:
        writer.wait_merging_threads()
        stop.set()
        thread.join()
    assert not errors and counts and all(c <= 50 for c in counts)


def test_scratch_index_skips_the_database(tmp_path):
    docs = [(0, "Graph networks", "about graphs", ""), (1, "Protein folding", "structures", "Ada")]
    scratch = TantivyKeywordIndex.scratch(tmp_path / "s", docs)
    assert _ids(scratch.search("graph")) == [0]
    assert _ids(scratch.search("ada")) == [1]
    assert set(scratch.score("graph folding", [0, 1])) == {0, 1}
    with pytest.raises(ValueError):
        scratch.search("graph", where_sql="SELECT 1")
    again = TantivyKeywordIndex.scratch(tmp_path / "s", docs[:1])  # rebuilt in place
    assert _ids(again.search("protein")) == []
    tantivy_index._forget(tmp_path / "s")
    assert _ids(TantivyKeywordIndex.scratch(tmp_path / "s", None).search("graph")) == [0]  # reopened
    with pytest.raises(FileNotFoundError):
        TantivyKeywordIndex.scratch(tmp_path / "none", None)


def test_rebuild_and_reindex_command_use_the_backend(settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    settings.KEYWORD_BACKEND = "paperfeed.search.keyword.tantivy.TantivyKeywordIndex"
    paper = make_paper(title="Neural radiance fields")
    call_command("reindex")
    assert "1 papers" in capsys.readouterr().out
    assert _ids(TantivyKeywordIndex().search("radiance")) == [paper.id]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="checked once, on the default database")
@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
       | st.lists(st.sampled_from(['"', "AND", "OR", "NOT", "NEAR", "*", "^", ":", "(", ")", "-", "'", "x"]),
                  max_size=20).map(" ".join))
def test_any_query_is_handled(built, query):
    index, papers = built
    assert isinstance(index.search(query, limit=5), list)
    assert isinstance(index.score(query, [p.id for p in papers.values()]), dict)


def test_the_service_the_worker_calls_syncs_the_keyword_index(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.KEYWORD_BACKEND = "paperfeed.search.keyword.tantivy.TantivyKeywordIndex"
    first = make_paper(title="Speculative decoding")
    assert sync_keyword_index() == {"rebuilt": 1}
    second = make_paper(title="Speculative sampling")
    assert sync_keyword_index() == {"indexed": 1, "removed": 0}
    assert sorted(_ids(TantivyKeywordIndex().search("speculative"))) == sorted([first.id, second.id])


def test_a_deleted_folder_is_not_an_error(built, monkeypatch):
    index, _papers = built
    monkeypatch.setattr(tantivy_index, "RELOAD_SECONDS", 0.0)
    shutil.rmtree(index.path)
    index.search("graph")  # the open index keeps its files until reloaded; must not raise
    assert index.search("graph") == []
    assert index.sync() == {"rebuilt": 3}
    assert len(index.search("graph")) == 2


def test_eval_command_runs_either_backend(tmp_path, settings, capsys):
    settings.DATA_DIR = tmp_path
    root = make_beir(tmp_path / "tiny")
    for flag, expected in ((["--keyword", "tantivy"], "tantivy"), ([], "fts5")):
        call_command("eval", "beir", str(root), *flag)
        out = capsys.readouterr().out
        assert f"keyword backend {expected}" in out
        keyword_line = next(line for line in out.splitlines() if line.startswith("keyword only"))
        assert float(keyword_line.split()[-2]) == pytest.approx(1.0)
    settings.KEYWORD_BACKEND = "paperfeed.search.keyword.tantivy.TantivyKeywordIndex"
    call_command("eval", "beir", str(root))
    assert "keyword backend tantivy" in capsys.readouterr().out
