"""Items 1 and 6: an arXiv id in any form opens its paper; nonsense finds nothing; phrases and -term work."""

from __future__ import annotations

import pytest

from paperfeed.search.services import embed_pending
from tests.factories import make_paper

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def corpus():
    papers = {
        "target": make_paper(arxiv_id="2606.31315", title="Sparse attention for long documents"),
        "decoy": make_paper(arxiv_id="2606.26753", title="Counting things", abstract="Our 2606 method counts."),
        "wm": make_paper(title="A world model for robot planning", abstract="A world model helps planning."),
        "wm_video": make_paper(title="World model video prediction", abstract="A world model trained on video."),
        "math": make_paper(title="Bounds on $\\beta$ mixing", abstract="However, how we bound $\\beta$ matters."),
    }
    embed_pending()
    return papers


@pytest.mark.parametrize("query", [
    "2606.31315", "2606.31315v1", "arXiv:2606.31315v1", "https://arxiv.org/abs/2606.31315",
    "https://arxiv.org/pdf/2606.31315v2",
])
def test_arxiv_id_forms_land_on_the_paper(live_server, page, corpus, query):
    page.goto(f"{live_server.url}/")
    page.fill("form.nav-search input[name=q]", query)
    page.press("form.nav-search input[name=q]", "Enter")
    page.wait_for_url(f"{live_server.url}/papers/2606.31315")
    assert "Sparse attention" in page.title()


def test_api_ranks_the_id_first(live_server, corpus):
    import httpx

    for query in ("2606.31315", "arXiv:2606.31315v1", "https://arxiv.org/abs/2606.31315"):
        body = httpx.get(f"{live_server.url}/api/papers/search", params={"q": query}, timeout=10).json()
        assert [hit["paper"]["id"] for hit in body] == ["2606.31315"]


def test_unknown_id_offers_to_submit(live_server, page, corpus):
    page.goto(f"{live_server.url}/search?q=2607.00042")
    assert "No paper with arXiv id 2607.00042" in page.inner_text(".search-message")
    page.click("text=Submit 2607.00042")
    page.wait_for_url("**/accounts/login/**")  # submitting needs an account; the id travels in ?next=


def test_nonsense_finds_nothing_and_operators_work(live_server, page, corpus):
    page.goto(f"{live_server.url}/search?q=qwertyuiopasdf+zxcvb")
    assert page.locator(".search-hit").count() == 0
    assert "No papers match" in page.inner_text(".search-message")

    page.goto(f"{live_server.url}/search?q=%22world+model%22+-video")
    titles = page.locator(".search-hit-title").all_inner_texts()
    assert titles == ["A world model for robot planning"]

    page.goto(f"{live_server.url}/search?q=how+mixing")
    abstract = page.locator(".search-hit-abstract").first
    assert abstract.locator("mark").all_inner_texts() == ["how"]  # whole words: not "However"
    assert abstract.locator(".katex").count() == 1  # math renders in results

    page.goto(f"{live_server.url}/search?q=&category=cs.")
    assert page.locator(".search-hit").count() == 5
