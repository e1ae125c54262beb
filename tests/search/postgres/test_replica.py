"""The local search replica (tantivy + a saved usearch graph on this host), kept in step from PostgreSQL."""

from __future__ import annotations

import fcntl

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from paperfeed.catalog.signals import announce_ingested
from paperfeed.search.embedding import get_embedder
from paperfeed.search.keyword import get_keyword_index
from paperfeed.search.models import PaperEmbedding
from paperfeed.search.postgres import replica
from paperfeed.search.postgres.backends import PgKeywordIndex
from paperfeed.search import vectorgraph
from paperfeed.search.services import embed_pending, search
from paperfeed.search.vectors import get_live_index, reset_live_indexes
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def host(settings, tmp_path):
    """A web host of its own (DATA_DIR), a replica from the first paper on, no inline sync unless asked."""
    settings.DATA_DIR = str(tmp_path)
    settings.KEYWORD_TANTIVY_THRESHOLD = 0
    settings.SEARCH_REPLICA_SYNC_SECONDS = 0
    settings.KEYWORD_BACKEND = "paperfeed.search.postgres.replica.ReplicaKeywordIndex"
    settings.LIVE_VECTOR_INDEX = "paperfeed.search.postgres.replica.ReplicaVectorIndex"
    reset_live_indexes()
    replica._state.clear()  # readiness and the inline-sync clock
    yield tmp_path
    reset_live_indexes()
    replica._state.clear()


@pytest.fixture
def corpus(host):
    papers = {
        "diffusion": make_paper(title="Denoising diffusion models for images", abstract="Score-based generative image models."),
        "robots": make_paper(title="Robot grasping with tactile sensing", abstract="Manipulation of objects by robots."),
        "hidden": make_paper(title="Diffusion secrets", abstract="Hidden paper about diffusion.", hidden=True),
    }
    embed_pending()
    return papers


def _live():
    live = get_live_index(get_embedder().name)
    live.refresh(force=True)
    return live


def test_postgres_answers_until_the_host_has_a_replica(corpus):
    assert isinstance(get_keyword_index().active, PgKeywordIndex)
    assert _live()._use_fallback
    assert search(query="diffusion models").hits[0].paper.id == corpus["diffusion"].id


def test_sync_builds_the_replica_and_search_uses_it(corpus):
    result = replica.sync_replica(build=True)
    assert result["rebuilt"] == 3 and result["graph added"] == 3
    replica._forget()
    assert get_keyword_index().active is not None and not isinstance(get_keyword_index().active, PgKeywordIndex)
    assert not _live()._use_fallback and vectorgraph.graph_path(get_embedder().name).is_file()
    results = search(query="diffusion models")
    ids = [h.paper.id for h in results.hits]
    assert ids[0] == corpus["diffusion"].id and corpus["hidden"].id not in ids
    assert results.hits[0].keyword_rank == 1 and results.hits[0].semantic_rank >= 1


def test_new_embeddings_are_found_before_the_graph_is_saved_again(corpus):
    replica.sync_replica(build=True)
    new = make_paper(title="Photonic quantum lattices", abstract="Optics of lattices.")
    embed_pending()
    live = _live()
    assert live.pending() == 1
    vector = PaperEmbedding.objects.get(paper=new).as_array()
    ids, scores = live.search(vector, 2)
    assert ids[0] == new.id and scores[0] == pytest.approx(1.0, abs=1e-3)
    assert set(live.vectors([new.id, corpus["robots"].id])) == {new.id, corpus["robots"].id}


def test_inline_sync_makes_a_new_paper_findable_by_keyword(corpus, settings):
    replica.sync_replica(build=True)
    new = make_paper(title="Photonic quantum lattices", abstract="Optics of lattices.")
    replica._forget()
    assert [h.paper.id for h in search(query="photonic").hits] == []  # this host has not caught up yet
    settings.SEARCH_REPLICA_SYNC_SECONDS = 30
    replica._forget()
    assert [h.paper.id for h in search(query="photonic").hits] == [new.id]


def test_the_inline_sync_leaves_deleted_papers_to_the_worker(corpus, settings):
    replica.sync_replica(build=True)
    corpus["robots"].delete()
    settings.SEARCH_REPLICA_SYNC_SECONDS = 30
    with CaptureQueriesContext(connection) as queries:
        replica._maybe_sync("default", inline=True)
    whole = [q["sql"] for q in queries if "COUNT(*)" in q["sql"].upper() and "WHERE" not in q["sql"].upper()]
    assert whole == []  # no count of the whole catalogue
    assert replica.sync_replica(build=True)["removed"] == 1  # the worker's sync (build) reconciles


def test_graph_save_replaces_re_embedded_and_drops_deleted_papers(corpus, monkeypatch):
    replica.sync_replica(build=True)
    model = get_embedder().name
    PaperEmbedding.objects.filter(paper=corpus["robots"]).delete()
    corpus["hidden"].delete()
    embed_pending()  # robots again, under a new row id
    monkeypatch.setattr(vectorgraph, "GRAPH_BATCH", 1)
    result = replica.sync_replica()
    assert result["graph added"] == 1 and result["graph removed"] == 1
    meta = vectorgraph.read_meta(model)
    assert meta["count"] == 2 and meta["max_id"] == PaperEmbedding.objects.order_by("-id").first().id
    live = _live()
    assert live.pending() == 0
    vector = PaperEmbedding.objects.get(paper=corpus["robots"]).as_array()
    assert live.search(vector, 1)[0].tolist() == [corpus["robots"].id]


def test_small_catalogues_stay_on_postgres(corpus, settings):
    # The size check reads max(id) (an index lookup), and ids keep counting across tests.
    settings.KEYWORD_TANTIVY_THRESHOLD = max(p.id for p in corpus.values()) + 1000
    assert "skipped" in replica.sync_replica(build=True)
    assert not vectorgraph.graph_path(get_embedder().name).exists()
    assert isinstance(get_keyword_index().active, PgKeywordIndex)


def test_one_syncer_per_host(corpus):
    replica.folder().mkdir(parents=True, exist_ok=True)
    with open(replica.folder() / "sync.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert "skipped" in replica.sync_replica(build=True)
    assert np.isfinite(replica.sync_replica(build=True)["rebuilt"])


@pytest.mark.django_db(transaction=True)
def test_a_new_host_builds_its_replica_in_the_background_while_postgres_answers(host, settings):
    paper = make_paper(title="Denoising diffusion models for images", abstract="Score-based generative image models.")
    embed_pending()
    settings.SEARCH_REPLICA_SYNC_SECONDS = 30
    index = get_keyword_index()
    assert isinstance(index.active, PgKeywordIndex)
    replica.builder().join(timeout=60)
    replica._forget()
    assert not isinstance(get_keyword_index().active, PgKeywordIndex)
    assert [h.paper.id for h in search(query="diffusion").hits] == [paper.id]
    assert not _live()._use_fallback


@pytest.mark.django_db(transaction=True)
def test_an_ingest_batch_starts_no_replica_work_in_the_ingesting_process(host, settings, monkeypatch):
    make_paper(title="Denoising diffusion models for images")
    settings.SEARCH_REPLICA_SYNC_SECONDS = 30
    started = []
    monkeypatch.setattr(replica, "_start_builder", lambda using: started.append(using))
    monkeypatch.setattr(replica, "sync_replica", lambda *a, **k: started.append("sync") or {})
    assert announce_ingested(sender=None, count=1, final=False) == []  # what `paperfeed ingest` sends after a batch
    assert started == []
    assert isinstance(get_keyword_index().active, PgKeywordIndex) and started == ["default"]  # a search starts the build
