"""Discussions services: posting rules, limits, counts, edit window, delete, votes, thread order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from paperfeed.accounts.models import Profile
from paperfeed.discussions import services
from paperfeed.discussions.moderation import set_locked
from paperfeed.discussions.models import Comment
from paperfeed.discussions.services import CommentError, post_comment, thread
from paperfeed.discussions.signals import comment_posted
from tests.factories import make_comment, make_paper, make_user, make_verified_user

pytestmark = pytest.mark.django_db


def _count(paper) -> int:
    paper.refresh_from_db(fields=["comment_count"])
    return paper.comment_count


def test_post_and_count():
    paper = make_paper()
    c = make_comment(paper=paper, body="Nice **result**")
    assert c.body_html == "<p>Nice <strong>result</strong></p>\n"
    assert _count(paper) == 1


def test_unverified_cannot_write():
    with pytest.raises(CommentError, match="Confirm your email"):
        post_comment(user=make_user(), paper=make_paper(), body="hi")
    with pytest.raises(CommentError, match="Log in"):
        post_comment(user=None, paper=make_paper(), body="hi")


def test_superuser_and_staff_are_verified():
    paper = make_paper()
    post_comment(user=make_user(is_superuser=True), paper=paper, body="from createsuperuser")
    post_comment(user=make_user(is_staff=True), paper=paper, body="staff")
    assert _count(paper) == 2


def test_banned_cannot_write():
    user = make_verified_user()
    Profile.objects.filter(user=user).update(banned=True)
    with pytest.raises(CommentError, match="banned"):
        post_comment(user=user, paper=make_paper(), body="hi")


@pytest.mark.parametrize("body", ["", "   ", "\n\t"])
def test_empty_body(body):
    with pytest.raises(CommentError, match="empty"):
        post_comment(user=make_verified_user(), paper=make_paper(), body=body)


def test_too_long(settings):
    settings.COMMENT_MAX_CHARS = 10
    with pytest.raises(CommentError, match="at most 10"):
        post_comment(user=make_verified_user(), paper=make_paper(), body="x" * 11)


def test_nul_and_surrogates_are_stored_safely():
    c = make_comment(body="a\x00b\ud800c")
    assert c.body == "ab?c"


def test_rate_limit_tighter_for_new_accounts(settings):
    settings.COMMENT_RATE_PER_HOUR, settings.COMMENT_RATE_PER_HOUR_NEW = 5, 2
    paper, now = make_paper(), timezone.now()
    new, old = make_verified_user(days_old=0), make_verified_user(days_old=30)
    for i in range(2):
        post_comment(user=new, paper=paper, body=f"n{i}", now=now)
    with pytest.raises(CommentError, match="2 comments an hour"):
        post_comment(user=new, paper=paper, body="again", now=now)
    post_comment(user=new, paper=paper, body="later", now=now + dt.timedelta(hours=1, seconds=1))
    for i in range(5):
        post_comment(user=old, paper=paper, body=f"o{i}", now=now)
    with pytest.raises(CommentError, match="5 comments an hour"):
        post_comment(user=old, paper=paper, body="again", now=now)


def test_link_spam_limit_for_new_accounts(settings):
    settings.COMMENT_MAX_LINKS_NEW = 2
    body = "https://a.example https://b.example https://c.example"
    with pytest.raises(CommentError, match="at most 2 links"):
        post_comment(user=make_verified_user(days_old=0), paper=make_paper(), body=body)
    post_comment(user=make_verified_user(days_old=30), paper=make_paper(), body=body)


def test_reply_to_reply_stays_one_level():
    paper = make_paper()
    top = make_comment(paper=paper)
    reply = make_comment(paper=paper, parent=top)
    deeper = make_comment(paper=paper, parent=reply)
    assert deeper.parent_id == top.pk


def test_reply_to_other_paper_is_refused():
    top = make_comment()
    with pytest.raises(CommentError, match="gone"):
        make_comment(paper=make_paper(), parent=top)


def test_locked_thread(settings):
    paper, staff = make_paper(), make_user(is_staff=True)
    set_locked([paper], locked=True, moderator=staff)
    with pytest.raises(CommentError, match="locked"):
        make_comment(paper=paper)
    post_comment(user=staff, paper=paper, body="staff may still post")


def test_hidden_paper_refused():
    with pytest.raises(CommentError):
        make_comment(paper=make_paper(hidden=True))


def test_edit_window_and_mark(settings):
    settings.COMMENT_EDIT_MINUTES = 15
    now = timezone.now()
    user = make_verified_user()
    c = make_comment(user=user, now=now)
    edited = services.edit_comment(user=user, comment_id=c.pk, body="better *text*", now=now + dt.timedelta(minutes=5))
    assert edited.edited_at is not None and "<em>text</em>" in edited.body_html
    with pytest.raises(CommentError, match="15 minutes"):
        services.edit_comment(user=user, comment_id=c.pk, body="late", now=now + dt.timedelta(minutes=16))
    with pytest.raises(CommentError, match="your own"):
        services.edit_comment(user=make_verified_user(), comment_id=c.pk, body="x", now=now)


def test_delete_leaves_placeholder_only_with_replies():
    paper = make_paper()
    alone, with_reply = make_comment(paper=paper), make_comment(paper=paper)
    make_comment(paper=paper, parent=with_reply)
    services.delete_comment(user=alone.author, comment_id=alone.pk)
    services.delete_comment(user=with_reply.author, comment_id=with_reply.pk)
    nodes = thread(paper=paper)
    assert [n.placeholder for n in nodes] == ["[deleted]"]
    assert len(nodes[0].replies) == 1
    assert _count(paper) == 1


def test_votes_and_sort():
    paper = make_paper()
    now = timezone.now()
    first = make_comment(paper=paper, now=now - dt.timedelta(minutes=2))
    second = make_comment(paper=paper, now=now - dt.timedelta(minutes=1))
    voter = make_verified_user()
    assert services.toggle_vote(user=voter, comment_id=second.pk) == (True, 1)
    assert [n.comment.pk for n in thread(paper=paper, sort="top")] == [second.pk, first.pk]
    assert [n.comment.pk for n in thread(paper=paper, sort="new")] == [second.pk, first.pk]
    assert services.toggle_vote(user=voter, comment_id=second.pk) == (False, 0)
    assert [n.comment.pk for n in thread(paper=paper, sort="top")] == [first.pk, second.pk]
    services.toggle_vote(user=voter, comment_id=first.pk)
    assert [n.voted for n in thread(paper=paper, viewer=voter)] == [True, False]


def test_thread_queries(django_assert_max_num_queries):
    paper = make_paper()
    tops = [make_comment(paper=paper) for _ in range(5)]
    for top in tops:
        make_comment(paper=paper, parent=top)
    viewer = make_verified_user()
    with django_assert_max_num_queries(2):
        assert len(thread(paper=paper, viewer=viewer)) == 5


def test_mentions_are_linked_and_signalled(django_capture_on_commit_callbacks):
    ada = make_verified_user(username="Ada")
    seen = []

    def receiver(sender, comment, mentioned, **kwargs):
        seen.append((comment.pk, mentioned))

    comment_posted.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            with_mention = make_comment(body="thanks @ada and @ghost")
    finally:
        comment_posted.disconnect(receiver)
    assert 'href="/users/Ada"' in with_mention.body_html and "@ghost" in with_mention.body_html
    assert seen == [(with_mention.pk, {ada.pk})]


def test_report_once():
    c = make_comment()
    reporter = make_verified_user()
    r1 = services.report_comment(user=reporter, comment_id=c.pk, reason="spam")
    r2 = services.report_comment(user=reporter, comment_id=c.pk, reason="spam again")
    assert r1.pk == r2.pk and Comment.objects.get(pk=c.pk).reports.count() == 1
