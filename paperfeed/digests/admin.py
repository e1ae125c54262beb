"""Admin for digests: subscribers (search, suppress), the outbox, suppressions."""

from __future__ import annotations

import secrets

from django.contrib import admin

from .models import Delivery, SentPaper, Subscriber, Suppression
from .sender import suppress


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "status", "frequency", "size", "confirmed_at", "user"]
    list_filter = ["status", "frequency", "use_my_votes"]
    search_fields = ["email"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "confirmed_at", "unsubscribed_at"]
    actions = ["suppress_addresses", "revoke_links"]

    @admin.action(description="Suppress (never mail again)")
    def suppress_addresses(self, request, queryset) -> None:
        for sub in queryset:
            suppress(sub.email, reason=Suppression.Reason.ADMIN, detail=f"admin action by {request.user}")

    @admin.action(description="Revoke every link mailed so far (new secret)")
    def revoke_links(self, request, queryset) -> None:
        for sub in queryset:
            sub.secret = secrets.token_hex()
            sub.save(update_fields=["secret"])


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["period", "subscriber", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "period"]
    search_fields = ["subscriber__email", "message_id"]
    raw_id_fields = ["subscriber"]
    readonly_fields = ["message_id", "claimed_by", "claimed_at", "sent_at", "paper_ids", "reasons", "last_error"]


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    list_display = ["email", "reason", "created_at"]
    list_filter = ["reason"]
    search_fields = ["email"]


@admin.register(SentPaper)
class SentPaperAdmin(admin.ModelAdmin):
    list_display = ["subscriber", "paper", "sent_at"]
    raw_id_fields = ["subscriber", "paper", "delivery"]
    search_fields = ["subscriber__email", "paper__arxiv_id"]
