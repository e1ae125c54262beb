"""The search service: arXiv ids land on the paper, operators, the relevance floor, category prefixes."""

from __future__ import annotations

import pytest

from paperfeed.search.highlight import highlight
from paperfeed.search.services import search
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture
def papers():
    return {
        "target": make_paper(arxiv_id="2606.31315", title="Sparse attention for long documents",
                             abstract="We study attention."),
        "decoy": make_paper(arxiv_id="2606.26753", title="Counting things",
                            abstract="Our method from 2606 counts objects."),
        "wm": make_paper(title="A world model for robot planning", abstract="Learning a world model helps planning."),
        "wm_video": make_paper(title="World model video prediction", abstract="A world model trained on video."),
        "model_world": make_paper(title="Model of the world economy", abstract="A model the world uses."),
        "math": make_paper(title="Bounds on $\\beta$ mixing", abstract="We bound $\\beta$ coefficients.",
                           categories=["math.PR"]),
    }


@pytest.mark.parametrize("query", [
    "2606.31315", "2606.31315v1", "arXiv:2606.31315v1", "https://arxiv.org/abs/2606.31315",
    "https://arxiv.org/pdf/2606.31315v2",
])
def test_arxiv_id_finds_the_paper_first(papers, query):
    results = search(query=query)
    assert [h.paper.arxiv_id for h in results.hits] == ["2606.31315"]
    assert results.arxiv_id == "2606.31315"


def test_unknown_id_says_so(papers):
    results = search(query="2607.00001")
    assert results.hits == [] and results.total == 0
    assert "2607.00001" in results.message


def test_phrase_and_exclusion(papers):
    found = {h.paper.arxiv_id for h in search(query='"world model" -video').hits}
    assert papers["wm"].arxiv_id in found
    assert papers["wm_video"].arxiv_id not in found
    assert papers["model_world"].arxiv_id not in found


def test_only_exclusions_asks_for_a_word(papers):
    results = search(query="-video")
    assert results.hits == [] and "-word" in results.message


def test_nonsense_finds_nothing(papers):
    results = search(query="qwertyuiopasdf zxcvb")
    assert results.hits == [] and results.total == 0


def test_category_prefix(papers):
    results = search(query="", filters={"category": "math."})
    assert [h.paper.arxiv_id for h in results.hits] == [papers["math"].arxiv_id]
    assert search(query="", filters={"category": "math"}).total == 1
    assert search(query="", filters={"category": "cs."}).total == 5


def test_highlight_whole_words_and_not_inside_math():
    assert "<mark>" not in highlight("However, it works", ["how"])
    out = highlight("Bounds on $\\beta$ mixing of beta", ["beta"])
    assert "$\\beta$" in out and out.endswith("<mark>beta</mark>")
