"""Template tags: claimed names link to the member's page without a query per name; links are escaped."""

from __future__ import annotations

import pytest
from django.template import Context, Template

from paperfeed.catalog.services import decorate
from paperfeed.follows.models import Status
from tests.factories import add_authors, make_author_claim, make_paper, make_user

pytestmark = pytest.mark.django_db


def _render(papers) -> str:
    template = Template("{% load follows_tags %}{% for p in papers %}{% claimed_author_list p.author_links 2 %};"
                        "{% endfor %}")
    return template.render(Context({"papers": papers}))


def test_claimed_names_link_to_the_member_page_at_one_query_per_list(django_assert_num_queries):
    papers = [make_paper(authors=["Ada <Lovelace>", f"Bob {i}", "Carol"]) for i in range(5)]
    for paper in papers:
        add_authors(paper)
    ada = papers[0].authorships.get(position=0).author
    make_author_claim(user=make_user(username="ada"), paper=papers[0], author=ada, status=Status.APPROVED)
    decorated = decorate(papers)
    with django_assert_num_queries(1):
        html = _render(decorated)
    assert html.count('<a class="claimed-author" href="/users/ada">Ada &lt;Lovelace&gt;</a>') == 5
    assert html.count('<span class="more">+1 more</span>') == 5
    with django_assert_num_queries(0):
        _render(decorated)


def test_names_without_pages_stay_text():
    html = _render([type("P", (), {"author_links": [("<i>x</i>", None)]})()])
    assert html == "<span>&lt;i&gt;x&lt;/i&gt;</span>;"
