"""The default SQLite keyword backend: FTS5 below the size threshold, tantivy above once synced."""

from __future__ import annotations

import pytest
from django.db import connection

from paperfeed.search.keyword import auto, get_keyword_index
from paperfeed.search.keyword.auto import AutoKeywordIndex
from paperfeed.search.keyword.fts5 import FTS_TRIGGERS, Fts5KeywordIndex, ensure_fts, fts_retired
from paperfeed.search.keyword.tantivy import TantivyKeywordIndex
from paperfeed.search.services import search
from tests.factories import make_paper

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite default (PostgreSQL has its own backend)"),
]


@pytest.fixture(autouse=True)
def fresh(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.KEYWORD_BACKEND = ""
    auto.forget()
    yield
    auto.forget()


def test_default_backend_is_auto_and_small_catalogues_use_fts5():
    make_paper(title="Graph networks for molecules")
    index = get_keyword_index()
    assert isinstance(index, AutoKeywordIndex)
    assert isinstance(index.active, Fts5KeywordIndex)
    assert index.sync()["skipped"].startswith("1 papers")
    assert [pid for pid, _ in index.search("graph")]  # FTS5 finds it at once, no sync needed


def test_past_the_threshold_tantivy_serves_once_it_is_synced(settings):
    settings.KEYWORD_TANTIVY_THRESHOLD = 2
    a = make_paper(title="Graph networks for molecules")
    b = make_paper(title="Quantum tomography of qubits")
    index = get_keyword_index()
    assert isinstance(index.active, Fts5KeywordIndex)  # tantivy not built yet: FTS5 keeps serving
    assert index.sync() == {"rebuilt": 2, "fts5 retired": 1}
    auto.forget()
    index = AutoKeywordIndex()
    assert isinstance(index.active, TantivyKeywordIndex)
    assert [pid for pid, _ in index.search("qubits")] == [b.id]
    assert set(index.score("graph qubits", [a.id, b.id])) == {a.id, b.id}
    # The page goes through the same backend, filters and all.
    assert [h.paper.id for h in search(query="graph molecules").hits][:1] == [a.id]


def test_a_lagging_index_still_serves_and_the_next_sync_catches_up(settings):
    settings.KEYWORD_TANTIVY_THRESHOLD = 2
    for n in range(2):
        make_paper(title=f"Paper number {n}")
    AutoKeywordIndex().sync()
    late = make_paper(title="Tardigrades in orbit")
    auto.forget()
    index = AutoKeywordIndex()
    assert isinstance(index.active, TantivyKeywordIndex)
    assert index.search("tardigrades") == []  # not yet: the worker syncs every EMBED_INTERVAL_SECONDS
    assert index.sync()["indexed"] == 1
    assert [pid for pid, _ in AutoKeywordIndex().search("tardigrades")] == [late.id]


def test_rebuild_rebuilds_tantivy_only_past_the_threshold(settings):
    make_paper(title="Graph networks")
    assert AutoKeywordIndex().rebuild() == 1
    assert TantivyKeywordIndex().num_docs() == 0
    settings.KEYWORD_TANTIVY_THRESHOLD = 1
    assert AutoKeywordIndex().rebuild() == 1
    assert TantivyKeywordIndex().num_docs() == 1


def _trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {row[0] for row in cursor.fetchall()}


def test_once_tantivy_serves_fts5_is_retired_and_comes_back_under_the_threshold(settings):
    settings.KEYWORD_TANTIVY_THRESHOLD = 2
    a = make_paper(title="Graph networks for molecules")
    make_paper(title="Quantum tomography of qubits")
    assert AutoKeywordIndex().sync() == {"rebuilt": 2, "fts5 retired": 1}
    assert fts_retired() and not set(FTS_TRIGGERS) & _trigger_names()
    assert "search_embedding_stale" in _trigger_names()  # stale vectors are still dropped on edits
    assert Fts5KeywordIndex().search("graph") == []  # emptied: one keyword index on disk, not two
    late = make_paper(title="Tardigrades in orbit")  # no FTS5 work at insert any more
    index = AutoKeywordIndex()
    assert isinstance(index.active, TantivyKeywordIndex)
    assert index.sync() == {"indexed": 1, "removed": 0}
    assert [pid for pid, _ in AutoKeywordIndex().search("tardigrades")] == [late.id]
    # Back under the threshold: the next sync rebuilds FTS5 with its triggers, and it serves again.
    settings.KEYWORD_TANTIVY_THRESHOLD = 1000
    auto.forget()
    assert AutoKeywordIndex().sync() == {"fts5 restored": 3}
    assert not fts_retired() and set(FTS_TRIGGERS) <= _trigger_names()
    index = AutoKeywordIndex()
    assert isinstance(index.active, Fts5KeywordIndex)
    assert [pid for pid, _ in index.search("molecules")] == [a.id]


def test_a_process_that_still_chose_fts5_switches_when_it_finds_fts5_retired(settings):
    settings.KEYWORD_TANTIVY_THRESHOLD = 2
    make_paper(title="Graph networks")
    make_paper(title="Quantum qubits")
    assert isinstance(AutoKeywordIndex().active, Fts5KeywordIndex)  # cached: tantivy not ready
    AutoKeywordIndex().sync()  # the worker builds tantivy and retires FTS5
    assert isinstance(AutoKeywordIndex().active, TantivyKeywordIndex)  # despite the 30 s cache


def test_migrate_keeps_a_retired_fts5_retired_but_restores_the_embedding_trigger(settings):
    settings.KEYWORD_TANTIVY_THRESHOLD = 1
    make_paper(title="Graph networks")
    AutoKeywordIndex().rebuild()
    assert fts_retired()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER search_embedding_stale")  # as a catalog table rebuild would
    ensure_fts()
    assert fts_retired() and not set(FTS_TRIGGERS) & _trigger_names()
    assert "search_embedding_stale" in _trigger_names()
