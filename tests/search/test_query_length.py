"""One query-length limit for the search page: the box's maxlength, and a message for longer links."""

from __future__ import annotations

import pytest
from django.test import Client

from paperfeed.search.forms import MAX_QUERY_LENGTH, parse_params

pytestmark = pytest.mark.django_db


def test_parse_params_cuts_a_long_query_with_a_message():
    params = parse_params({"q": "graph " * 100})
    assert len(params.query) == MAX_QUERY_LENGTH
    assert params.errors == [f"Your query has 600 characters; searches use at most {MAX_QUERY_LENGTH}, so only its "
                             "beginning was searched. Shorten it to the words that matter."]
    assert parse_params({"q": "x" * MAX_QUERY_LENGTH}).errors == []


def test_search_page_shows_the_message_and_both_boxes_carry_the_limit():
    page = Client().get("/search", {"q": "graph " * 2000}).content.decode()
    assert f"searches use at most {MAX_QUERY_LENGTH}" in page
    assert page.count(f'maxlength="{MAX_QUERY_LENGTH}"') == 2  # the header's box and the page's
