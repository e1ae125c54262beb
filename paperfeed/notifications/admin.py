"""Notifications in Django admin: notifications and the mail outbox (read-only views for operators)."""

from __future__ import annotations

from django.contrib import admin

from .models import Notification, NotificationMail


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "comment", "read_at", "mail", "mail_skipped")
    list_filter = ("kind", "mail_skipped")
    raw_id_fields = ("user", "comment", "paper", "actor", "mail")


@admin.register(NotificationMail)
class NotificationMailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "slot", "status", "attempts", "sent_at", "last_error")
    list_filter = ("status",)
    raw_id_fields = ("user",)
