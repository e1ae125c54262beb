"""The reading services other apps call: audience of a paper, what a user follows, lab members, links."""

from __future__ import annotations

import pytest

from paperfeed.follows import services
from paperfeed.follows.models import AuthorClaim, Follow, Lab, LabMembership, PaperLink, Status
from tests.factories import add_authors, make_paper, make_user

pytestmark = pytest.mark.django_db


def _claim(user, paper, author, status=Status.APPROVED):
    return AuthorClaim.objects.create(user=user, paper=paper, author=author, status=status)


def test_audience_of_a_paper_nobody_follows_is_empty():
    paper = make_paper()
    add_authors(paper)
    assert services.paper_audience(paper.pk) == set()


def test_audience_holds_author_followers_claimants_their_followers_and_lab_followers():
    paper = make_paper()
    ada, other = add_authors(paper)
    author_fan, claimant, user_fan, lab_fan, bystander = (make_user() for _ in range(5))
    Follow.objects.create(user=author_fan, author=other)
    _claim(claimant, paper, ada)
    Follow.objects.create(user=user_fan, followed_user=claimant)
    lab = Lab.objects.create(name="Lab", slug="lab")
    LabMembership.objects.create(lab=lab, user=claimant)
    Follow.objects.create(user=lab_fan, lab=lab)
    Follow.objects.create(user=bystander, lab=Lab.objects.create(name="Other", slug="other"))
    assert services.paper_audience(paper.pk) == {author_fan.pk, claimant.pk, user_fan.pk, lab_fan.pk}


def test_pending_or_rejected_claims_reach_nobody():
    paper = make_paper()
    ada, _ = add_authors(paper)
    pending, rejected, lab_fan = make_user(), make_user(), make_user()
    _claim(pending, paper, ada, Status.PENDING)
    _claim(rejected, paper, ada, Status.REJECTED)
    lab = Lab.objects.create(name="Lab", slug="lab")
    LabMembership.objects.create(lab=lab, user=pending)
    Follow.objects.create(user=lab_fan, lab=lab)
    assert services.paper_audience(paper.pk) == set()


def test_audience_of_another_paper_by_a_followed_author_does_not_leak():
    first, second = make_paper(), make_paper()
    add_authors(first, ["Grace Hopper"])
    add_authors(second, ["Alan Turing"])
    fan = make_user()
    Follow.objects.create(user=fan, author=first.authorships.get().author)
    assert services.paper_audience(second.pk) == set()
    assert services.paper_audience(first.pk) == {fan.pk}


def test_followed_ids_by_kind_and_lab_members():
    paper = make_paper()
    ada, _ = add_authors(paper)
    reader, friend, member = make_user(), make_user(), make_user()
    lab = Lab.objects.create(name="Lab", slug="lab")
    LabMembership.objects.create(lab=lab, user=member, is_admin=True)
    Follow.objects.create(user=reader, author=ada)
    Follow.objects.create(user=reader, followed_user=friend)
    Follow.objects.create(user=reader, lab=lab)
    assert services.followed_author_ids(reader.pk) == {ada.pk}
    assert services.followed_user_ids(reader.pk) == {friend.pk}
    assert services.followed_lab_ids(reader.pk) == {lab.pk}
    assert services.lab_member_ids([lab.pk]) == {member.pk}
    assert services.lab_member_ids([]) == set()
    assert services.followed_author_ids(friend.pk) == set()


def test_approved_links_only_approved_grouped_by_paper():
    first, second = make_paper(), make_paper()
    shown = PaperLink.objects.create(paper=first, kind=PaperLink.Kind.DATASET, url="https://data.example.org/x",
                                     status=Status.APPROVED)
    PaperLink.objects.create(paper=first, kind=PaperLink.Kind.MODEL, url="https://models.example.org/y")
    assert services.approved_links([first.pk, second.pk]) == {first.pk: [shown]}
    assert services.approved_links([]) == {}
