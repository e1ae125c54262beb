"""Catalogue moderation in Django admin: hide / unhide papers (logged), see who voted."""

from __future__ import annotations

from django.contrib import admin, messages

from paperfeed.community import moderation
from paperfeed.community.admin import VoteInline

from .models import Paper


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
