"""The digest ranks with the personal ranker and carries a "From your saved searches" section."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from paperfeed.digests import services as digests
from paperfeed.digests.compose import Candidate, Prefs, compose
from paperfeed.digests.models import Delivery
from paperfeed.personal import services
from tests.digests.helpers import make_trending_paper
from tests.factories import add_authors, make_follow, make_paper, make_subscriber, make_user, make_vote

FRI = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)


def test_compose_adds_new_saved_search_matches_once():
    pool = [Candidate(i, f"Paper {i}", f"Paper {i}", ("cs.LG",), float(10 - i), "trending") for i in range(1, 8)]
    digest = compose(pool, Prefs(size=5, saved_searches={"qc": [3, 40, 41], "zz": [41, 42]}), {42}, FRI)
    assert digest.paper_ids == [3, 1, 2, 4, 5, 40, 41]
    assert digest.items[0].reason == "matches your saved search 'qc'"  # in the pool: ranked up
    assert [i.reason for i in digest.items[5:]] == ["new match for your saved search 'qc'"] * 2
    # Nothing trending left, but a new match: still a digest.
    only = compose(pool, Prefs(saved_searches={"qc": [40]}), {c.paper_id for c in pool}, FRI)
    assert only.paper_ids == [40]


@pytest.mark.django_db
def test_digest_mail_has_a_saved_search_section(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = make_user(email="alerts@example.org")
    for i in range(6):
        make_trending_paper(title=f"Large language model reasoning {i}", upvotes=50 - i)
    services.save_search(user, name="spintronics", params={"q": "spintronics"}, now=timezone.now() - dt.timedelta(hours=1))
    match = make_paper(title="Spintronics for memory devices", abstract="Spin currents.", listing_date=dt.date(2026, 11, 20))
    make_subscriber(email="alerts@example.org", user=user, size=5)
    digests.send_due(now=FRI)
    delivery = Delivery.objects.get(subscriber__email="alerts@example.org")
    assert delivery.paper_ids[-1] == match.pk
    assert delivery.reasons[-1] == "new match for your saved search 'spintronics'"
    body = mail.outbox[0].body
    assert "From your saved searches:" in body and body.index("From your saved searches") < body.index("Spintronics")
    html = mail.outbox[0].alternatives[0][0]
    assert html.count("From your saved searches") == 1


@pytest.mark.django_db
def test_an_accounts_digest_gives_the_pages_reasons_and_leaves_out_not_interested(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    user = make_user(email="reader@example.org")
    graph = [make_trending_paper(title=f"Graph neural networks for molecules {i}", abstract="graph neural networks",
                                 upvotes=2 + i) for i in range(2)]
    hopper = make_trending_paper(title="Compilers for everyone", abstract="compilers", upvotes=3, authors=["Grace Hopper"])
    turing = make_trending_paper(title="Computable numbers again", abstract="machines", upvotes=90, authors=["Alan Turing"])
    for i in range(6):
        make_trending_paper(title=f"Large language model reasoning {i}", abstract="language models", upvotes=50 - i)
    make_vote(user=user, paper=graph[0])
    [author] = add_authors(hopper, ["Grace Hopper"])
    make_follow(user=user, author=author)
    services.not_interested(user, kind="author", value="Alan Turing")
    make_subscriber(email="reader@example.org", user=user, use_my_votes=True, size=5)
    digests.send_due(now=FRI)
    delivery = Delivery.objects.get(subscriber__email="reader@example.org")
    reasons = dict(zip(delivery.paper_ids, delivery.reasons))
    assert reasons[hopper.pk] == "by Grace Hopper, whom you follow"
    assert reasons[graph[1].pk] == "close to Graph neural networks for molecules 0, which you upvoted"
    assert turing.pk not in reasons  # "not interested" in an author holds in the digest too
    body = mail.outbox[0].body
    assert "Why: by Grace Hopper, whom you follow" in body and "which you upvoted" in body
