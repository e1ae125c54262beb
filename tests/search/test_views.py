"""The /search page and GET /api/papers/search, including property-based robustness."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from paperfeed.search.services import embed_pending
from tests.factories import make_paper

pytestmark = pytest.mark.django_db

NASTY = [
    "", " ", "a" * 10_000, '"unbalanced', "AND OR NOT NEAR * ^ : ( )", "'; DROP TABLE catalog_paper; --",
    "😀🔥", "مرحبا بالعالم", "nul\x00byte", "title:x", "NEAR(a b, 3)", "-x", "{}[]", "\\", "%_", "col:*",
]


@pytest.fixture
def papers():
    made = [
        make_paper(title="Attention is <b>all</b> you need & more", abstract="We use $x<y$ & <script>alert(1)</script> attention."),
        make_paper(title="Convolutional nets", abstract="Convolution for images."),
    ]
    embed_pending()
    return made


def test_page_renders_highlighted_and_escaped(client: Client, papers):
    response = client.get("/search", {"q": "attention"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<mark>Attention</mark>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;b&gt;" in html


def test_page_filters_sort_and_bad_params(client: Client, papers):
    response = client.get("/search", {"q": "attention", "category": "cs.LG", "sort": "votes", "from": "2026-01-01", "code": "1"})
    assert response.status_code == 200
    bad = client.get("/search", {"q": "x", "from": "yesterday", "sort": "weird", "page": "zz", "category": "<x>"})
    assert bad.status_code == 200
    assert "is not a date" in bad.content.decode()


def test_page_empty_query_message(client: Client):
    assert "Type a few words" in client.get("/search").content.decode()


def test_api_shape(client: Client, papers):
    response = client.get("/api/papers/search", {"q": "attention", "limit": "5"})
    assert response.status_code == 200
    items = response.json()
    assert items and set(items[0]["paper"]) >= {"id", "title", "summary", "authors", "publishedAt", "upvotes"}
    assert items[0]["paper"]["id"] == papers[0].arxiv_id
    assert items[0]["paper"]["authors"][0] == {"name": "Ada Lovelace"}


@pytest.mark.parametrize("params", [{"q": "x" * 251}, {"q": "x", "limit": "0"}, {"q": "x", "limit": "121"},
                                    {"q": "x", "limit": "ten"}, {"q": "x", "sort": "nope"}])
def test_api_rejects_bad_params(client: Client, params):
    response = client.get("/api/papers/search", params)
    assert response.status_code == 400
    assert "error" in response.json()


@pytest.mark.parametrize("query", NASTY)
def test_nasty_queries_never_500(client: Client, papers, query):
    assert client.get("/search", {"q": query}).status_code == 200
    assert client.get("/api/papers/search", {"q": query[:250]}).status_code == 200


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
       | st.lists(st.sampled_from(['"', "AND", "OR", "NOT", "NEAR", "*", "^", ":", "(", ")", "-", "'", ";", "x"]), max_size=20).map(" ".join))
def test_any_query_is_handled(papers, query):
    client = Client()
    page = client.get("/search", {"q": query})
    assert page.status_code == 200
    api = client.get("/api/papers/search", {"q": query, "limit": "3"})
    assert api.status_code == (200 if len(query) <= 250 else 400)


def test_each_hit_links_its_paper_category_and_day(client: Client):
    import datetime as dt

    old = make_paper(arxiv_id="cond-mat/0102536", title="Spin glass dynamics", primary_category="cond-mat.dis-nn",
                     listing_date=dt.date(2001, 2, 27))
    html = client.get("/search", {"q": "spin glass"}).content.decode()
    assert f'<a href="{old.get_absolute_url()}">' in html
    assert '<a href="?q=spin+glass&amp;category=cond-mat.dis-nn">cond-mat.dis-nn</a>' in html
    assert "· 2001-02-27" in html
