"""The search service end to end on PostgreSQL: the same fusion over full-text and pgvector."""

from __future__ import annotations

import pytest

from paperfeed.search.services import embed_pending, search, similar_papers
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    papers = {
        "diffusion": make_paper(title="Denoising diffusion models for images", abstract="Score-based generative image models."),
        "robots": make_paper(title="Robot grasping with tactile sensing", abstract="Manipulation of objects by robots.",
                             primary_category="cs.RO", categories=["cs.RO"]),
        "language": make_paper(title="Large language models reason", abstract="Chain of thought prompting in LLMs."),
        "hidden": make_paper(title="Diffusion secrets", abstract="Hidden paper about diffusion.", hidden=True),
    }
    embed_pending()
    return papers


def test_hybrid_search_finds_ranks_and_hides(corpus):
    results = search(query="diffusion models")
    ids = [h.paper.id for h in results.hits]
    assert ids[0] == corpus["diffusion"].id
    assert corpus["hidden"].id not in ids
    assert results.hits[0].keyword_rank == 1 and results.hits[0].semantic_rank >= 1


def test_filters_apply_to_both_retrievers(corpus):
    results = search(query="robot diffusion", filters={"category": "cs.RO"})
    assert [h.paper.id for h in results.hits] == [corpus["robots"].id]


def test_new_paper_found_by_keyword_at_once_and_by_meaning_after_embedding(corpus):
    new = make_paper(title="Photonic quantum lattices", abstract="Optics.")
    assert [h.paper.id for h in search(query="photonic").hits] == [new.id]
    embed_pending()
    assert search(query="photonic").hits[0].semantic_rank == 1


def test_similar_papers(corpus):
    similar = similar_papers(corpus["diffusion"])
    assert corpus["diffusion"] not in similar and corpus["hidden"] not in similar
    assert similar
