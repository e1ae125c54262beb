"""Admin: labs and their members, authorship claims and paper links (approve / reject, logged), follows."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone

from paperfeed.follows import claims, links
from paperfeed.follows.models import AuthorClaim, Follow, Lab, LabMembership, PaperLink


class LabMembershipInline(admin.TabularInline):
    model = LabMembership
    extra = 1
    raw_id_fields = ("user",)
    fields = ("user", "is_admin", "joined_at")


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    """Staff create labs and name their first admins; lab admins manage members on the lab page."""

    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [LabMembershipInline]


class DecisionActions:
    """Approve / reject actions through a service that logs each change."""

    def _decide(self, request, queryset, *, approve: bool) -> None:
        n = self.decide(queryset, approve=approve, moderator=request.user, now=timezone.now())
        self.message_user(request, f"{'Approved' if approve else 'Rejected'} {n}.", messages.SUCCESS)

    @admin.action(description="Approve selected")
    def approve(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject selected")
    def reject(self, request, queryset):
        self._decide(request, queryset, approve=False)


@admin.register(AuthorClaim)
class AuthorClaimAdmin(DecisionActions, admin.ModelAdmin):
    """Pending claims first; approve or reject with the actions (changes go to the moderation log)."""

    list_display = ("created_at", "user", "user_email", "author", "paper", "status", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__username", "user__email", "author__name", "paper__arxiv_id")
    raw_id_fields = ("user", "paper", "author")
    readonly_fields = ("status", "decided_by", "decided_at", "note", "created_at")
    list_select_related = ("user", "paper", "author", "decided_by")
    actions = ["approve", "reject"]

    @staticmethod
    def decide(queryset, **kwargs) -> int:
        return claims.decide_claims(queryset, **kwargs)

    @admin.display(description="email", ordering="user__email")
    def user_email(self, claim) -> str:
        return claim.user.email


@admin.register(PaperLink)
class PaperLinkAdmin(DecisionActions, admin.ModelAdmin):
    """Links waiting for review; approve or reject with the actions (changes go to the moderation log)."""

    list_display = ("created_at", "paper", "kind", "url", "added_by", "status", "decided_by")
    list_filter = ("status", "kind")
    search_fields = ("url", "paper__arxiv_id", "added_by__username")
    raw_id_fields = ("paper", "added_by")
    readonly_fields = ("status", "decided_by", "decided_at", "created_at")
    list_select_related = ("paper", "added_by", "decided_by")
    actions = ["approve", "reject"]

    @staticmethod
    def decide(queryset, **kwargs) -> int:
        return links.decide_links(queryset, **kwargs)


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    """Who follows what (read-mostly; for support and abuse checks)."""

    list_display = ("created_at", "user", "author", "followed_user", "lab")
    search_fields = ("user__username",)
    raw_id_fields = ("user", "author", "followed_user", "lab")
    list_select_related = ("user", "author", "followed_user", "lab")
