"""Moderation in the admin: hide comments, lock threads, ban authors; each action logged."""

from __future__ import annotations

import pytest

from paperfeed.community.models import ModerationLog
from paperfeed.discussions.models import Comment, ThreadLock
from paperfeed.discussions.services import report_comment
from tests.factories import make_comment, make_paper, make_user, make_verified_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def _action(client, action: str, ids: list[int], url: str = "/admin/discussions/comment/"):
    return client.post(url, {"action": action, "_selected_action": [str(i) for i in ids]}, follow=True)


def test_hide_and_unhide(staff_client, client):
    paper = make_paper()
    top = make_comment(paper=paper, body="top")
    reply = make_comment(paper=paper, parent=top, body="the reply")
    assert _action(staff_client, "hide", [reply.pk]).status_code == 200
    reply.refresh_from_db()
    paper.refresh_from_db()
    assert reply.hidden_at is not None and paper.comment_count == 1
    assert ModerationLog.objects.filter(action="hide_comment", target_id=str(reply.pk)).exists()
    client.logout()
    assert "the reply" not in client.get(paper.get_absolute_url()).content.decode()
    staff_client.force_login(make_user(is_staff=True, is_superuser=True))
    _action(staff_client, "unhide", [reply.pk])
    paper.refresh_from_db()
    assert paper.comment_count == 2


def test_hidden_top_with_replies_is_a_placeholder(staff_client):
    paper = make_paper()
    top = make_comment(paper=paper, body="bad top")
    make_comment(paper=paper, parent=top, body="fine reply")
    _action(staff_client, "hide", [top.pk])
    html = staff_client.get(paper.get_absolute_url()).content.decode()
    assert "bad top" not in html and "[hidden by a moderator]" in html and "fine reply" in html


def test_lock_and_ban(staff_client):
    c = make_comment()
    _action(staff_client, "lock_threads", [c.pk])
    assert ThreadLock.objects.filter(paper=c.paper).exists()
    assert ModerationLog.objects.filter(action="lock_thread").count() == 1
    _action(staff_client, "ban_authors", [c.pk])
    assert ModerationLog.objects.filter(action="ban", target_id=str(c.author_id)).exists()


def test_lock_through_threadlock_admin(staff_client):
    paper = make_paper()
    response = staff_client.post("/admin/discussions/threadlock/add/", {"paper": paper.pk, "reason": "heated"},
                                 follow=True)
    assert response.status_code == 200
    lock = ThreadLock.objects.get(paper=paper)
    assert ModerationLog.objects.filter(action="lock_thread", reason="heated").exists()
    staff_client.post(f"/admin/discussions/threadlock/{lock.pk}/delete/", {"post": "yes"})
    assert not ThreadLock.objects.exists()
    assert ModerationLog.objects.filter(action="unlock_thread").exists()


def test_report_hide_action(staff_client):
    c = make_comment()
    report = report_comment(user=make_verified_user(), comment_id=c.pk, reason="spam")
    _action(staff_client, "hide_comments", [report.pk], url="/admin/discussions/commentreport/")
    assert Comment.objects.get(pk=c.pk).hidden_at is not None
    report.refresh_from_db()
    assert report.resolved


def test_admin_pages_render(staff_client):
    make_comment()
    for url in ("/admin/discussions/comment/", "/admin/discussions/commentreport/", "/admin/discussions/threadlock/",
                "/admin/notifications/notification/", "/admin/notifications/notificationmail/"):
        assert staff_client.get(url).status_code == 200, url
