"""Discussions in Django admin: comments (hide, lock the thread, ban the author), reports, locks.

Every action goes through :mod:`paperfeed.discussions.moderation` or
:mod:`paperfeed.community.moderation`, which write the ModerationLog.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model

from paperfeed.catalog.models import Paper
from paperfeed.community import moderation as community_moderation

from . import moderation
from .models import Comment, CommentReport, ThreadLock


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Comments with hide / unhide, lock the thread and ban the author."""

    list_display = ("id", "created_at", "author", "paper", "excerpt", "score", "hidden_at", "deleted_at")
    list_filter = ("hidden_at", "deleted_at")
    search_fields = ("body", "author__username", "paper__arxiv_id")
    raw_id_fields = ("paper", "parent", "author")
    readonly_fields = ("body_html", "score", "edited_at", "deleted_at", "hidden_at")
    list_select_related = ("author", "paper")
    date_hierarchy = "created_at"
    actions = ["hide", "unhide", "lock_threads", "ban_authors"]

    @admin.display(description="body")
    def excerpt(self, comment: Comment) -> str:
        return comment.body[:80]

    @admin.action(description="Hide selected comments from readers")
    def hide(self, request, queryset):
        n = moderation.set_comments_hidden(queryset, hidden=True, moderator=request.user, reason="admin action")
        self.message_user(request, f"Hid {n} comment(s).", messages.SUCCESS)

    @admin.action(description="Show selected comments again")
    def unhide(self, request, queryset):
        n = moderation.set_comments_hidden(queryset, hidden=False, moderator=request.user, reason="admin action")
        self.message_user(request, f"Showed {n} comment(s) again.", messages.SUCCESS)

    @admin.action(description="Lock the discussions these comments are in")
    def lock_threads(self, request, queryset):
        papers = Paper.objects.filter(pk__in=queryset.values("paper_id"))
        n = moderation.set_locked(papers, locked=True, moderator=request.user, reason="admin action")
        self.message_user(request, f"Locked {n} discussion(s).", messages.SUCCESS)

    @admin.action(description="Ban the authors of selected comments")
    def ban_authors(self, request, queryset):
        users = get_user_model().objects.filter(pk__in=queryset.values("author_id"))
        n = community_moderation.set_banned(users, banned=True, moderator=request.user, reason="admin action: comments")
        self.message_user(request, f"Banned {n} account(s).", messages.SUCCESS)


@admin.register(CommentReport)
class CommentReportAdmin(admin.ModelAdmin):
    """Reports from readers; hiding the comment resolves its reports."""

    list_display = ("created_at", "comment", "reporter", "reason", "resolved")
    list_filter = ("resolved",)
    raw_id_fields = ("comment", "reporter")
    actions = ["hide_comments", "dismiss"]

    @admin.action(description="Hide the reported comments")
    def hide_comments(self, request, queryset):
        comments = Comment.objects.filter(pk__in=queryset.values("comment_id"))
        n = moderation.set_comments_hidden(comments, hidden=True, moderator=request.user, reason="reported")
        self.message_user(request, f"Hid {n} comment(s).", messages.SUCCESS)

    @admin.action(description="Dismiss selected reports")
    def dismiss(self, request, queryset):
        for report in queryset:
            community_moderation.log_action(moderator=request.user, action="dismiss_report", target=report)
        n = queryset.update(resolved=True)
        self.message_user(request, f"Dismissed {n} report(s).", messages.SUCCESS)


@admin.register(ThreadLock)
class ThreadLockAdmin(admin.ModelAdmin):
    """Locked discussions: add one to lock a paper's thread, delete it to reopen."""

    list_display = ("paper", "locked_by", "locked_at", "reason")
    raw_id_fields = ("paper",)
    fields = ("paper", "reason")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        moderation.set_locked([obj.paper], locked=True, moderator=request.user, reason=obj.reason)
        obj.pk = ThreadLock.objects.get(paper=obj.paper).pk  # admin's change message links to it

    def delete_model(self, request, obj):
        moderation.set_locked([obj.paper], locked=False, moderator=request.user, reason="admin")

    def delete_queryset(self, request, queryset):
        moderation.set_locked([lock.paper for lock in queryset], locked=False, moderator=request.user, reason="admin")
