"""Follows services: who follows what, who hears about a paper, labs, claims and links.

The reading functions at the top are the interface other apps call (notifications, personal feed,
API); each answers in a fixed, small number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from paperfeed.follows.models import AuthorClaim, Follow, LabMembership, PaperLink, Status


def paper_audience(paper_id: int) -> set[int]:
    """Ids of users who should hear about activity on the paper.

    Followers of any of its authors, followers of a user with an approved claim on it, followers of
    a lab one of whose members has an approved claim on it, and the claimed authors themselves.
    """
    claimants = set(AuthorClaim.objects.filter(paper_id=paper_id, status=Status.APPROVED)
                    .values_list("user_id", flat=True))
    lab_ids = set(LabMembership.objects.filter(user_id__in=claimants).values_list("lab_id", flat=True)) \
        if claimants else set()
    target = Q(author__authorships__paper_id=paper_id)
    if claimants:
        target |= Q(followed_user_id__in=claimants)
    if lab_ids:
        target |= Q(lab_id__in=lab_ids)
    followers = set(Follow.objects.filter(target).values_list("user_id", flat=True))
    return followers | claimants


def followed_author_ids(user_id: int) -> set[int]:
    """Ids of the catalog authors the user follows."""
    return set(Follow.objects.filter(user_id=user_id, author__isnull=False).values_list("author_id", flat=True))


def followed_user_ids(user_id: int) -> set[int]:
    """Ids of the users the user follows."""
    return set(Follow.objects.filter(user_id=user_id, followed_user__isnull=False)
               .values_list("followed_user_id", flat=True))


def followed_lab_ids(user_id: int) -> set[int]:
    """Ids of the labs the user follows."""
    return set(Follow.objects.filter(user_id=user_id, lab__isnull=False).values_list("lab_id", flat=True))


def lab_member_ids(lab_ids: Iterable[int]) -> set[int]:
    """Ids of the users who are members of any of the labs."""
    lab_ids = list(lab_ids)
    if not lab_ids:
        return set()
    return set(LabMembership.objects.filter(lab_id__in=lab_ids).values_list("user_id", flat=True))


def approved_links(paper_ids: Iterable[int]) -> dict[int, list[PaperLink]]:
    """Approved extra links (project page, dataset, model) of each paper, by paper id; papers without any are absent."""
    paper_ids = list(paper_ids)
    out: dict[int, list[PaperLink]] = {}
    if not paper_ids:
        return out
    for link in PaperLink.objects.filter(paper_id__in=paper_ids, status=Status.APPROVED).order_by("kind", "id"):
        out.setdefault(link.paper_id, []).append(link)
    return out


# --- following -----------------------------------------------------------------------------------
KINDS = ("author", "user", "lab")


class FollowError(ValueError):
    """A follow that cannot be made; the message says why."""


def _target_field(kind: str) -> str:
    if kind not in KINDS:
        raise FollowError(f"Unknown kind {kind!r}: one of {', '.join(KINDS)}.")
    return {"author": "author_id", "user": "followed_user_id", "lab": "lab_id"}[kind]


def follow(*, user, kind: str, target_id: int) -> bool:
    """Make ``user`` follow the target (idempotent); returns True if a new follow was made."""
    field = _target_field(kind)
    if kind == "user" and target_id == user.pk:
        raise FollowError("You cannot follow yourself.")
    _, created = Follow.objects.get_or_create(user=user, **{field: target_id})
    return created


def unfollow(*, user, kind: str, target_id: int) -> bool:
    """Stop ``user`` following the target; returns True if there was a follow to remove."""
    deleted, _ = Follow.objects.filter(user=user, **{_target_field(kind): target_id}).delete()
    return bool(deleted)


def is_following(*, user, kind: str, target_id: int) -> bool:
    """True if ``user`` (signed in) follows the target."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(user=user, **{_target_field(kind): target_id}).exists()


def follower_count(*, kind: str, target_id: int) -> int:
    """How many users follow the target."""
    return Follow.objects.filter(**{_target_field(kind): target_id}).count()
