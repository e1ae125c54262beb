"""The reading services other apps call: audience of a paper, what a user follows, lab members, links."""

from __future__ import annotations

import pytest

from paperfeed.follows import services
from paperfeed.follows.models import PaperLink, Status
from tests.factories import (
    add_authors,
    make_author_claim,
    make_follow,
    make_lab,
    make_lab_membership,
    make_paper,
    make_paper_link,
    make_user,
)

pytestmark = pytest.mark.django_db


def _claim(user, paper, author, status=Status.APPROVED):
    return make_author_claim(user=user, paper=paper, author=author, status=status)


def test_audience_of_a_paper_nobody_follows_is_empty():
    paper = make_paper()
    add_authors(paper)
    assert services.paper_audience(paper.pk) == set()


def test_audience_holds_author_followers_claimants_their_followers_and_lab_followers():
    paper = make_paper()
    ada, other = add_authors(paper)
    author_fan, claimant, user_fan, lab_fan, bystander = (make_user() for _ in range(5))
    make_follow(user=author_fan, author=other)
    _claim(claimant, paper, ada)
    make_follow(user=user_fan, followed_user=claimant)
    lab = make_lab(name="Lab", slug="lab")
    make_lab_membership(lab=lab, user=claimant)
    make_follow(user=lab_fan, lab=lab)
    make_follow(user=bystander, lab=make_lab(name="Other", slug="other"))
    assert services.paper_audience(paper.pk) == {author_fan.pk, claimant.pk, user_fan.pk, lab_fan.pk}


def test_pending_or_rejected_claims_reach_nobody():
    paper = make_paper()
    ada, _ = add_authors(paper)
    pending, rejected, lab_fan = make_user(), make_user(), make_user()
    _claim(pending, paper, ada, Status.PENDING)
    _claim(rejected, paper, ada, Status.REJECTED)
    lab = make_lab(name="Lab", slug="lab")
    make_lab_membership(lab=lab, user=pending)
    make_follow(user=lab_fan, lab=lab)
    assert services.paper_audience(paper.pk) == set()


def test_audience_of_another_paper_by_a_followed_author_does_not_leak():
    first, second = make_paper(), make_paper()
    add_authors(first, ["Grace Hopper"])
    add_authors(second, ["Alan Turing"])
    fan = make_user()
    make_follow(user=fan, author=first.authorships.get().author)
    assert services.paper_audience(second.pk) == set()
    assert services.paper_audience(first.pk) == {fan.pk}


def test_followed_ids_by_kind_and_lab_members():
    paper = make_paper()
    ada, _ = add_authors(paper)
    reader, friend, member = make_user(), make_user(), make_user()
    lab = make_lab(name="Lab", slug="lab")
    make_lab_membership(lab=lab, user=member, is_admin=True)
    make_follow(user=reader, author=ada)
    make_follow(user=reader, followed_user=friend)
    make_follow(user=reader, lab=lab)
    assert services.followed_author_ids(reader.pk) == {ada.pk}
    assert services.followed_user_ids(reader.pk) == {friend.pk}
    assert services.followed_lab_ids(reader.pk) == {lab.pk}
    assert services.lab_member_ids([lab.pk]) == {member.pk}
    assert services.lab_member_ids([]) == set()
    assert services.followed_author_ids(friend.pk) == set()


def test_approved_links_only_approved_grouped_by_paper():
    first, second = make_paper(), make_paper()
    shown = make_paper_link(paper=first, kind=PaperLink.Kind.DATASET, url="https://data.example.org/x",
                            status=Status.APPROVED)
    make_paper_link(paper=first, kind=PaperLink.Kind.MODEL, url="https://models.example.org/y")
    assert services.approved_links([first.pk, second.pk]) == {first.pk: [shown]}
    assert services.approved_links([]) == {}
