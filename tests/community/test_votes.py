"""Upvotes: toggle, one per user, banned users stop counting, no-JS and JSON answers."""

from __future__ import annotations

import pytest
from django.test import Client

from paperfeed.community import moderation, services
from paperfeed.community.models import Vote
from tests.factories import make_paper, make_user, make_vote

pytestmark = pytest.mark.django_db


def test_toggle_adds_then_removes_and_keeps_the_count_denormalised():
    user, paper = make_user(), make_paper()
    assert services.toggle_vote(user=user, paper=paper) == (True, 1)
    paper.refresh_from_db()
    assert paper.vote_count == 1
    assert services.toggle_vote(user=user, paper=paper) == (False, 0)
    paper.refresh_from_db()
    assert paper.vote_count == 0 and not Vote.objects.exists()


def test_voting_twice_counts_once(client):
    user, paper = make_user(), make_paper()
    client.force_login(user)
    url = f"/papers/{paper.arxiv_id}/vote"
    client.post(url, HTTP_ACCEPT="application/json")
    Vote.objects.get_or_create(user=user, paper=paper)  # a replayed insert is absorbed by the unique constraint
    assert Vote.objects.filter(user=user, paper=paper).count() == 1
    paper.refresh_from_db()
    assert paper.vote_count == 1


def test_banned_users_votes_stop_counting_and_come_back_on_unban():
    paper = make_paper()
    good, bad, mod = make_user(), make_user(), make_user(is_staff=True)
    make_vote(user=good, paper=paper)
    make_vote(user=bad, paper=paper)
    assert paper.vote_count == 2
    moderation.set_banned([bad], banned=True, moderator=mod, reason="voting ring")
    paper.refresh_from_db()
    assert paper.vote_count == 1
    with pytest.raises(services.VoteRefused):
        services.toggle_vote(user=bad, paper=paper)
    moderation.set_banned([bad], banned=False, moderator=mod)
    paper.refresh_from_db()
    assert paper.vote_count == 2


def test_vote_view_without_js_redirects_back(client):
    user, paper = make_user(), make_paper()
    client.force_login(user)
    response = client.post(f"/papers/{paper.arxiv_id}/vote", {"next": "/trending"})
    assert response.status_code == 302 and response["Location"] == "/trending"
    paper.refresh_from_db()
    assert paper.vote_count == 1


def test_vote_view_refuses_offsite_next(client):
    user, paper = make_user(), make_paper()
    client.force_login(user)
    response = client.post(f"/papers/{paper.arxiv_id}/vote", {"next": "https://evil.example/"})
    assert response["Location"] == paper.get_absolute_url()


def test_vote_view_answers_json_for_fetch(client):
    user, paper = make_user(), make_paper(imported_upvotes=5)
    client.force_login(user)
    data = client.post(f"/papers/{paper.arxiv_id}/vote", HTTP_ACCEPT="application/json").json()
    assert data == {"id": paper.arxiv_id, "voted": True, "upvotes": 6, "votes": 1}
    data = client.post(f"/papers/{paper.arxiv_id}/vote", HTTP_ACCEPT="application/json").json()
    assert data["voted"] is False and data["upvotes"] == 5


def test_anonymous_vote_goes_to_login(client):
    paper = make_paper()
    response = client.post(f"/papers/{paper.arxiv_id}/vote")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(f"/papers/{paper.arxiv_id}/vote", HTTP_ACCEPT="application/json").status_code == 401


def test_old_style_ids_and_hidden_papers():
    user = make_user()
    client = Client()
    client.force_login(user)
    old = make_paper(arxiv_id="hep-th/9901001")
    assert client.post("/papers/hep-th/9901001/vote", HTTP_ACCEPT="application/json").json()["voted"] is True
    old.refresh_from_db()
    assert old.vote_count == 1
    hidden = make_paper(hidden=True)
    assert client.post(f"/papers/{hidden.arxiv_id}/vote").status_code == 404


def test_post_without_csrf_token_is_refused():
    user, paper = make_user(), make_paper()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(f"/papers/{paper.arxiv_id}/vote")
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_vote_button_renders_state_and_csrf(client):
    user, paper = make_user(), make_paper(title="A <b>bold</b> claim")
    make_vote(user=user, paper=paper)
    client.force_login(user)
    html = client.get(paper.get_absolute_url()).content.decode()
    assert 'class="pf-vote is-voted"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "community/vote.js" in html


def test_vote_history_sparkline_counts_votes_per_day():
    import datetime as dt

    from django.utils import timezone

    paper = make_paper()
    now = timezone.now()
    for days_ago in (0, 0, 2):
        make_vote(user=make_user(), paper=paper, at=now - dt.timedelta(days=days_ago))
    counts = services.vote_history(paper, today=now.date(), days=5)
    assert counts == [0, 0, 1, 0, 2]
    from paperfeed.community.templatetags.community_tags import vote_sparkline

    svg = vote_sparkline(paper)
    assert svg.startswith("<span class=\"pf-spark-wrap\"><svg") and "votes per day, 30 days" in svg and svg.count("<rect") == 2 and "3 votes" in svg


def test_vote_history_of_an_older_paper_ends_at_its_latest_activity():
    import datetime as dt

    paper = make_paper(imported_upvotes=7, listing_date=dt.date(2026, 6, 10))
    make_vote(user=make_user(), paper=paper, at=dt.datetime(2026, 6, 12, 8, tzinfo=dt.UTC))
    counts = services.vote_history(paper, today=dt.date(2026, 11, 1), days=5)
    assert counts == [0, 0, 7, 0, 1]  # 8..12 June: imported on the 10th, a vote on the 12th
