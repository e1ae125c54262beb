"""Digest subscriptions, the delivery outbox, what each subscriber already received, suppressions."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class Subscriber(models.Model):
    """One email address that gets (or asked to get) the digest, with its preferences."""

    class Status(models.TextChoices):
        PENDING = "pending", "waiting for confirmation"
        ACTIVE = "active", "active"
        UNSUBSCRIBED = "unsubscribed", "unsubscribed"
        SUPPRESSED = "suppressed", "suppressed (bounced or complained)"

    class Frequency(models.TextChoices):
        DAILY = "daily", "daily, on weekdays"
        WEEKLY = "weekly", "weekly"

    email = models.EmailField(max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="digest_subscriptions"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Part of every signed link: rotating it revokes all links mailed before.
    secret = models.CharField(max_length=64, default=secrets.token_hex, editable=False)  # token_hex(): 64 chars
    # --- preferences ---
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    weekday = models.PositiveSmallIntegerField(default=0, help_text="Weekly digests: 0 = Monday … 6 = Sunday.")
    size = models.PositiveSmallIntegerField(default=10, help_text="Papers per digest, 5–50.")
    include_categories = models.JSONField(default=list, blank=True, help_text="Only these (prefixes allowed: 'cs.').")
    exclude_categories = models.JSONField(default=list, blank=True)
    topics = models.JSONField(default=list, blank=True, help_text="Free-text topics, e.g. 'tensor compilers'.")
    use_my_votes = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="subscriber_email_ci_unique")]
        indexes = [models.Index(fields=["status", "frequency"], name="subscriber_due_idx")]

    def __str__(self) -> str:
        return f"{self.email} ({self.status})"


class OutboxStatus(models.TextChoices):
    """The states of an exactly-once mail outbox row (a digest ``Delivery``, a ``NotificationMail``)."""

    PENDING = "pending", "pending"
    CLAIMED = "claimed", "claimed"
    SENDING = "sending", "sending"
    HANDED_OFF = "handed_off", "handed off (end of data written, reply not yet read)"
    SENT = "sent", "sent"
    FAILED_TEMP = "failed_temp", "temporary failure, will retry"
    FAILED_PERM = "failed_perm", "permanent failure"
    CANCELLED = "cancelled", "cancelled (unsubscribed or opted out before sending)"
    EMPTY = "empty", "nothing to send yet (composed again when the period gains papers)"


class OutboxRow(models.Model):
    """The fields every mail outbox row carries, so one claim/send/settle code (``sender.py``) serves both outboxes.

    pending → claimed → sending → handed_off → sent; sending/handed_off → failed_temp (retry
    later) or failed_perm when the server refuses. ``sending`` is committed before the SMTP
    transaction, ``handed_off`` just before the final "." that ends its DATA. After a crash a
    ``sending`` row was never accepted (the server discards a DATA that never ended) and is sent
    again; a ``handed_off`` row was handed to the server and is recorded as sent, never resent
    (see docs/digests.md, "Delivery, exactly once").
    """

    Status = OutboxStatus

    status = models.CharField(max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=96, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True, default="")
    last_error = models.TextField(blank=True, default="")

    class Meta:
        abstract = True


class Delivery(OutboxRow):
    """One digest for one subscriber and one period: the outbox row that makes delivery exactly-once."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    period = models.CharField(max_length=32, help_text="'daily:2026-11-27' or 'weekly:2026-W48'.")
    # The composed digest, frozen at enqueue time so a retry or a resend sends the very same mail.
    paper_ids = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["period", "subscriber"], name="delivery_once_per_period")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.period} → {self.subscriber_id} ({self.status})"


class SentPaper(models.Model):
    """A paper a subscriber already received: never sent to them again."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="sent_papers")
    paper = models.ForeignKey("catalog.Paper", on_delete=models.CASCADE, related_name="+")
    delivery = models.ForeignKey(Delivery, null=True, on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscriber", "paper"], name="sentpaper_unique")]


class Suppression(models.Model):
    """An address we must not mail: hard bounce, permanent SMTP failure, complaint or admin action."""

    class Reason(models.TextChoices):
        BOUNCE = "bounce", "bounce"
        SMTP_5XX = "smtp_5xx", "permanent SMTP failure"
        COMPLAINT = "complaint", "complaint"
        ADMIN = "admin", "admin"

    email = models.EmailField(max_length=254)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    detail = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="suppression_email_ci_unique")]

    def __str__(self) -> str:
        return f"{self.email}: {self.reason}"
