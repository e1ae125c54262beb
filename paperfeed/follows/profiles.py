"""What public pages show about a member or a claimed author: picks, submissions, claimed papers, labs."""

from __future__ import annotations

import dataclasses

from paperfeed.catalog.models import Author, Paper
from paperfeed.community.models import Submission
from paperfeed.follows import claims, labs
from paperfeed.follows.models import Follow, Lab

LIST_LIMIT = 50


@dataclasses.dataclass
class PublicProfile:
    """A member's public page."""

    user: object
    picks: list[Paper]  # papers they put on a daily list, newest pick first
    submissions: list[Submission]  # listed submissions not already among the picks
    papers: list[Paper]  # papers they authored (approved claims)
    labs: list[Lab]
    followers: int


@dataclasses.dataclass
class AuthorPanel:
    """The author page's extras: who claimed this author, and their picks and submissions."""

    author: Author
    claimants: list
    picks: list[Paper]
    submissions: list[Submission]
    followers: int


def listed_submissions(user_ids: list[int], *, exclude_paper_ids: set[int]) -> list[Submission]:
    """The users' submissions that put a visible paper on a daily list, newest first, minus papers already shown."""
    rows = (Submission.objects.filter(user_id__in=user_ids, status=Submission.Status.LISTED, paper__hidden=False)
            .exclude(paper_id__in=exclude_paper_ids).select_related("paper").order_by("-created_at", "-id"))
    return list(rows[:LIST_LIMIT])


def public_profile(user) -> PublicProfile:
    """Everything the public page of ``user`` lists."""
    picks = labs.user_picks([user.pk], limit=LIST_LIMIT)
    return PublicProfile(
        user=user,
        picks=picks,
        submissions=listed_submissions([user.pk], exclude_paper_ids={p.pk for p in picks}),
        papers=labs.member_papers([user.pk], limit=LIST_LIMIT),
        labs=list(Lab.objects.filter(memberships__user=user).order_by("name")),
        followers=Follow.objects.filter(followed_user=user).count(),
    )


def author_panel(author: Author) -> AuthorPanel:
    """The claimants of ``author`` (approved) and what they picked or submitted."""
    claimants = claims.claimants_of_author(author.pk)
    ids = [u.pk for u in claimants]
    picks = labs.user_picks(ids, limit=LIST_LIMIT) if ids else []
    submissions = listed_submissions(ids, exclude_paper_ids={p.pk for p in picks}) if ids else []
    return AuthorPanel(author=author, claimants=claimants, picks=picks, submissions=submissions,
                       followers=Follow.objects.filter(author=author).count())
