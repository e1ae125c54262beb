"""Notification mail: batch each account's waiting notifications into one outbox row, send it once.

Batching: an account gets at most one mail per NOTIFY_MAIL_GAP_MINUTES; what arrives meanwhile
waits for the next mail. Each batch is a ``NotificationMail`` row, unique per (account, slot), and
goes through the digests outbox's state machine with its two-phase SMTP hand-off
(``paperfeed.digests.smtp``): ``sending`` is committed before talking to the server,
``handed_off`` just before the end of DATA, ``sent`` after the 250. A crashed run resends a
``sending`` row (its DATA never ended) and records a ``handed_off`` row as sent (never twice).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import smtplib

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from paperfeed.digests.sender import backoff, classify, new_worker_token, orphaned
from paperfeed.digests.sender import claim as outbox_claim
from paperfeed.digests.smtp import HandoffAborted, HandoffEmailBackend, handoff_connection

from .emails import notification_email
from .models import Notification, NotificationMail, Preferences

S = NotificationMail.Status
IN_FLIGHT = [S.CLAIMED, S.SENDING, S.HANDED_OFF]
ASSUMED = "assumed delivered: the sender died after handing the message to the server"


@dataclasses.dataclass
class MailStats:
    """What one ``send_notification_mail`` run did."""

    batched: int = 0
    skipped: int = 0
    sent: int = 0
    failed: int = 0
    assumed_delivered: int = 0
    aborted: str = ""


def slot_key(now: dt.datetime) -> str:
    """The batching slot of ``now``: its start, floored to NOTIFY_MAIL_GAP_MINUTES (UTC)."""
    gap = max(1, settings.NOTIFY_MAIL_GAP_MINUTES) * 60
    start = int(now.timestamp()) // gap * gap
    return dt.datetime.fromtimestamp(start, dt.UTC).strftime("%Y-%m-%dT%H:%M")


def _waiting():
    return Notification.objects.filter(mail__isnull=True, mail_skipped=False)


def batch(*, now: dt.datetime) -> tuple[int, int]:
    """Put waiting notifications into one outbox row per account that may get a mail now.

    Returns (mails made, notifications skipped: opted out, no address, or comment gone).
    """
    skipped = _waiting().filter(
        Q(comment__deleted_at__isnull=False) | Q(comment__hidden_at__isnull=False) | Q(user__email="")
        | Q(user__is_active=False) | Q(read_at__isnull=False)
    ).update(mail_skipped=True)
    user_ids = set(_waiting().filter(created_at__lte=now).values_list("user_id", flat=True))
    recent = set(NotificationMail.objects.filter(
        user_id__in=user_ids, created_at__gt=now - dt.timedelta(minutes=settings.NOTIFY_MAIL_GAP_MINUTES)
    ).values_list("user_id", flat=True))
    prefs = {p.user_id: p for p in Preferences.objects.filter(user_id__in=user_ids)}
    made = 0
    for uid in sorted(user_ids - recent):
        made += _batch_one(uid, prefs.get(uid) or Preferences(user_id=uid), now)
    return made, skipped


def _batch_one(user_id: int, prefs: Preferences, now: dt.datetime) -> int:
    items = list(_waiting().filter(user_id=user_id, created_at__lte=now).values_list("pk", "kind"))
    off = [pk for pk, kind in items if not prefs.wants(kind)]
    on = [pk for pk, kind in items if prefs.wants(kind)]
    try:
        with transaction.atomic():
            Notification.objects.filter(pk__in=off).update(mail_skipped=True)
            if not on:
                return 0
            mail = NotificationMail.objects.create(user_id=user_id, slot=slot_key(now), next_attempt_at=now, created_at=now)
            Notification.objects.filter(pk__in=on, mail__isnull=True).update(mail=mail)
    except IntegrityError:
        return 0  # this slot already has its mail (another run): the rest waits for the next slot
    return 1


def claim(*, worker: str, now: dt.datetime, limit: int = 100) -> list[int]:
    """Atomically claim due mails for ``worker`` (orphaned claims included); returns their ids."""
    return outbox_claim(worker=worker, now=now, limit=limit, model=NotificationMail)


def settle_handed_off(*, now: dt.datetime) -> int:
    """Record as sent the ``handed_off`` rows of dead or expired claimers (their DATA had ended)."""
    return NotificationMail.objects.filter(orphaned([S.HANDED_OFF], timezone.now(), NotificationMail)).update(
        status=S.SENT, sent_at=now, claimed_by="", last_error=ASSUMED)


def _mark(pk: int, worker: str, status: str, *, expect: list[str], **fields) -> bool:
    return NotificationMail.objects.filter(pk=pk, claimed_by=worker, status__in=expect).update(status=status, **fields) == 1


class MailSender:
    """Sends claimed notification mails over one reused connection (two-phase with SMTP)."""

    def __init__(self, *, now: dt.datetime):
        self.now = now
        self.worker = new_worker_token()
        self.stats = MailStats()
        self.connection = handoff_connection()
        self.two_phase = isinstance(self.connection, HandoffEmailBackend)

    def run(self) -> MailStats:
        """Claim and send until nothing due is left (or the server is unreachable)."""
        try:
            self.stats.assumed_delivered += settle_handed_off(now=self.now)
            while not self.stats.aborted and (ids := claim(worker=self.worker, now=self.now)):
                for mail in NotificationMail.objects.filter(pk__in=ids, claimed_by=self.worker).select_related("user"):
                    self.send_one(mail)
        finally:
            self.connection.close()
        return self.stats

    def send_one(self, mail: NotificationMail) -> None:
        """Render and send one mail, recording each step so that it goes out once."""
        if self.stats.aborted:
            _mark(mail.pk, self.worker, S.PENDING, expect=[S.CLAIMED], claimed_by="")
            return
        msg = notification_email(mail)
        if msg is None:  # nothing left to say (all hidden, or the address is gone)
            _mark(mail.pk, self.worker, S.CANCELLED, expect=[S.CLAIMED, S.SENDING], claimed_by="")
            return
        status = S.SENDING if self.two_phase else S.HANDED_OFF
        if not _mark(mail.pk, self.worker, status, expect=[S.CLAIMED, S.SENDING],
                     message_id=msg.extra_headers["Message-ID"], attempts=mail.attempts + 1):
            return
        try:
            if self.two_phase:
                self.connection.send_with_handoff(msg, before_end_of_data=lambda: _mark(
                    mail.pk, self.worker, S.HANDED_OFF, expect=[S.SENDING]))
            else:
                self.connection.send_messages([msg])
        except HandoffAborted:
            return
        except (smtplib.SMTPException, OSError) as exc:
            self._failed(mail, exc)
            return
        NotificationMail.objects.filter(pk=mail.pk).update(status=S.SENT, sent_at=self.now, claimed_by="")
        self.stats.sent += 1

    def _failed(self, mail: NotificationMail, exc: Exception) -> None:
        failure = classify(exc)
        if self.two_phase and failure.code == 0 and self.connection.end_of_data_sent:
            NotificationMail.objects.filter(pk=mail.pk).update(status=S.SENT, sent_at=self.now, claimed_by="",
                                                               last_error=ASSUMED)
            self.stats.assumed_delivered += 1
            return
        if failure.code == 0 and "refused" in failure.text.lower():
            self.stats.aborted = f"SMTP server unreachable ({failure.text})"
        self.connection.close()
        attempts = mail.attempts + 1
        permanent = failure.permanent or attempts >= settings.DIGEST_MAX_ATTEMPTS
        NotificationMail.objects.filter(pk=mail.pk).update(
            status=S.FAILED_PERM if permanent else S.FAILED_TEMP, claimed_by="",
            last_error=f"{failure.code or 'network'}: {failure.text}"[:2000],
            next_attempt_at=self.now + backoff(attempts))
        self.stats.failed += 1


def send_notification_mail(*, now: dt.datetime | None = None) -> MailStats:
    """The worker job: batch what is waiting, then send every due mail."""
    now = now or timezone.now()
    made, skipped = batch(now=now)
    stats = MailSender(now=now).run()
    stats.batched, stats.skipped = made, skipped
    return stats
