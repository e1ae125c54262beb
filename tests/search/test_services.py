"""The search service on a real database with the hashing embedder."""

from __future__ import annotations

import datetime as dt

import pytest

from paperfeed.search.models import PaperEmbedding
from paperfeed.search.services import SearchFilters, embed_pending, search, similar_papers
from tests.factories import make_code_link, make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    papers = {
        "diffusion": make_paper(title="Denoising diffusion models for image synthesis",
                                abstract="Score based generative modelling with diffusion.",
                                categories=["cs.CV"], listing_date=dt.date(2026, 5, 1), vote_count=3),
        "graphs": make_paper(title="Message passing on graphs", abstract="Graph neural networks and message passing.",
                             categories=["cs.LG"], listing_date=dt.date(2026, 6, 1), vote_count=10),
        "diffusion_graphs": make_paper(title="Diffusion on graphs", abstract="Heat diffusion for graph learning.",
                                       categories=["cs.LG", "cs.SI"], listing_date=dt.date(2026, 6, 20)),
        "hidden": make_paper(title="Hidden diffusion paper", abstract="Should never be shown.", hidden=True),
    }
    make_code_link(papers["diffusion_graphs"])
    embed_pending()
    return papers


def ids(results):
    return [h.paper.arxiv_id for h in results.hits]


def test_embed_pending_is_incremental(corpus):
    assert PaperEmbedding.objects.count() == 4
    assert embed_pending() == 0
    make_paper(title="A new paper")
    assert embed_pending(limit=5) == 1


def test_relevance_search_finds_and_hides(corpus):
    results = search(query="diffusion", filters=None, sort="relevance", limit=10, offset=0)
    found = ids(results)
    assert corpus["diffusion"].arxiv_id in found and corpus["diffusion_graphs"].arxiv_id in found
    assert corpus["hidden"].arxiv_id not in found
    assert results.terms == ["diffusion"]
    assert results.hits[0].keyword_rank >= 1


def test_filters(corpus):
    def q(**filters):
        return set(ids(search(query="diffusion graphs", filters=filters, sort="relevance", limit=10, offset=0)))

    assert q(category="cs.SI") == {corpus["diffusion_graphs"].arxiv_id}
    assert q(has_code=True) == {corpus["diffusion_graphs"].arxiv_id}
    assert corpus["diffusion"].arxiv_id not in q(date_from=dt.date(2026, 5, 15))
    assert q(date_to=dt.date(2026, 5, 2)) == {corpus["diffusion"].arxiv_id}
    assert q(category="no.such") == set()


def test_sort_by_date_and_votes(corpus):
    by_date = ids(search(query="diffusion graph", filters={}, sort="date", limit=10, offset=0))
    assert by_date[0] == corpus["diffusion_graphs"].arxiv_id
    by_votes = ids(search(query="diffusion graph", filters={}, sort="votes", limit=10, offset=0))
    assert by_votes[0] == corpus["graphs"].arxiv_id


def test_pagination(corpus):
    first = search(query="diffusion graphs message", sort="relevance", limit=1, offset=0)
    second = search(query="diffusion graphs message", sort="relevance", limit=1, offset=1)
    assert first.has_next and first.total >= 2
    assert ids(first) != ids(second)


def test_empty_query_browses_when_filtered(corpus):
    results = search(query="", filters=SearchFilters(category="cs.LG"), sort="date", limit=10, offset=0)
    assert ids(results)[0] == corpus["diffusion_graphs"].arxiv_id
    assert search(query="   ", filters=None, sort="relevance", limit=10, offset=0).message
    assert "no searchable words" in search(query="*** ^^^", limit=10, offset=0).message


def test_found_by_meaning_without_keyword_overlap(corpus, settings):
    # The hashing embedder shares buckets for shared words only, so look for a word that the
    # keyword index cannot match exactly but that appears in the embedded text: case folding aside,
    # the semantic list must contribute candidates of its own.
    results = search(query="synthesis generative", limit=10, offset=0)
    assert ids(results)[0] == corpus["diffusion"].arxiv_id
    assert any(h.semantic_rank for h in results.hits)


def test_new_paper_is_searchable_immediately_by_keyword_and_after_embed_by_meaning(corpus):
    paper = make_paper(title="Zygomorphic flowers", abstract="Bilateral symmetry in petals.")
    hit = search(query="zygomorphic", limit=5, offset=0).hits[0]
    assert hit.paper == paper and hit.semantic_rank == 0
    embed_pending()
    hit = search(query="zygomorphic", limit=5, offset=0).hits[0]
    assert hit.paper == paper and hit.semantic_rank == 1


def test_similar_papers(corpus):
    near = similar_papers(corpus["diffusion_graphs"], limit=2)
    assert corpus["diffusion_graphs"] not in near and corpus["hidden"] not in near
    assert len(near) == 2
    assert similar_papers(make_paper(title="No embedding yet")) == []
