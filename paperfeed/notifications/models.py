"""Notifications models: in-site notifications, per-user mail preferences, and the mail outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from paperfeed.catalog.models import Paper
from paperfeed.digests.models import OutboxRow
from paperfeed.discussions.models import Comment


class Kind(models.TextChoices):
    """Why a reader is told about a comment (one kind per reader and comment, the first that applies)."""

    REPLY = "reply", "a reply to your comment"
    MENTION = "mention", "a mention of you"
    SUBMITTED = "submitted", "a comment on a paper you submitted"
    FOLLOWED = "followed", "a comment on a paper you authored or follow"


class NotificationMail(OutboxRow):
    """One batched notification mail to one account: the outbox row that is sent exactly once (``notifications/mail.py``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_mails")
    slot = models.CharField(max_length=40, help_text="The batching window it belongs to (one mail per account each).")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "slot"], name="notificationmail_once_per_slot")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notificationmail_due_idx")]

    def __str__(self) -> str:
        return f"notification mail {self.slot} to {self.user_id} ({self.status})"


class Notification(models.Model):
    """One thing one reader is told about: a comment, and why."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Mail: waiting (both empty), batched into ``mail``, or not mailed (opted out, no address).
    mail = models.ForeignKey(NotificationMail, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    mail_skipped = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "comment"], name="notification_once_per_comment")]
        indexes = [
            # The bell: one count over this index per page view.
            models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["mail", "mail_skipped", "created_at"], name="notification_unmailed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: comment {self.comment_id}"


class Preferences(models.Model):
    """Which kinds of notification a reader also gets by email (all on until switched off)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs")
    email_reply = models.BooleanField(default=True, verbose_name="replies to my comments")
    email_mention = models.BooleanField(default=True, verbose_name="mentions of me")
    email_submitted = models.BooleanField(default=True, verbose_name="comments on papers I submitted")
    email_followed = models.BooleanField(default=True, verbose_name="comments on papers I authored or follow")

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"notification preferences of {self.user_id}"

    def wants(self, kind: str) -> bool:
        """Whether mail of ``kind`` is on."""
        return bool(getattr(self, f"email_{kind}", False))
