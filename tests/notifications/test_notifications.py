"""Notifications: who is told, the bell, the page, preferences, batched exactly-once mail over real SMTP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from paperfeed.community.models import Submission
from paperfeed.discussions.moderation import set_comments_hidden
from paperfeed.notifications.mail import batch, send_notification_mail
from paperfeed.notifications.models import Kind, Notification, NotificationMail, Preferences
from paperfeed.notifications.services import unread_count
from tests.factories import (
    add_authors,
    make_comment,
    make_follow,
    make_notification_prefs,
    make_paper,
    make_submission,
    make_verified_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """make_comment with its on-commit signal run (as in production)."""

    def _post(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return make_comment(**kwargs)

    return _post


def _kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_reply_mention_and_submitter(post):
    author, replier, mentioned, picker, submitter = (make_verified_user() for _ in range(5))
    paper = make_paper(picked_by=picker)
    make_submission(user=submitter, arxiv_id=paper.arxiv_id, paper=paper, status=Submission.Status.LISTED)
    top = post(paper=paper, user=author, body="top")
    post(paper=paper, user=replier, parent=top, body=f"hey @{mentioned.username} and @{author.username}")
    assert _kinds(author) == [Kind.REPLY]  # reply wins over mention; one per comment
    assert _kinds(mentioned) == [Kind.MENTION]
    assert sorted(_kinds(picker)) == [Kind.SUBMITTED, Kind.SUBMITTED]
    assert sorted(_kinds(submitter)) == [Kind.SUBMITTED, Kind.SUBMITTED]
    assert _kinds(replier) == []  # never about one's own comment


def test_followers_of_an_author(post):
    follower = make_verified_user()
    paper = make_paper()
    (author,) = add_authors(paper, ["Grace Hopper"])
    make_follow(user=follower, author=author)
    post(paper=paper)
    assert _kinds(follower) == [Kind.FOLLOWED]


def test_bell_count_and_page(client, post):
    author = make_verified_user()
    top = post(user=author)
    post(paper=top.paper, parent=top)
    client.force_login(author)
    html = client.get("/notifications/").content.decode()
    assert 'data-unread="1"' in html and "a reply to your comment" in html
    n = Notification.objects.get(user=author)
    response = client.get(f"/notifications/{n.pk}")
    assert response["Location"].endswith(f"#c-{n.comment_id}")
    assert unread_count(author) == 0


def test_bell_is_one_query(post, django_assert_num_queries):
    author = make_verified_user()
    top = post(user=author)
    post(paper=top.paper, parent=top)
    with django_assert_num_queries(1):
        unread_count(author)


def test_mark_all_read(client, post):
    author = make_verified_user()
    top = post(user=author)
    post(paper=top.paper, parent=top)
    client.force_login(author)
    client.post("/notifications/read")
    assert unread_count(author) == 0


def test_one_mail_per_hour_batched_exactly_once(smtp, post, settings):
    settings.NOTIFY_MAIL_GAP_MINUTES = 60
    author = make_verified_user()
    top = post(user=author, body="my comment")
    now = timezone.now()
    post(paper=top.paper, parent=top, body="first <b>reply</b>")
    stats = send_notification_mail(now=now + dt.timedelta(seconds=1))
    assert (stats.batched, stats.sent) == (1, 1)
    (msg,) = smtp.to(author.email)
    text = msg.get_body(("plain",)).get_content()
    assert "first <b>reply</b>" in text and "a reply to your comment" in text
    assert msg.get_body(("html",)) is None  # plain text only
    # Two more replies within the hour: no mail yet; re-running sends nothing twice.
    post(paper=top.paper, parent=top, body="second", now=now + dt.timedelta(minutes=10))
    post(paper=top.paper, parent=top, body="third", now=now + dt.timedelta(minutes=20))
    assert send_notification_mail(now=now + dt.timedelta(minutes=30)).sent == 0
    assert len(smtp.to(author.email)) == 1
    stats = send_notification_mail(now=now + dt.timedelta(minutes=61))
    assert stats.sent == 1
    second = smtp.to(author.email)[1].get_body(("plain",)).get_content()
    assert "second" in second and "third" in second and "first" not in second
    assert send_notification_mail(now=now + dt.timedelta(minutes=200)).sent == 0
    assert NotificationMail.objects.filter(status="sent").count() == 2


def test_opt_out_per_kind(smtp, post):
    author = make_verified_user()
    make_notification_prefs(user=author, email_reply=False)
    top = post(user=author)
    post(paper=top.paper, parent=top)
    stats = send_notification_mail(now=timezone.now() + dt.timedelta(seconds=1))
    assert stats.sent == 0 and smtp.to(author.email) == []
    assert unread_count(author) == 1  # still in the bell


def test_hidden_comment_is_not_mailed(smtp, post):
    author = make_verified_user()
    top = post(user=author)
    reply = post(paper=top.paper, parent=top)
    set_comments_hidden([reply], hidden=True, moderator=None)
    assert send_notification_mail(now=timezone.now() + dt.timedelta(seconds=1)).sent == 0
    assert smtp.to(author.email) == []


def test_crashed_handed_off_mail_is_not_resent(smtp, post):
    author = make_verified_user()
    top = post(user=author)
    post(paper=top.paper, parent=top)
    now = timezone.now() + dt.timedelta(seconds=1)
    batch(now=now)
    NotificationMail.objects.update(status="handed_off", claimed_by="otherhost:1:x",
                                    claimed_at=timezone.now() - dt.timedelta(days=1))
    stats = send_notification_mail(now=now)
    assert stats.sent == 0 and stats.assumed_delivered == 1 and smtp.to(author.email) == []


def test_crashed_sending_mail_is_sent_again(smtp, post):
    author = make_verified_user()
    top = post(user=author)
    post(paper=top.paper, parent=top)
    now = timezone.now() + dt.timedelta(seconds=1)
    batch(now=now)
    NotificationMail.objects.update(status="sending", claimed_by="otherhost:1:x",
                                    claimed_at=timezone.now() - dt.timedelta(days=1))
    assert send_notification_mail(now=now).sent == 1
    assert len(smtp.to(author.email)) == 1


def test_preferences_form(client):
    user = make_verified_user()
    client.force_login(user)
    client.post("/notifications/preferences", {"email_reply": "on", "email_mention": "on"})
    prefs = Preferences.objects.get(user=user)
    assert prefs.email_reply and prefs.email_mention and not prefs.email_submitted and not prefs.email_followed
