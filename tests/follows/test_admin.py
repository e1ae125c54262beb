"""The admin approve flow for claims and links, and labs created by staff."""

from __future__ import annotations

import pytest

from paperfeed.community.models import ModerationLog
from paperfeed.follows.models import Lab, Status
from tests.factories import add_authors, make_author_claim, make_paper, make_paper_link, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = make_user(username="boss", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _action(client, model: str, action: str, pks) -> None:
    response = client.post(f"/admin/follows/{model}/", {"action": action, "_selected_action": [str(p) for p in pks]})
    assert response.status_code == 302


def test_staff_approve_and_reject_claims_in_admin(client, staff):
    paper = make_paper()
    ada, bob = add_authors(paper)
    good = make_author_claim(paper=paper, author=ada)
    bad = make_author_claim(paper=paper, author=bob)
    assert client.get("/admin/follows/authorclaim/?status__exact=pending").status_code == 200
    _action(client, "authorclaim", "approve", [good.pk])
    _action(client, "authorclaim", "reject", [bad.pk])
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, good.decided_by) == (Status.APPROVED, staff)
    assert bad.status == Status.REJECTED
    assert set(ModerationLog.objects.values_list("action", flat=True)) == {"claim-approved", "claim-rejected"}


def test_staff_approve_links_in_admin_and_the_paper_page_shows_them(client, staff):
    paper = make_paper()
    link = make_paper_link(paper=paper, kind="dataset", url="https://data.example.org/d", added_by=staff)
    assert client.get("/admin/follows/paperlink/").status_code == 200
    _action(client, "paperlink", "approve", [link.pk])
    link.refresh_from_db()
    assert link.status == Status.APPROVED
    assert 'href="https://data.example.org/d"' in client.get(paper.get_absolute_url()).content.decode()


def test_staff_create_a_lab_with_an_admin_in_admin(client, staff):
    member = make_user(username="grace")
    response = client.post("/admin/follows/lab/add/", {
        "name": "Vision Lab", "slug": "vision", "description": "", "created_at_0": "2026-12-01",
        "created_at_1": "12:00:00",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-user": str(member.pk), "memberships-0-is_admin": "on",
        "memberships-0-joined_at_0": "2026-12-01", "memberships-0-joined_at_1": "12:00:00",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    lab = Lab.objects.get(slug="vision")
    assert lab.memberships.get().user == member and lab.memberships.get().is_admin
    for page in ("/admin/follows/lab/", f"/admin/follows/lab/{lab.pk}/change/", "/admin/follows/follow/"):
        assert client.get(page).status_code == 200
