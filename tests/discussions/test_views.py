"""Discussion pages: the thread on the paper page, writing through forms, the count on lists, the feed."""

from __future__ import annotations

import feedparser
import pytest
from django.utils import timezone

from paperfeed.discussions.models import Comment
from tests.factories import make_comment, make_paper, make_user, make_verified_user

pytestmark = pytest.mark.django_db


def test_anonymous_reads_thread_without_form(client):
    paper = make_paper()
    make_comment(paper=paper, body="Readable by all: $x^2$ <script>alert(1)</script>")
    html = client.get(paper.get_absolute_url()).content.decode()
    assert 'id="discussion"' in html and "Readable by all: $x^2$" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert 'class="comment-form"' not in html and "Log in</a> to join" in html


def test_unverified_sees_why(client):
    paper = make_paper()
    client.force_login(make_user())
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Confirm your email address" in html and 'class="comment-form"' not in html


def test_post_reply_vote_through_forms(client):
    paper, user = make_paper(), make_verified_user()
    client.force_login(user)
    url = paper.get_absolute_url()
    response = client.post(f"{url}/comments", {"body": "First!"})
    top = Comment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{url}#c-{top.pk}"
    client.post(f"{url}/comments", {"body": "self-reply", "parent": str(top.pk)})
    assert Comment.objects.filter(parent=top).count() == 1
    assert client.post(f"/comments/{top.pk}/vote", HTTP_ACCEPT="application/json").json() == {"voted": True, "score": 1}
    html = client.get(url).content.decode()
    assert 'class="comment-form"' in html and "is-voted" in html and "(2)" in html


def test_bad_input_is_a_message_not_a_500(client):
    paper = make_paper()
    client.force_login(make_verified_user())
    url = paper.get_absolute_url()
    for data in ({"body": ""}, {"body": "x", "parent": "99999999"}, {"body": "x", "parent": "9" * 40},
                 {"body": "x", "parent": "-1"}):
        response = client.post(f"{url}/comments", data, follow=True)
        assert response.status_code == 200 and "message error" in response.content.decode()
    assert not Comment.objects.exists()
    assert client.post("/papers/0000.00000/comments", {"body": "x"}).status_code == 404


def test_edit_and_delete_pages(client):
    user = make_verified_user()
    c = make_comment(user=user)
    client.force_login(user)
    assert client.get(f"/comments/{c.pk}/edit").status_code == 200
    client.post(f"/comments/{c.pk}/edit", {"body": "changed"})
    html = client.get(c.paper.get_absolute_url()).content.decode()
    assert "changed" in html and "(edited)" in html
    # Deleting asks first: the link leads to a confirmation page, and nothing is deleted by a GET.
    confirm = client.get(f"/comments/{c.pk}/delete").content.decode()
    assert "Delete your comment?" in confirm and 'class="button danger"' in confirm
    c.paper.refresh_from_db()
    assert c.paper.comment_count == 1
    client.post(f"/comments/{c.pk}/delete")
    c.paper.refresh_from_db()
    assert c.paper.comment_count == 0
    client.force_login(make_verified_user())
    assert client.get(f"/comments/{c.pk}/edit").status_code == 404
    assert client.get(f"/comments/{c.pk}/delete").status_code == 404


def test_reply_page(client):
    c = make_comment(body="the *parent*")
    assert "Log in</a> to reply" in client.get(f"/comments/{c.pk}/reply").content.decode()
    client.force_login(make_verified_user())
    html = client.get(f"/comments/{c.pk}/reply").content.decode()
    assert "<em>parent</em>" in html and f'name="parent" value="{c.pk}"' in html
    reply = make_comment(paper=c.paper, parent=c, user=make_verified_user(username="bea"))
    html = client.get(f"/comments/{reply.pk}/reply").content.decode()
    assert ">@bea </textarea>" in html  # answering a reply names its author (replies do not nest)


def test_report(client):
    c = make_comment()
    client.force_login(make_verified_user())
    assert client.get(f"/comments/{c.pk}/report").status_code == 200
    response = client.post(f"/comments/{c.pk}/report", {"reason": "spam"}, follow=True)
    assert "moderators will look" in response.content.decode()
    assert c.reports.count() == 1


def test_count_on_daily_page(client):
    paper = make_paper(listing_date=timezone.now().date())
    make_comment(paper=paper)
    make_comment(paper=paper)
    html = client.get(f"/date/{paper.listing_date:%Y-%m-%d}").content.decode()
    assert 'data-comments="2"' in html and "2 comments" in html


def test_feed_parses(client):
    paper = make_paper()
    make_comment(paper=paper, body="feed <b>me</b> & $x<y$ \x0b")
    response = client.get(f"{paper.get_absolute_url()}/comments.atom")
    feed = feedparser.parse(response.content)
    assert response.status_code == 200 and not feed.bozo
    assert len(feed.entries) == 1
