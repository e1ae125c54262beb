"""Moderation through Django admin: hide papers, ban accounts, see who voted, audit trail, escaping."""

from __future__ import annotations

import pytest

from paperfeed.community import collections as coll
from paperfeed.community.models import ModerationLog, Vote
from tests.factories import make_paper, make_submission, make_user, make_vote

pytestmark = pytest.mark.django_db
EVIL = 'Evil <img src=x onerror="alert(1)"> title'
RAW = '<img src=x onerror="alert(1)">'


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(username="mod", is_staff=True, is_superuser=True))
    return client


def _action(admin_client, url, action, ids):
    return admin_client.post(url, {"action": action, "_selected_action": [str(i) for i in ids]}, follow=True)


def test_hide_and_unhide_papers_are_logged(admin_client):
    paper = make_paper()
    response = _action(admin_client, "/admin/catalog/paper/", "hide_papers", [paper.pk])
    assert "Hid 1 paper" in response.content.decode()
    paper.refresh_from_db()
    assert paper.hidden
    assert admin_client.get(paper.get_absolute_url()).status_code == 404
    _action(admin_client, "/admin/catalog/paper/", "unhide_papers", [paper.pk])
    log = list(ModerationLog.objects.order_by("id").values_list("action", "target_id", "moderator__username"))
    assert log == [("hide", str(paper.pk), "mod"), ("unhide", str(paper.pk), "mod")]
    assert "hide" in admin_client.get("/admin/community/moderationlog/").content.decode()


def test_ban_and_unban_users_in_admin(admin_client):
    voter, paper = make_user(), make_paper()
    make_vote(user=voter, paper=paper)
    _action(admin_client, "/admin/auth/user/", "ban_users", [voter.pk])
    paper.refresh_from_db()
    assert paper.vote_count == 0 and voter.profile.banned
    _action(admin_client, "/admin/auth/user/", "unban_users", [voter.pk])
    paper.refresh_from_db()
    assert paper.vote_count == 1
    assert list(ModerationLog.objects.order_by("id").values_list("action", flat=True)) == ["ban", "unban"]


def test_see_who_voted_and_remove_votes(admin_client):
    paper = make_paper()
    voter = make_user(username="voter_one")
    vote = make_vote(user=voter, paper=paper)
    assert "voter_one" in admin_client.get(f"/admin/catalog/paper/{paper.pk}/change/").content.decode()
    listing = admin_client.get(f"/admin/community/vote/?q={paper.arxiv_id}").content.decode()
    assert "voter_one" in listing
    _action(admin_client, "/admin/community/vote/", "remove_votes", [vote.pk])
    paper.refresh_from_db()
    assert paper.vote_count == 0 and not Vote.objects.exists()
    assert ModerationLog.objects.get().action == "remove_vote"


def test_reject_submission_is_logged(admin_client):
    sub = make_submission(raw="2606.1", arxiv_id="2606.00001")
    _action(admin_client, "/admin/community/submission/", "reject", [sub.pk])
    sub.refresh_from_db()
    assert sub.status == "rejected" and ModerationLog.objects.get().action == "reject_submission"


def test_admin_pages_render_markup_in_titles_as_text(admin_client):
    paper = make_paper(title=EVIL)
    make_vote(user=make_user(), paper=paper)
    for url in ["/admin/catalog/paper/", f"/admin/catalog/paper/{paper.pk}/change/", "/admin/community/vote/"]:
        html = admin_client.get(url).content.decode()
        assert RAW not in html, url
        assert "&lt;img" in html, url
    _action(admin_client, "/admin/catalog/paper/", "hide_papers", [paper.pk])
    html = admin_client.get("/admin/community/moderationlog/").content.decode()
    assert RAW not in html and "&lt;img" in html


def test_markup_in_titles_renders_as_text_on_community_pages(client):
    from django.utils import timezone

    owner = make_user()
    paper = make_paper(title=EVIL, listing_date=timezone.now().date())
    for _ in range(2):
        make_vote(user=make_user(), paper=paper)
    collection = coll.create_collection(owner=owner, name=f"List {RAW}", public=True)
    coll.add_paper(collection, paper)
    client.force_login(owner)
    make_vote(user=owner, paper=paper)
    for url in ["/trending", f"/collections/{collection.pk}/", "/accounts/profile/", "/collections/",
                paper.get_absolute_url(), "/"]:
        html = client.get(url).content.decode()
        assert RAW not in html, url
        assert "&lt;img" in html, url


def test_staff_only(client):
    client.force_login(make_user())
    assert client.get("/admin/catalog/paper/").status_code == 302
