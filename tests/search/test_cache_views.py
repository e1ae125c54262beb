"""The remembered search results as the page and the API serve them: keyed by query, filters and page, shared by readers."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from paperfeed.api import search as api_search
from paperfeed.community import moderation
from paperfeed.search import services, views
from paperfeed.search.cache import Generation
from tests.factories import make_paper, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cached(settings, monkeypatch):
    settings.SEARCH_CACHE_SECONDS = 30
    monkeypatch.setattr(services, "GENERATION", Generation(settle=0))
    _another_worker()
    yield
    _another_worker()


def _titles(response) -> list[str]:
    return re.findall(r'class="search-hit-title math"><a [^>]*>(.*?)</a>', response.content.decode())


def test_the_page_finds_a_paper_added_after_the_same_search():
    make_paper(title="Graph neural networks for molecules")
    assert _titles(Client().get("/search", {"q": "spin glass annealing"})) == []
    make_paper(title="Spin glass annealing schedules")
    assert _titles(Client().get("/search", {"q": "spin glass annealing"})) == [
        "<mark>Spin</mark> <mark>glass</mark> <mark>annealing</mark> schedules"]


def test_the_api_finds_a_paper_added_after_the_same_search():
    client = Client()
    make_paper(title="Graph neural networks for molecules")
    assert client.get("/api/papers/search", {"q": "spin glass annealing"}).json() == []
    paper = make_paper(title="Spin glass annealing schedules")
    assert [h["paper"]["id"] for h in client.get("/api/papers/search", {"q": "spin glass annealing"}).json()] == [
        paper.arxiv_id]


def test_remembered_pages_are_keyed_by_filters_sort_and_page():
    make_paper(title="Graph networks in physics", categories=["physics.comp-ph"], primary_category="physics.comp-ph")
    make_paper(title="Graph networks in learning", categories=["cs.LG"], primary_category="cs.LG")
    client = Client()
    both = _titles(client.get("/search", {"q": "graph networks"}))
    only_lg = _titles(client.get("/search", {"q": "graph networks", "category": "cs.LG"}))
    assert len(both) == 2 and only_lg == ["<mark>Graph</mark> <mark>networks</mark> in learning"]
    assert _titles(client.get("/search", {"q": "graph networks"})) == both  # remembered, not mixed up
    api = client.get("/api/papers/search", {"q": "graph networks", "category": "cs.LG"}).json()
    assert [h["title"] for h in api] == ["Graph networks in learning"]
    assert len(client.get("/api/papers/search", {"q": "graph networks"}).json()) == 2
    assert len(client.get("/api/papers/search", {"q": "graph networks", "limit": 1}).json()) == 1


def test_a_readers_name_and_token_never_reach_another_reader():
    make_paper(title="Graph neural networks for molecules")
    reader = make_user(username="ada_private")
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(reader)
    first = signed_in.get("/search", {"q": "graph neural networks"})
    assert "ada_private" in first.content.decode() and len(views.FRAGMENTS.local) == 1
    anonymous = Client().get("/search", {"q": "graph neural networks"})
    html = anonymous.content.decode()
    assert _titles(anonymous) == _titles(first)  # the same remembered results part
    assert "ada_private" not in html and "Log out" not in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', first.content.decode())[1]
    assert token not in html


def test_a_query_with_markup_stays_escaped_in_the_remembered_part():
    make_paper(title="Graph neural networks for molecules")
    for _ in range(2):  # rendered, then remembered
        html = Client().get("/search", {"q": 'graph <script>x</script>'}).content.decode()
        assert "<script>x</script>" not in html


def test_the_remembered_json_equals_the_fresh_json(settings):
    make_paper(title="Graph neural networks for molecules", authors=["Ada Lovelace", "Alan Turing"])
    make_paper(title="Graph networks for proteins", submitted_at=None)
    client = Client()
    args = {"q": "graph networks", "limit": 5}
    remembered = [client.get("/api/papers/search", args) for _ in range(2)]  # rendered, then from the memo
    settings.SEARCH_CACHE_SECONDS = 0
    fresh = client.get("/api/papers/search", args)
    assert remembered[0]["Content-Type"] == remembered[1]["Content-Type"] == fresh["Content-Type"]
    assert remembered[0].json() == remembered[1].json() == fresh.json() and len(fresh.json()) == 2


def test_the_cache_header_says_miss_then_hit():
    make_paper(title="Graph neural networks for molecules")
    client = Client()
    for path in ("/search", "/api/papers/search"):
        first, again = (client.get(path, {"q": "graph neural networks"}) for _ in range(2))
        assert (first["X-Search-Cache"], again["X-Search-Cache"]) == ("miss", "hit")


def _another_worker() -> None:
    """Forget what this process remembered, as a second worker that never saw the search would."""
    services.RESULTS.clear()
    views.FRAGMENTS.clear()
    api_search.BODIES.clear()


def test_another_worker_serves_a_rendering_from_the_shared_cache(shared_cache, monkeypatch):
    make_paper(title="Graph neural networks for molecules")
    client = Client()
    first = {path: client.get(path, {"q": "graph neural networks"}) for path in ("/search", "/api/papers/search")}
    _another_worker()
    monkeypatch.setattr(services, "_search", lambda *a, **k: pytest.fail("searched again"))
    for path, response in first.items():
        again = client.get(path, {"q": "graph neural networks"})
        assert again["X-Search-Cache"] == "hit"
        assert (_titles(again) == _titles(response)) if path == "/search" else (again.json() == response.json())


def test_a_paper_added_after_a_shared_rendering_is_found_at_once(shared_cache):
    make_paper(title="Graph neural networks for molecules")
    assert Client().get("/api/papers/search", {"q": "spin glass annealing"}).json() == []
    _another_worker()
    paper = make_paper(title="Spin glass annealing schedules")
    assert [h["paper"]["id"] for h in Client().get("/api/papers/search", {"q": "spin glass annealing"}).json()] == [
        paper.arxiv_id]


def test_a_shared_cache_outage_still_serves_search(settings, caplog):
    settings.CACHES = {**settings.CACHES, "search": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}}
    make_paper(title="Graph neural networks for molecules")
    for _ in range(2):
        _another_worker()
        response = Client().get("/search", {"q": "graph neural networks"})
        assert response.status_code == 200 and len(_titles(response)) == 1
    assert "shared cache" in caplog.text


def test_a_paper_hidden_by_a_moderator_leaves_remembered_results_at_once():
    paper = make_paper(title="Spin glass annealing schedules")
    client = Client()
    assert len(_titles(client.get("/search", {"q": "spin glass annealing"}))) == 1
    moderation.set_hidden([paper], hidden=True, moderator=make_user(username="mod", is_staff=True))
    assert _titles(client.get("/search", {"q": "spin glass annealing"})) == []
    assert client.get("/api/papers/search", {"q": "spin glass annealing"}).json() == []


@pytest.mark.parametrize("path", ["/search", "/api/papers/search"])
def test_a_request_reads_the_watermark_once_and_refreshes_the_vectors_when_it_moved(path, monkeypatch):
    make_paper(title="Spin glass annealing schedules")
    reads, refreshes = [], []
    read = services.catalogue_generation
    monkeypatch.setattr(services, "catalogue_generation", lambda: reads.append(1) or read())
    backend = services._semantic_backend
    monkeypatch.setattr(services, "_semantic_backend",
                        lambda memo, *, refresh=False: refreshes.append(refresh) or backend(memo, refresh=refresh))
    client = Client()
    assert client.get(path, {"q": "spin glass annealing"}).status_code == 200
    make_paper(title="Spin glass annealing at scale")  # the watermark moves
    _another_worker()
    assert client.get(path, {"q": "spin glass annealing"}).status_code == 200
    assert len(reads) == 2 and refreshes == [True, True]  # each request: one read, and a moved watermark
