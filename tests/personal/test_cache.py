"""The For-you page's caches: kept while nothing changed, and never stale after the reader's own writes or an ingest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from paperfeed.community.services import toggle_vote
from paperfeed.personal import services
from paperfeed.personal.models import FeedProfile, NotInterested, ReadMark, SavedSearch
from paperfeed.personal.stamps import catalogue_mark, write_stamp
from tests.factories import add_authors, make_collection, make_follow, make_paper, make_user, make_vote

pytestmark = pytest.mark.django_db
TODAY = timezone.now().date()


@pytest.fixture(autouse=True)
def long_lived_caches(settings):
    """Keep pools, rankings and rendered lists for an hour: only the keys may make the page change."""
    settings.PERSONAL_POOL_SECONDS = 3600


@pytest.fixture
def catalogue():
    day = TODAY - dt.timedelta(days=1)
    return {
        "nlp": make_paper(title="Instruction tuning for language models", abstract="We tune language models.",
                          categories=["cs.CL"], listing_date=day, authors=["Ada Lovelace"], vote_count=5),
        "nlp2": make_paper(title="Preference optimisation of language models", abstract="Language models learn.",
                           categories=["cs.CL"], listing_date=day, authors=["Alan Turing"]),
        "vision": make_paper(title="Video diffusion transformers", abstract="Diffusion for video generation.",
                             categories=["cs.CV"], listing_date=day, authors=["Grace Hopper"], vote_count=9),
    }


def page(client) -> str:
    response = client.get("/for-you")
    assert response.status_code == 200
    return response.content.decode()


def reader(client, categories=("cs.CL",)):
    user = make_user()
    client.force_login(user)
    client.post("/for-you/interests", {"categories": list(categories)})
    return user


def test_a_repeated_view_is_served_from_the_kept_list(client, catalogue):
    reader(client)
    first = page(client)
    with CaptureQueriesContext(connection) as queries:
        again = page(client)
    assert again.count('class="paper"') == first.count('class="paper"') == 3
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "catalog_authorship" not in sql  # no item was decorated or rendered again


def test_a_vote_changes_the_page_at_once(client, catalogue):
    user = reader(client)
    assert "is-voted" not in page(client)
    toggle_vote(user=user, paper=catalogue["nlp2"])
    shown = page(client)
    assert shown.count("is-voted") == 1  # the reader's own vote shows at once
    assert "close to Preference optimisation of language models, which you upvoted" in shown


def test_someone_elses_vote_on_a_listed_paper_shows_its_new_count(client, catalogue):
    reader(client)
    assert 'data-upvotes="5"' in page(client)
    make_vote(user=make_user(), paper=catalogue["nlp"])  # recounts: one real vote
    assert f'data-upvotes="{catalogue["nlp"].upvotes}"' in page(client)
    assert 'data-upvotes="5"' not in page(client)


def test_not_interested_read_and_hide_seen_change_the_page_at_once(client, catalogue):
    reader(client)
    assert catalogue["nlp2"].title in page(client)
    client.post("/for-you/not-interested", {"kind": "author", "value": "Alan Turing"})
    assert catalogue["nlp2"].title not in page(client)
    client.post("/for-you/read", {"paper": catalogue["nlp"].arxiv_id})
    assert "✓ read" in page(client)
    client.post("/for-you/hide-seen", {"hide": "1"})
    assert catalogue["nlp"].title not in page(client)


def test_a_follow_and_a_dropped_reason_change_the_page_at_once(client, catalogue):
    user = reader(client)
    [author] = add_authors(catalogue["vision"], ["Grace Hopper"])
    page(client)
    make_follow(user=user, author=author)
    assert "by Grace Hopper, whom you follow" in page(client)
    client.post("/for-you/drop", {"key": f"author:{author.key}"})
    assert "whom you follow" not in page(client)


def test_a_new_paper_appears_after_an_ingest_and_a_hidden_one_goes(client, catalogue):
    reader(client)
    page(client)
    fresh = make_paper(title="Retrieval for language models, newly listed", categories=["cs.CL"], listing_date=TODAY,
                       authors=["Barbara Liskov"])  # no signal reaches this process: the catalogue mark tells
    assert fresh.title in page(client)
    catalogue["nlp"].hidden = True
    catalogue["nlp"].save(update_fields=["hidden"])
    assert catalogue["nlp"].title not in page(client)


def test_write_stamp_changes_with_every_kind_of_write(catalogue):
    user = make_user()
    stamps = [write_stamp(user.pk)]

    def changed() -> bool:
        stamps.append(write_stamp(user.pk))
        return stamps[-1] != stamps[-2]

    vote = make_vote(user=user, paper=catalogue["nlp"])
    assert changed()
    vote.delete()
    make_vote(user=user, paper=catalogue["nlp2"])  # same count as before the delete, another paper
    assert changed()
    make_collection(owner=user, papers=[catalogue["vision"]])
    assert changed()
    make_follow(user=user, followed_user=make_user())
    assert changed()
    NotInterested.objects.create(user=user, kind="topic", value="robots")
    assert changed()
    ReadMark.objects.create(user=user, paper=catalogue["nlp"])
    assert changed()
    SavedSearch.objects.create(user=user, name="diffusion", params={"q": "diffusion"})
    assert changed()
    FeedProfile.objects.create(user=user).seed_papers.add(catalogue["vision"])
    assert changed()
    assert not changed()  # nothing written: the same stamp
    assert write_stamp(make_user().pk) != stamps[-1]


def test_catalogue_mark_moves_with_new_papers(catalogue):
    mark = catalogue_mark()
    make_paper()
    assert catalogue_mark() > mark


def test_the_api_and_the_page_share_one_ranking(client, catalogue):
    user = reader(client)
    rows, told = services.for_you(user, now=timezone.now(), limit=2)
    assert told and [p.pk for p, _ in rows] == [catalogue["nlp"].pk, catalogue["nlp2"].pk]
    assert services.for_you(make_user(), now=timezone.now())[1] is False  # nothing told yet: cold start
