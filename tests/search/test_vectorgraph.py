"""The saved vector graph past ANN_THRESHOLD: web processes never build it, the worker saves it, search maps it."""

from __future__ import annotations

import fcntl

import pytest

from paperfeed.jobs import worker
from paperfeed.search import vectorgraph
from paperfeed.search.embedding import get_embedder
from paperfeed.search.models import PaperEmbedding
from paperfeed.search.services import embed_pending, search, sync_vector_graph
from paperfeed.search.vectorgraph import GraphVectorIndex
from paperfeed.search.vectors import ExactIndex, get_live_index, reset_live_indexes
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def host(settings, tmp_path):
    """A host of its own (DATA_DIR) whose catalogue is past ANN_THRESHOLD from the third embedding on."""
    settings.DATA_DIR = str(tmp_path)
    settings.ANN_THRESHOLD = 3
    settings.LIVE_VECTOR_INDEX = "paperfeed.search.vectorgraph.GraphVectorIndex"
    reset_live_indexes()
    yield tmp_path
    reset_live_indexes()


@pytest.fixture
def corpus(host):
    papers = {
        "diffusion": make_paper(title="Denoising diffusion models for images", abstract="Score-based generative image models."),
        "robots": make_paper(title="Robot grasping with tactile sensing", abstract="Manipulation of objects by robots."),
        "graphs": make_paper(title="Message passing on molecular graphs", abstract="Graph neural networks for chemistry."),
    }
    embed_pending()
    return papers


def _live() -> GraphVectorIndex:
    live = get_live_index(get_embedder().name)
    live.refresh(force=True)
    return live


def _vector(paper):
    return PaperEmbedding.objects.get(paper=paper).as_array()


def test_past_the_threshold_a_web_process_searches_exactly_until_a_graph_is_saved(corpus):
    live = _live()
    assert isinstance(live, GraphVectorIndex) and live._use_fallback
    assert isinstance(live._fallback._index, ExactIndex)  # never a graph built inside a request
    assert live.search(_vector(corpus["robots"]), 1)[0].tolist() == [corpus["robots"].id]
    assert not vectorgraph.graph_path(get_embedder().name).exists()


def test_the_embed_job_saves_the_graph_and_search_maps_it(corpus):
    counts = worker._embed(stop=None)
    assert counts["graph"]["graph added"] == 3
    live = _live()
    assert not live._use_fallback and live.pending() == 0
    assert live.search(_vector(corpus["graphs"]), 1)[0].tolist() == [corpus["graphs"].id]
    assert search(query="diffusion models").hits[0].paper.id == corpus["diffusion"].id


def test_a_paper_embedded_after_the_save_is_found_at_once(corpus):
    sync_vector_graph()
    new = make_paper(title="Photonic quantum lattices", abstract="Optics of lattices.")
    embed_pending()
    live = _live()
    assert live.pending() == 1
    ids, scores = live.search(_vector(new), 2)
    assert ids[0] == new.id and scores[0] == pytest.approx(1.0, abs=1e-3)
    assert sync_vector_graph() == {}  # fewer than GRAPH_BATCH waiting: the delta serves them


def test_small_catalogues_keep_no_graph(corpus, settings):
    settings.ANN_THRESHOLD = 1000
    assert sync_vector_graph() == {}
    assert not vectorgraph.graph_path(get_embedder().name).exists()


def test_one_saver_per_host(corpus):
    vectorgraph.folder().mkdir(parents=True, exist_ok=True)
    with open(vectorgraph.folder() / "sync.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert "skipped" in sync_vector_graph()
    assert sync_vector_graph()["graph added"] == 3


def test_search_effort_grows_with_the_graph():
    assert vectorgraph.expansion_for(0) == vectorgraph.expansion_for(62_500) == vectorgraph.EXPANSION_SEARCH_MIN
    assert vectorgraph.expansion_for(80_000) == vectorgraph.EXPANSION_AT_80K == 300
    assert vectorgraph.expansion_for(250_000) == 713
    assert vectorgraph.expansion_for(1_000_000) == vectorgraph.expansion_for(3_000_000) == vectorgraph.EXPANSION_SEARCH
