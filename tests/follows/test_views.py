"""Follows pages: follow/unfollow (POST, CSRF, login, rate limit), labs, user pages, claims and links, hooks."""

from __future__ import annotations

import pytest
from django.test import Client

from paperfeed.follows.models import AuthorClaim, Follow, Lab, PaperLink, Status
from tests.factories import (
    add_authors,
    make_author_claim,
    make_follow,
    make_lab,
    make_lab_membership,
    make_paper,
    make_submission,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client):
    user = make_user(username="reader")
    client.force_login(user)
    return user


def _lab(**kw) -> Lab:
    return make_lab(**{"name": "Vision Lab", "slug": "vision", **kw})


def test_follow_and_unfollow_an_author(client, reader):
    paper = make_paper()
    ada, _ = add_authors(paper)
    response = client.post("/follow", {"kind": "author", "id": ada.pk, "next": "/authors/x"})
    assert response.status_code == 302 and response["Location"] == "/authors/x"
    assert Follow.objects.filter(user=reader, author=ada).count() == 1
    client.post("/follow", {"kind": "author", "id": ada.pk})  # idempotent
    assert Follow.objects.filter(user=reader).count() == 1
    client.post("/follow", {"kind": "author", "id": ada.pk, "action": "unfollow"})
    assert not Follow.objects.exists()


def test_follow_next_elsewhere_is_not_followed(client, reader):
    lab = _lab()
    response = client.post("/follow", {"kind": "lab", "id": lab.pk, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_follow_needs_login_and_post(client):
    lab = _lab()
    assert client.get("/follow").status_code == 405
    response = client.post("/follow", {"kind": "lab", "id": lab.pk})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Follow.objects.exists()


def test_follow_needs_csrf():
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(make_user())
    lab = _lab()
    assert csrf_client.post("/follow", {"kind": "lab", "id": lab.pk}).status_code == 403
    assert not Follow.objects.exists()


@pytest.mark.parametrize(("data", "status"), [
    ({"kind": "lab", "id": "x"}, 400),
    ({"kind": "paper", "id": "1"}, 400),
    ({"kind": "lab", "id": "1", "action": "boom"}, 400),
    ({"kind": "lab", "id": "999999"}, 404),
    ({"kind": "author", "id": "999999"}, 404),
    ({"kind": "user", "id": "999999"}, 404),
])
def test_follow_bad_input_is_a_clear_4xx(client, reader, data, status):
    assert client.post("/follow", data).status_code == status


def test_cannot_follow_yourself(client, reader):
    client.post("/follow", {"kind": "user", "id": reader.pk})
    assert not Follow.objects.exists()


def test_follow_is_rate_limited(client, reader, settings):
    settings.RATELIMIT_FOLLOW = "2/h"
    lab = _lab()
    for _ in range(2):
        assert client.post("/follow", {"kind": "lab", "id": lab.pk}).status_code == 302
    response = client.post("/follow", {"kind": "lab", "id": lab.pk})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1


def test_lab_page_lists_members_papers_and_picks(client):
    lab = _lab(description="We see things.")
    member = make_user(username="grace")
    make_lab_membership(lab=lab, user=member)
    authored, picked, hidden, unrelated = (make_paper(title=t) for t in ("Authored one", "Picked one",
                                                                           "Hidden one", "Unrelated one"))
    ada, _ = add_authors(authored)
    make_author_claim(user=member, paper=authored, author=ada, status=Status.APPROVED)
    picked.picked_by = member
    picked.save(update_fields=["picked_by"])
    hidden.picked_by, hidden.hidden = member, True
    hidden.save(update_fields=["picked_by", "hidden"])
    body = client.get("/labs/vision").content.decode()
    assert "Vision Lab" in body and "We see things." in body and "grace" in body
    assert "Authored one" in body and "Picked one" in body
    assert "Hidden one" not in body and "Unrelated one" not in body
    assert "Log in to follow" in body
    assert "Vision Lab" in client.get("/labs/").content.decode()


def test_unknown_pages_are_404(client):
    assert client.get("/labs/nope").status_code == 404
    assert client.get("/users/nobody").status_code == 404
    assert client.get("/users/" + make_user(active=False).username).status_code == 404
    client.force_login(make_user())
    assert client.get("/papers/9999.99999/contribute").status_code == 404
    assert client.post("/labs/nope/members", {"username": "x"}).status_code == 404


def test_lab_admin_manages_members_others_may_not(client):
    lab = _lab()
    boss, newcomer, outsider = make_user(username="boss"), make_user(username="newbie"), make_user()
    make_lab_membership(lab=lab, user=boss, is_admin=True)
    client.force_login(outsider)
    assert client.post("/labs/vision/members", {"username": "newbie"}).status_code == 403
    assert "Add a member" not in client.get("/labs/vision").content.decode()
    client.force_login(boss)
    assert "Add a member" in client.get("/labs/vision").content.decode()
    client.post("/labs/vision/members", {"username": "NEWBIE"})
    assert lab.memberships.filter(user=newcomer, is_admin=False).exists()
    response = client.post("/labs/vision/members", {"username": "ghost"}, follow=True)
    assert "No account named" in response.content.decode()
    client.post("/labs/vision/members", {"remove": newcomer.pk})
    assert not lab.memberships.filter(user=newcomer).exists()
    response = client.post("/labs/vision/members", {"remove": boss.pk}, follow=True)
    assert "at least one admin" in response.content.decode()
    assert client.post("/labs/vision/members", {"remove": "x"}).status_code == 302


def test_staff_manage_any_lab(client):
    lab = _lab()
    make_user(username="someone")
    client.force_login(make_user(is_staff=True))
    client.post("/labs/vision/members", {"username": "someone", "is_admin": "on"})
    assert lab.memberships.get().is_admin


def test_user_page_lists_picks_submissions_and_papers(client):
    user = make_user(username="ada")
    picked, submitted, authored = (make_paper(title=t) for t in ("A pick", "A submission", "A paper"))
    picked.picked_by = user
    picked.save(update_fields=["picked_by"])
    make_submission(user=user, arxiv_id=submitted.arxiv_id, paper=submitted, status="listed")
    author, _ = add_authors(authored)
    make_author_claim(user=user, paper=authored, author=author, status=Status.APPROVED)
    body = client.get("/users/ada").content.decode()
    assert "A pick" in body and "A submission" in body and "A paper" in body


def test_author_page_shows_follow_claimant_and_picks(client, reader):
    paper, picked = make_paper(), make_paper(title="Claimant's pick")
    ada, _ = add_authors(paper)
    claimant = make_user(username="ada")
    make_author_claim(user=claimant, paper=paper, author=ada, status=Status.APPROVED)
    picked.picked_by = claimant
    picked.save(update_fields=["picked_by"])
    make_follow(user=reader, author=ada)
    body = client.get(f"/authors/{ada.key}").content.decode()
    assert "Following" in body and 'href="/users/ada"' in body and "Claimant&#x27;s pick" in body


def test_claim_from_the_contribute_page(client, reader, settings):
    settings.FOLLOWS_AUTO_APPROVE_DOMAINS = []
    paper = make_paper()
    ada, _ = add_authors(paper)
    url = f"/papers/{paper.arxiv_id}/contribute"
    assert client.get(url).status_code == 200
    response = client.post(url, {"form": "claim", "author": ada.pk}, follow=True)
    assert "staff will review" in response.content.decode()
    assert AuthorClaim.objects.get(user=reader).status == Status.PENDING
    response = client.post(url, {"form": "claim", "author": "nonsense"})
    assert response.status_code == 200  # the form says what was wrong


def test_contribute_needs_login(client):
    paper = make_paper()
    response = client.get(f"/papers/{paper.arxiv_id}/contribute")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_add_link_from_the_contribute_page_then_paper_page_shows_approved_only(client, reader):
    paper = make_paper()
    paper.picked_by = reader
    paper.save(update_fields=["picked_by"])
    url = f"/papers/{paper.arxiv_id}/contribute"
    response = client.post(url, {"form": "link", "kind": "project", "url": "javascript:alert(1)"}, follow=True)
    assert "http://" in response.content.decode() and not PaperLink.objects.exists()
    client.post(url, {"form": "link", "kind": "project", "url": "https://proj.example.org/", "title": "<b>x</b>"})
    link = PaperLink.objects.get()
    assert "proj.example.org" not in client.get(paper.get_absolute_url()).content.decode()
    PaperLink.objects.filter(pk=link.pk).update(status=Status.APPROVED)
    body = client.get(paper.get_absolute_url()).content.decode()
    assert 'href="https://proj.example.org/"' in body and "&lt;b&gt;x&lt;/b&gt;" in body and "<b>x</b>" not in body


def test_stranger_cannot_add_links(client, reader):
    paper = make_paper()
    body = client.get(f"/papers/{paper.arxiv_id}/contribute").content.decode()
    assert "submitter and its confirmed authors" in body
    client.post(f"/papers/{paper.arxiv_id}/contribute", {"form": "link", "kind": "model", "url": "https://x.org/"})
    assert not PaperLink.objects.exists()


def test_profile_lists_follows_and_claims(client, reader):
    lab = _lab()
    make_follow(user=reader, lab=lab)
    body = client.get("/accounts/profile/").content.decode()
    assert "You follow" in body and "Vision Lab" in body and "/users/reader" in body
