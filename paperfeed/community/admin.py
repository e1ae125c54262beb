"""Moderation in Django admin: papers (hide/unhide), accounts (ban/unban), votes, submissions, collections, audit trail.

Every moderator action goes through :mod:`paperfeed.community.moderation`, which writes ModerationLog.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from paperfeed.accounts.models import Profile
from paperfeed.catalog.models import Paper

from . import moderation
from .models import Collection, CollectionItem, ModerationLog, Submission, Vote

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ("banned", "banned_at", "ban_reason", "email_confirmed_at")
    readonly_fields = ("banned", "banned_at", "ban_reason", "email_confirmed_at")


class VoteInline(admin.TabularInline):
    """Votes on a paper or by a user, read-only (remove them with the Votes page's action)."""

    model = Vote
    extra = 0
    can_delete = False
    fields = ("user", "paper", "created_at")
    readonly_fields = ("user", "paper", "created_at")
    ordering = ("-created_at",)
    max_num = 0
    show_change_link = True


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin plus ban / unban actions and the account's votes."""

    inlines = [ProfileInline, VoteInline]
    list_display = ("username", "email", "is_active", "is_staff", "banned", "date_joined")
    list_filter = (*DjangoUserAdmin.list_filter, "profile__banned")
    actions = ["ban_users", "unban_users"]

    @admin.display(boolean=True, description="banned", ordering="profile__banned")
    def banned(self, user) -> bool:
        return bool(getattr(getattr(user, "profile", None), "banned", False))

    @admin.action(description="Ban selected accounts (their votes stop counting)")
    def ban_users(self, request, queryset):
        n = moderation.set_banned(queryset, banned=True, moderator=request.user, reason="admin action")
        self.message_user(request, f"Banned {n} account(s); their votes no longer count.", messages.SUCCESS)

    @admin.action(description="Unban selected accounts")
    def unban_users(self, request, queryset):
        n = moderation.set_banned(queryset, banned=False, moderator=request.user, reason="admin action")
        self.message_user(request, f"Unbanned {n} account(s).", messages.SUCCESS)


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    """Who voted for what, and when."""

    list_display = ("created_at", "user", "paper_id_link", "user_banned")
    list_filter = ("user__profile__banned",)
    search_fields = ("paper__arxiv_id", "paper__title", "user__username", "user__email")
    raw_id_fields = ("user", "paper")
    date_hierarchy = "created_at"
    actions = ["remove_votes"]
    list_select_related = ("user", "paper", "user__profile")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # deletes must go through the logged action
        return actions

    @admin.display(description="paper", ordering="paper__arxiv_id")
    def paper_id_link(self, vote) -> str:
        return f"{vote.paper.arxiv_id}: {vote.paper.title[:80]}"

    @admin.display(boolean=True, description="voter banned")
    def user_banned(self, vote) -> bool:
        return bool(getattr(getattr(vote.user, "profile", None), "banned", False))

    @admin.action(description="Remove selected votes")
    def remove_votes(self, request, queryset):
        n = moderation.remove_votes(queryset, moderator=request.user, reason="admin action")
        self.message_user(request, f"Removed {n} vote(s).", messages.SUCCESS)

    def delete_model(self, request, obj):
        moderation.remove_votes([obj], moderator=request.user, reason="admin delete")


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "arxiv_id", "status", "user", "paper", "listed_on")
    list_filter = ("status",)
    search_fields = ("arxiv_id", "raw", "user__username")
    raw_id_fields = ("user", "paper", "duplicate_of")
    readonly_fields = ("created_at", "resolved_at", "previous_listing_date")
    actions = ["reject"]

    @admin.action(description="Reject selected submissions")
    def reject(self, request, queryset):
        n = moderation.reject_submissions(queryset, moderator=request.user, reason="Rejected by a moderator.")
        self.message_user(request, f"Rejected {n} submission(s).", messages.SUCCESS)


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    extra = 0
    raw_id_fields = ("paper",)


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "public", "updated_at")
    list_filter = ("public",)
    search_fields = ("name", "owner__username")
    raw_id_fields = ("owner",)
    inlines = [CollectionItemInline]


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    """The audit trail: read-only."""

    list_display = ("at", "moderator", "action", "target_type", "target_id", "target_repr", "reason")
    list_filter = ("action", "target_type")
    search_fields = ("target_repr", "target_id", "moderator__username", "reason")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    """Papers; hide/unhide and edits are written to the moderation log."""

    list_display = ("arxiv_id", "title", "listing_date", "vote_count", "imported_upvotes", "hidden")
    list_filter = ("hidden", "listing_date", "primary_category")
    search_fields = ("arxiv_id", "title")
    ordering = ("-listing_date", "arxiv_id")
    readonly_fields = ("vote_count", "content_hash", "created_at", "modified_at")
    actions = ["hide_papers", "unhide_papers"]
    inlines = [VoteInline]
    show_full_result_count = False

    @admin.action(description="Hide selected papers (from every page, feed and the API)")
    def hide_papers(self, request, queryset):
        n = moderation.set_hidden(queryset, hidden=True, moderator=request.user, reason="admin action")
        self.message_user(request, f"Hid {n} paper(s).", messages.SUCCESS)

    @admin.action(description="Unhide selected papers")
    def unhide_papers(self, request, queryset):
        n = moderation.set_hidden(queryset, hidden=False, moderator=request.user, reason="admin action")
        self.message_user(request, f"Unhid {n} paper(s).", messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # hide instead; single deletes are logged below
        return actions

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            moderation.log_action(
                moderator=request.user, action="edit", target=obj, reason=f"changed {', '.join(form.changed_data)}"
            )

    def delete_model(self, request, obj):
        moderation.log_action(moderator=request.user, action="delete", target=obj, reason="admin delete")
        super().delete_model(request, obj)
