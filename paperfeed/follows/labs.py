"""Labs: members, the lab page's papers (members' claimed papers and picks), member management."""

from __future__ import annotations

import dataclasses

from django.contrib.auth import get_user_model
from django.db import transaction

from paperfeed.catalog.models import Paper
from paperfeed.catalog.services import decorate, visible_papers
from paperfeed.follows.models import AuthorClaim, Lab, LabMembership, Status

LAB_PAGE_PAPERS = 50


class LabError(ValueError):
    """A member change that cannot be made; the message says why."""


@dataclasses.dataclass
class LabPage:
    """What the lab page shows."""

    lab: Lab
    memberships: list[LabMembership]
    papers: list[Paper]  # members' papers (approved claims), newest first
    picks: list[Paper]  # papers members picked, newest pick first


def is_lab_admin(lab: Lab, user) -> bool:
    """Staff, or a member of the lab marked admin."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or LabMembership.objects.filter(lab=lab, user=user, is_admin=True).exists()


def member_papers(user_ids: list[int], *, limit: int = LAB_PAGE_PAPERS) -> list[Paper]:
    """Visible papers the users authored (approved claims), newest first, decorated for listing."""
    paper_ids = AuthorClaim.objects.filter(user_id__in=user_ids, status=Status.APPROVED).values("paper_id")
    papers = visible_papers().filter(pk__in=paper_ids).order_by("-submitted_at", "-id")[:limit]
    return decorate(list(papers))


def user_picks(user_ids: list[int], *, limit: int = LAB_PAGE_PAPERS) -> list[Paper]:
    """Visible papers the users picked (submitted for a daily page), newest pick first, decorated for listing."""
    papers = visible_papers().filter(picked_by_id__in=user_ids).order_by("-picked_at", "-id")[:limit]
    return decorate(list(papers))


def lab_page(lab: Lab) -> LabPage:
    """The lab, its members (admins first) and their papers and picks."""
    memberships = list(lab.memberships.select_related("user").filter(user__is_active=True))
    ids = [m.user_id for m in memberships]
    return LabPage(lab=lab, memberships=memberships, papers=member_papers(ids), picks=user_picks(ids))


def add_member(*, lab: Lab, username: str, is_admin: bool = False) -> LabMembership:
    """Add the account named ``username`` to the lab (or update its admin flag)."""
    user = get_user_model().objects.filter(username__iexact=username.strip(), is_active=True).first()
    if user is None:
        raise LabError(f"No account named {username.strip()!r}.")
    membership, created = LabMembership.objects.get_or_create(lab=lab, user=user, defaults={"is_admin": is_admin})
    if not created and membership.is_admin != is_admin:
        membership.is_admin = is_admin
        membership.save(update_fields=["is_admin"])
    return membership


def remove_member(*, lab: Lab, user_id: int) -> None:
    """Remove a member; the lab's last admin cannot be removed (staff can still do so in the admin)."""
    with transaction.atomic():
        membership = LabMembership.objects.select_for_update().filter(lab=lab, user_id=user_id).first()
        if membership is None:
            raise LabError("That account is not a member.")
        if membership.is_admin and not LabMembership.objects.filter(lab=lab, is_admin=True).exclude(
                pk=membership.pk).exists():
            raise LabError("A lab keeps at least one admin: make someone else admin first.")
        membership.delete()
