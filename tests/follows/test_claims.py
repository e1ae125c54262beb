"""Authorship claims: validation, auto-approval by verified email domain, staff decisions, the claimed map."""

from __future__ import annotations

import datetime as dt

import pytest

from paperfeed.community.models import ModerationLog
from paperfeed.follows import claims
from paperfeed.follows.models import Status
from tests.factories import add_authors, make_author_claim, make_paper, make_profile, make_user

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


def _verified(email: str):
    user = make_user(email=email)
    make_profile(user=user, email_confirmed_at=NOW)
    return user


@pytest.mark.parametrize(("email", "domains", "expected"), [
    ("a@uni.edu", ["uni.edu"], True),
    ("a@cs.uni.edu", ["uni.edu"], True),
    ("a@CS.Uni.Edu", ["@uni.edu "], True),
    ("a@evil-uni.edu", ["uni.edu"], False),
    ("a@uni.edu.evil.com", ["uni.edu"], False),
    ("a@uni.edu", [], False),
    ("no-at-sign", ["uni.edu"], False),
    ("a@", ["uni.edu"], False),
    ("a@uni.edu", [""], False),
])
def test_email_domain_matches(email, domains, expected):
    assert claims.email_domain_matches(email, domains) is expected


def test_claim_is_pending_without_a_matching_domain(settings):
    settings.FOLLOWS_AUTO_APPROVE_DOMAINS = ["uni.edu"]
    paper = make_paper()
    ada, _ = add_authors(paper)
    claim = claims.claim_authorship(user=_verified("ada@elsewhere.org"), paper=paper, author_id=ada.pk, now=NOW)
    assert claim.status == Status.PENDING
    assert claim.decided_at is None


def test_claim_by_a_verified_account_of_a_listed_domain_is_approved_at_once(settings):
    settings.FOLLOWS_AUTO_APPROVE_DOMAINS = ["uni.edu"]
    paper = make_paper()
    ada, _ = add_authors(paper)
    claim = claims.claim_authorship(user=_verified("ada@cs.uni.edu"), paper=paper, author_id=ada.pk, now=NOW)
    assert (claim.status, claim.decided_at, claim.decided_by) == (Status.APPROVED, NOW, None)


def test_an_unverified_account_of_a_listed_domain_waits_for_staff(settings):
    settings.FOLLOWS_AUTO_APPROVE_DOMAINS = ["uni.edu"]
    paper = make_paper()
    ada, _ = add_authors(paper)
    claim = claims.claim_authorship(user=make_user(email="ada@uni.edu"), paper=paper, author_id=ada.pk, now=NOW)
    assert claim.status == Status.PENDING


def test_claiming_someone_not_on_the_paper_or_twice_is_refused():
    paper, other = make_paper(), make_paper()
    ada, _ = add_authors(paper)
    (stranger,) = add_authors(other, ["Somebody Else"])
    user = make_user()
    with pytest.raises(claims.ClaimError, match="one of this paper's authors"):
        claims.claim_authorship(user=user, paper=paper, author_id=stranger.pk, now=NOW)
    claims.claim_authorship(user=user, paper=paper, author_id=ada.pk, now=NOW)
    with pytest.raises(claims.ClaimError, match="already claimed"):
        claims.claim_authorship(user=user, paper=paper, author_id=ada.pk, now=NOW)


def test_staff_decisions_are_logged_and_idempotent():
    paper = make_paper()
    ada, _ = add_authors(paper)
    staff = make_user(is_staff=True)
    claim = claims.claim_authorship(user=make_user(), paper=paper, author_id=ada.pk, now=NOW)
    assert claims.decide_claims([claim], approve=True, moderator=staff, now=NOW) == 1
    assert claims.decide_claims([claim], approve=True, moderator=staff, now=NOW) == 0
    claim.refresh_from_db()
    assert (claim.status, claim.decided_by) == (Status.APPROVED, staff)
    assert ModerationLog.objects.filter(action="claim-approved", target_id=str(claim.pk)).count() == 1


def test_claimed_map_follows_approvals_and_is_one_query(django_assert_num_queries):
    paper = make_paper()
    ada, _ = add_authors(paper)
    user = make_user(username="ada")
    claim = make_author_claim(user=user, paper=paper, author=ada)
    assert claims.claimed_profiles() == {}
    claims.decide_claims([claim], approve=True, moderator=None, now=NOW)
    with django_assert_num_queries(1):
        mapping = claims.claimed_profiles()
    assert mapping == {f"/authors/{ada.key}": "ada"}
    with django_assert_num_queries(0):
        claims.claimed_profiles()
    claim.delete()
    assert claims.claimed_profiles() == {}
