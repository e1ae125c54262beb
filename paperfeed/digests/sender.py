"""Claiming and sending deliveries: the state machine that makes a digest go out exactly once.

pending/failed_temp --claim--> claimed --commit--> sending --body written, commit--> handed_off
    handed_off --"." written, 250--> sent (+ SentPaper rows)
    sending/handed_off --4xx/network before "."--> failed_temp (backoff)
    sending/handed_off --5xx--> failed_perm (+ suppression)
    handed_off --"." written, then no reply (connection lost, or the sender died)--> sent, assumed
A claim is an atomic UPDATE inside BEGIN IMMEDIATE (SQLite) or SELECT … FOR UPDATE SKIP LOCKED
(PostgreSQL), tagged with this process's claim token ``host:pid:nonce``. Claims of a process
on this host that no longer exists are taken over at once; others after DIGEST_CLAIM_LEASE_SECONDS.
After a crash a ``sending`` row is sent again (its DATA never ended, so the server discarded it)
and a ``handed_off`` row is recorded as sent without sending it again (its DATA had ended).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import secrets
import smtplib
import socket
from collections.abc import Callable

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from paperfeed.catalog.models import Paper

from .emails import digest_email
from .models import Delivery, SentPaper, Subscriber, Suppression
from .outbox import SendStats
from .smtp import HandoffAborted, HandoffEmailBackend, handoff_connection

log = logging.getLogger(__name__)
S = Delivery.Status
HOST = socket.gethostname()
IN_FLIGHT = [S.CLAIMED, S.SENDING, S.HANDED_OFF]
ASSUMED_AFTER_CRASH = "assumed delivered: the sender died after handing the message to the server"
ASSUMED_NO_REPLY = "assumed delivered: connection lost after the end of data, before the server's reply"


def new_worker_token() -> str:
    """A claim token naming this process, so that its claims can be taken over if it dies."""
    return f"{HOST}:{os.getpid()}:{secrets.token_hex(4)}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def dead_claimers(model=Delivery) -> list[str]:
    """Claim tokens of processes on this host that have exited (their claims are free at once).

    ``model`` is any outbox with Delivery's ``status`` values and ``claimed_by`` (notification mail).
    """
    dead = []
    tokens = model.objects.filter(status__in=IN_FLIGHT).values_list("claimed_by", flat=True).distinct()
    for token in tokens:
        host, _, rest = token.partition(":")
        pid = rest.partition(":")[0]
        if host == HOST and pid.isdigit() and not _pid_alive(int(pid)):
            dead.append(token)
    return dead


def orphaned(statuses: list[str], wall: dt.datetime, model=Delivery) -> Q:
    """Rows of ``model`` in ``statuses`` whose claimer died (this host) or whose lease expired."""
    lease = dt.timedelta(seconds=settings.DIGEST_CLAIM_LEASE_SECONDS)
    return Q(status__in=statuses) & (Q(claimed_at__lt=wall - lease) | Q(claimed_by__in=dead_claimers(model)))


def settle_handed_off(*, now: dt.datetime) -> int:
    """Record as sent the ``handed_off`` rows of dead or expired claimers; returns how many.

    Their terminator was written (or was about to be, a few microseconds after the commit): once
    it is in the kernel's socket buffer it reaches the server even if the process is killed, so
    sending again would risk a duplicate. We choose never twice over never lost.
    """
    with transaction.atomic():  # one settler at a time (BEGIN IMMEDIATE / row locks)
        qs = Delivery.objects.filter(orphaned([S.HANDED_OFF], timezone.now())).only("pk", "subscriber_id", "paper_ids")
        if db_connection.vendor == "postgresql":
            qs = qs.select_for_update(skip_locked=True)
        return sum(mark_sent(d, now=now, note=ASSUMED_AFTER_CRASH) for d in qs)


def claim(*, worker: str, now: dt.datetime, limit: int, model=Delivery) -> list[int]:
    """Atomically claim up to ``limit`` due rows of the outbox ``model`` for ``worker``; returns their ids."""
    wall = timezone.now()
    taken = orphaned([S.CLAIMED, S.SENDING], wall, model)
    due = Q(status__in=[S.PENDING, S.FAILED_TEMP], next_attempt_at__lte=now) | taken
    with transaction.atomic():  # BEGIN IMMEDIATE on SQLite (settings): one claimer at a time
        qs = model.objects.filter(due).order_by("pk")
        if db_connection.vendor == "postgresql":
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:limit])
        if ids:
            # A row found in ``sending`` keeps that status: it is an ambiguous resend.
            model.objects.filter(pk__in=ids).exclude(status=S.SENDING).update(
                status=S.CLAIMED, claimed_by=worker, claimed_at=wall
            )
            model.objects.filter(pk__in=ids, status=S.SENDING).update(claimed_by=worker, claimed_at=wall)
    return ids


# The three writes every message makes, in plain SQL: the ORM's per-query overhead was a third of
# a digest's CPU cost. The statements are the same on SQLite and PostgreSQL.
def mark_sending(delivery_id: int, *, worker: str, message_id: str, status: str = S.SENDING) -> bool:
    """Commit ``status`` (attempts + 1) if ``worker`` still holds the claim; False when it lost it."""
    with db_connection.cursor() as cur:
        cur.execute(
            f"UPDATE {Delivery._meta.db_table} SET status = %s, attempts = attempts + 1, message_id = %s "
            "WHERE id = %s AND claimed_by = %s",
            [status, message_id, delivery_id, worker],
        )
        return cur.rowcount == 1


def mark_handed_off(delivery_id: int, *, worker: str) -> bool:
    """Commit ``handed_off`` (the terminator goes out next) if ``worker`` still holds the claim."""
    with db_connection.cursor() as cur:
        cur.execute(
            f"UPDATE {Delivery._meta.db_table} SET status = %s WHERE id = %s AND claimed_by = %s AND status = %s",
            [S.HANDED_OFF, delivery_id, worker, S.SENDING],
        )
        return cur.rowcount == 1


def mark_sent(d: Delivery, *, now: dt.datetime, note: str = "") -> bool:
    """In one transaction: the delivery is ``sent`` and its papers join the subscriber's history.

    ``note`` is kept in ``last_error`` (why a delivery was assumed sent). False if it already was sent.
    """
    when = db_connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic(), db_connection.cursor() as cur:
        cur.execute(
            f"UPDATE {Delivery._meta.db_table} SET status = %s, sent_at = %s, claimed_by = '', last_error = %s "
            "WHERE id = %s AND status <> %s",
            [S.SENT, when, note, d.pk, S.SENT],
        )
        if cur.rowcount != 1:
            return False
        if d.paper_ids:
            cur.executemany(
                f"INSERT INTO {SentPaper._meta.db_table} (subscriber_id, paper_id, delivery_id, sent_at) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [(d.subscriber_id, p, d.pk, when) for p in d.paper_ids],
            )
    return True


def backoff(attempts: int) -> dt.timedelta:
    """Delay before retry number ``attempts`` (1, 2, …): base × 2^(attempts-1), capped."""
    base = settings.DIGEST_RETRY_BASE_SECONDS
    return dt.timedelta(seconds=min(settings.DIGEST_RETRY_MAX_SECONDS, base * 2 ** max(0, attempts - 1)))


def suppress(email: str, *, reason: str, detail: str = "") -> None:
    """Never mail ``email`` again (bounce, 5xx, complaint, admin) and mark its subscriber suppressed."""
    Suppression.objects.get_or_create(email=email.lower(), defaults={"reason": reason, "detail": detail[:2000]})
    Subscriber.objects.filter(email__iexact=email).update(status=Subscriber.Status.SUPPRESSED)


@dataclasses.dataclass
class _Failure:
    code: int
    text: str
    recipient_fault: bool = True  # False when the server refused our sender address (our problem)

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600


def classify(exc: Exception) -> _Failure:
    """SMTP outcome of an exception: the reply code (0 for network errors) and a message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (0, b""))
        return _Failure(int(code), text.decode(errors="replace") if isinstance(text, bytes) else str(text))
    if isinstance(exc, smtplib.SMTPResponseException):
        err = exc.smtp_error
        text = err.decode(errors="replace") if isinstance(err, bytes) else str(err)
        return _Failure(int(exc.smtp_code), text, recipient_fault=not isinstance(exc, smtplib.SMTPSenderRefused))
    return _Failure(0, f"{type(exc).__name__}: {exc}")


class Sender:
    """Sends claimed deliveries over one reused SMTP connection (Django's email backend).

    With Django's SMTP backend the end of each message's DATA is two-phase (``smtp.py``); other
    backends (console, locmem, file) have no DATA phase: ``handed_off`` is committed before the call.
    """

    def __init__(self, *, now: dt.datetime, worker: str | None = None):
        self.now = now
        self.worker = worker or new_worker_token()
        self.stats = SendStats()
        self.connection = handoff_connection()
        self.two_phase = isinstance(self.connection, HandoffEmailBackend)
        self._open = False

    def run(self, *, progress: Callable[[int], None] | None = None) -> SendStats:
        """Claim and send until nothing due is left (or the SMTP server is unreachable)."""
        try:
            while not self.stats.aborted:
                self.stats.assumed_delivered += settle_handed_off(now=self.now)
                if not (ids := claim(worker=self.worker, now=self.now, limit=settings.DIGEST_SEND_BATCH)):
                    break
                self.send_batch(ids)
                if progress:
                    progress(len(ids))
        finally:
            if self._open:
                self.connection.close()
        return self.stats

    def send_batch(self, ids: list[int]) -> None:
        """Send every delivery of a claimed batch; on a dead server, release what was not tried."""
        deliveries = list(Delivery.objects.filter(pk__in=ids, claimed_by=self.worker).select_related("subscriber"))
        paper_ids = {pid for d in deliveries for pid in d.paper_ids}
        papers = Paper.objects.in_bulk(paper_ids)
        suppressed = set(
            Suppression.objects.filter(email__in=[d.subscriber.email.lower() for d in deliveries]).values_list(
                "email", flat=True
            )
        )
        for i, d in enumerate(deliveries):
            if self.stats.aborted:
                self.release(deliveries[i:])
                return
            self.send_one(d, papers, suppressed)

    def release(self, deliveries: list[Delivery]) -> None:
        """Give back claimed-but-untried rows (they were never sent: no ambiguity)."""
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries], status=S.CLAIMED, claimed_by=self.worker).update(
            status=S.PENDING, claimed_by="", next_attempt_at=self.now + backoff(1)
        )

    def send_one(self, d: Delivery, papers: dict, suppressed: set[str]) -> None:
        sub = d.subscriber
        if sub.status != Subscriber.Status.ACTIVE or sub.email.lower() in suppressed:
            Delivery.objects.filter(pk=d.pk, claimed_by=self.worker).update(status=S.CANCELLED, claimed_by="")
            self.stats.cancelled += 1
            return
        resend = d.status == S.SENDING  # a crashed run's DATA never ended: the server discarded it
        try:
            msg = digest_email(d, sub, papers)
        except Exception as exc:  # a template or data bug: record it, do not loop on it
            log.exception("digest %s for %s could not be rendered", d.period, sub.email)
            self._finish(d, S.FAILED_PERM, error=f"render failed: {exc!r}")
            return
        # Commit ``sending`` before talking to the server (``handed_off`` without a DATA phase).
        status = S.SENDING if self.two_phase else S.HANDED_OFF
        if not mark_sending(d.pk, worker=self.worker, message_id=msg.extra_headers["Message-ID"], status=status):
            self.stats.lost_claims += 1
            return
        self._transmit(d, msg, resend=resend)

    def _transmit(self, d: Delivery, msg, *, resend: bool) -> None:
        """Hand ``msg`` to the email backend and record the outcome (sent, retry, refused, assumed)."""
        try:
            if not self._open:
                self.connection.open()
                self._open = True
            if self.two_phase:
                self.connection.send_with_handoff(msg, before_end_of_data=lambda: mark_handed_off(d.pk, worker=self.worker))
            else:
                self.connection.send_messages([msg])
        except HandoffAborted:
            self._close()
            self.stats.lost_claims += 1
            return
        except (smtplib.SMTPException, OSError) as exc:
            failure = classify(exc)
            if self.two_phase and failure.code == 0 and self.connection.end_of_data_sent:
                # The terminator went out and no reply came back: the server has probably accepted it.
                self._close()
                self.stats.assumed_delivered += mark_sent(d, now=self.now, note=ASSUMED_NO_REPLY)
                return
            self._failed(d, failure)
            return
        self._sent(d)
        self.stats.resent_after_crash += resend

    def _sent(self, d: Delivery) -> None:
        mark_sent(d, now=self.now)
        self.stats.sent += 1

    def _failed(self, d: Delivery, failure: _Failure) -> None:
        attempts = d.attempts + 1
        error = f"{failure.code or 'network'}: {failure.text}"[:2000]
        if failure.code == 0 or failure.code == 421:
            # The connection is gone: reopen on the next message; a refused connection aborts the run.
            self._close()
            if failure.code == 0 and "refused" in failure.text.lower():
                self.stats.aborted = f"SMTP server unreachable ({failure.text})"
        if failure.permanent:
            self._finish(d, S.FAILED_PERM, error=error)
            if failure.recipient_fault:
                suppress(d.subscriber.email, reason=Suppression.Reason.SMTP_5XX, detail=error)
            else:
                self.stats.aborted = f"SMTP server refused our sender address ({error})"
        elif attempts >= settings.DIGEST_MAX_ATTEMPTS:
            self._finish(d, S.FAILED_PERM, error=f"gave up after {attempts} attempts; last: {error}")
        else:
            Delivery.objects.filter(pk=d.pk).update(
                status=S.FAILED_TEMP, claimed_by="", last_error=error, next_attempt_at=self.now + backoff(attempts)
            )
            self.stats.failed_temp += 1

    def _finish(self, d: Delivery, status: str, *, error: str) -> None:
        Delivery.objects.filter(pk=d.pk).update(status=status, claimed_by="", last_error=error[:2000])
        self.stats.failed_perm += 1

    def _close(self) -> None:
        if self._open:
            try:
                self.connection.close()
            finally:
                self._open = False
