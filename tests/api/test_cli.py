"""`paperfeed papers`: the reading commands, on the local database and against a live server (--server)."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from paperfeed.search.services import embed_pending
from tests.factories import add_authors, make_code_link, make_paper, make_vote, make_user

DAY = dt.date(2026, 6, 17)  # a Wednesday: the day before is in the same week


@pytest.fixture
def catalogue():
    top = make_paper(arxiv_id="2606.00001", title="Attention for $E=mc^2$ everywhere", abstract="We attend.\n\nTwice.",
                     imported_upvotes=7, listing_date=DAY, submitted_at=dt.datetime(2026, 6, 12, tzinfo=dt.UTC))
    add_authors(top, ["Ada Lovelace", "Charles Babbage"])
    make_code_link(top, "https://github.com/acme/top", stars=321)
    make_paper(arxiv_id="2606.00002", title="Second on the day", imported_upvotes=2, listing_date=DAY,
               submitted_at=dt.datetime(2026, 6, 13, tzinfo=dt.UTC))
    make_paper(arxiv_id="2606.00003", title="Earlier in the week", listing_date=DAY - dt.timedelta(days=1))
    make_paper(arxiv_id="2605.00004", title="Last month", listing_date=DAY - dt.timedelta(days=30))
    for _ in range(2):
        make_vote(user=make_user(), paper=top)
    embed_pending()
    return top


def papers(*args: str) -> str:
    out = StringIO()
    call_command("papers", *args, stdout=out)
    return out.getvalue()


def _ids(output: str) -> list[str]:
    return [item["paper"]["id"] for item in json.loads(output)]


@pytest.mark.django_db
def test_today_week_month_on_the_local_database(catalogue):
    text = papers("today")
    assert "Papers of 2026-06-17 · 2 papers" in text
    assert "▲   9" in text and "github.com/acme/top ★321" in text and "Ada Lovelace, Charles Babbage" in text
    assert _ids(papers("today", "--json")) == ["2606.00001", "2606.00002"]
    assert _ids(papers("week", "--json")) == ["2606.00001", "2606.00002", "2606.00003"]
    assert "Papers of 2026-W25" in papers("week")
    assert set(_ids(papers("month", "--json"))) == {"2606.00001", "2606.00002", "2606.00003"}
    assert _ids(papers("today", "--json", "--limit", "1")) == ["2606.00001"]


@pytest.mark.django_db
def test_trending_search_and_show_on_the_local_database(catalogue):
    assert "2606.00001" in papers("trending")
    hits = json.loads(papers("search", "attention", "--json"))
    assert hits[0]["paper"]["id"] == "2606.00001"
    assert "Search 'attention'" in papers("search", "attention", "--category", "cs.LG")
    assert "No papers match" in papers("search", "attention", "--category", "math.AG")
    text = papers("show", "2606.00001v2")
    assert text.startswith("Attention for $E=mc^2$ everywhere\n") and "We attend." in text and "Twice." in text
    assert "https://arxiv.org/abs/2606.00001" in text
    md = papers("show", "2606.00001", "--md")
    assert md.startswith("# Attention for $E=mc^2$ everywhere") and "**Authors:** Ada Lovelace" in md
    assert "https://github.com/acme/top" in md and "## Abstract" in md
    assert json.loads(papers("show", "2606.00001", "--json"))["upvotes"] == 9


@pytest.mark.django_db
def test_errors_are_messages(catalogue):
    with pytest.raises(CommandError, match="No paper"):
        papers("show", "2699.99999")
    with pytest.raises(CommandError, match="--limit"):
        papers("today", "--limit", "0")
    with pytest.raises(CommandError, match="date like"):
        papers("search", "x", "--from", "yesterday")


@pytest.mark.django_db(transaction=True)
def test_server_mode_prints_what_local_mode_prints(catalogue, live_server):
    server = ("--server", live_server.url)
    for args in (("today", "--json"), ("week", "--json"), ("month", "--json"), ("trending", "--json"),
                 ("search", "attention", "--json"), ("show", "2606.00001", "--json"), ("show", "2606.00001", "--md"),
                 ("today",)):
        assert papers(*args, *server) == papers(*args), args
    with pytest.raises(CommandError, match="HTTP 404"):
        papers("show", "2699.99999", *server)
    with pytest.raises(CommandError, match="HTTP 400"):
        papers("search", "x", "--from", "yesterday", *server)


@pytest.mark.django_db
def test_unreachable_server_is_a_message():
    with pytest.raises(CommandError, match="127.0.0.1:9"):
        papers("today", "--server", "http://127.0.0.1:9")
