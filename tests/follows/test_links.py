"""Links beyond code: who may add them, http(s) only, moderation, only approved ones shown."""

from __future__ import annotations

import datetime as dt

import pytest

from paperfeed.community.models import ModerationLog, Submission
from paperfeed.follows import links, services
from paperfeed.follows.models import PaperLink, Status
from tests.factories import add_authors, make_author_claim, make_paper, make_submission, make_user

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


def test_who_may_add_links():
    paper = make_paper()
    ada, _ = add_authors(paper)
    picker, submitter, author, pending_author, stranger = (make_user() for _ in range(5))
    paper.picked_by = picker
    paper.save(update_fields=["picked_by"])
    make_submission(user=submitter, arxiv_id=paper.arxiv_id, paper=paper, status=Submission.Status.LISTED)
    make_author_claim(user=author, paper=paper, author=ada, status=Status.APPROVED)
    other = make_paper()
    make_author_claim(user=pending_author, paper=paper, author=ada, status=Status.PENDING)
    make_author_claim(user=pending_author, paper=other, author=ada, status=Status.APPROVED)
    assert all(links.may_add_links(u, paper) for u in (picker, submitter, author, make_user(is_staff=True)))
    assert not links.may_add_links(stranger, paper)
    assert not links.may_add_links(pending_author, paper)  # pending here, approved only on another paper


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/x", "example.org", "", "https://",
                                 "data:text/html,<script>", "https://" + "a" * 1000 + ".org"])
def test_only_http_urls(url):
    with pytest.raises(links.LinkError):
        links.clean_url(url)


def test_link_waits_for_staff_then_shows():
    paper = make_paper()
    submitter, staff = make_user(), make_user(is_staff=True)
    paper.picked_by = submitter
    paper.save(update_fields=["picked_by"])
    link = links.add_link(user=submitter, paper=paper, kind="dataset", url=" https://data.example.org/set ",
                          title="The set", now=NOW)
    assert (link.status, link.url) == (Status.PENDING, "https://data.example.org/set")
    assert services.approved_links([paper.pk]) == {}
    assert links.decide_links([link], approve=True, moderator=staff, now=NOW) == 1
    assert services.approved_links([paper.pk]) == {paper.pk: [link]}
    assert ModerationLog.objects.filter(action="link-approved").count() == 1


def test_staff_links_are_approved_and_duplicates_refused():
    paper = make_paper()
    staff = make_user(is_staff=True)
    link = links.add_link(user=staff, paper=paper, kind="model", url="https://hf.co/m", now=NOW)
    assert link.status == Status.APPROVED
    with pytest.raises(links.LinkError, match="already"):
        links.add_link(user=staff, paper=paper, kind="model", url="https://hf.co/m", now=NOW)


def test_strangers_and_bad_kinds_are_refused():
    paper = make_paper()
    with pytest.raises(links.LinkError, match="submitter"):
        links.add_link(user=make_user(), paper=paper, kind="model", url="https://hf.co/m", now=NOW)
    with pytest.raises(links.LinkError, match="Choose"):
        links.add_link(user=make_user(is_staff=True), paper=paper, kind="code", url="https://hf.co/m", now=NOW)
    assert not PaperLink.objects.exists()
