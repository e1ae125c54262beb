"""Digest services: subscribe (double opt-in), confirm, unsubscribe, preferences, and ``send_due``.

Views, the CLI and the worker call these; they never build SQL or mail themselves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, close_old_connections, transaction
from django.db import connection as db_connection
from django.utils import timezone

from paperfeed.catalog.models import Paper

from .emails import already_subscribed_email, confirmation_email, paper_view
from .models import SentPaper, Subscriber, Suppression
from .outbox import SendStats, build_pool, compose_chunk, due_frequencies, enqueue, period_key
from .sender import Sender, new_worker_token, suppress

log = logging.getLogger(__name__)

__all__ = ["Preview", "SendStats", "preview", "send_due", "subscribe", "confirm", "unsubscribe", "resubscribe",
           "suppress"]


def normalize_email(raw: str) -> str:
    """The address as stored: stripped, domain lower-cased; raises ValidationError when invalid."""
    email = (raw or "").strip()
    validate_email(email)
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def subscribe(email: str, *, user=None, now: dt.datetime | None = None) -> str:
    """Start a subscription; returns what happened ('confirm_sent', 'already', 'suppressed').

    The caller shows the same response whatever the outcome: the web never tells whether an
    address is known. A confirmation (or an "already subscribed" note) goes to the address only.
    """
    now = now or timezone.now()
    email = normalize_email(email)
    if user is not None and email.lower() != (user.email or "").lower():
        user = None  # only the account's own address is linked to it (its page shows the subscription)
    if Suppression.objects.filter(email__iexact=email).exists():
        return "suppressed"
    try:
        with transaction.atomic():
            sub, _ = Subscriber.objects.get_or_create(email__iexact=email, defaults={"email": email, "user": user})
    except IntegrityError:  # a concurrent request created it
        sub = Subscriber.objects.get(email__iexact=email)
    if user is not None and sub.user_id is None:
        Subscriber.objects.filter(pk=sub.pk).update(user=user)
    if sub.status == Subscriber.Status.SUPPRESSED:
        return "suppressed"
    if sub.status == Subscriber.Status.ACTIVE:
        _send_quietly(already_subscribed_email(sub))
        return "already"
    if sub.status == Subscriber.Status.UNSUBSCRIBED:
        Subscriber.objects.filter(pk=sub.pk).update(status=Subscriber.Status.PENDING)
    _send_quietly(confirmation_email(sub))
    return "confirm_sent"


def _send_quietly(message) -> None:
    # A transactional mail failing must not turn into a different web response (no leak).
    try:
        message.send()
    except Exception:  # noqa: BLE001
        log.exception("could not send %r to %s", message.subject, message.to)


def confirm(subscriber: Subscriber, *, now: dt.datetime | None = None) -> bool:
    """Activate a pending (or unsubscribed) subscription from its confirmation link."""
    if subscriber.status == Subscriber.Status.SUPPRESSED:
        return False
    if subscriber.status != Subscriber.Status.ACTIVE:
        subscriber.status = Subscriber.Status.ACTIVE
        subscriber.confirmed_at = now or timezone.now()
        subscriber.save(update_fields=["status", "confirmed_at"])
    return True


def unsubscribe(subscriber: Subscriber, *, now: dt.datetime | None = None) -> None:
    """Stop all digests to this subscriber at once (pending deliveries are cancelled on send)."""
    if subscriber.status in (Subscriber.Status.ACTIVE, Subscriber.Status.PENDING):
        subscriber.status = Subscriber.Status.UNSUBSCRIBED
        subscriber.unsubscribed_at = now or timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at"])


def resubscribe(subscriber: Subscriber) -> bool:
    """Undo an unsubscribe from the link in a mail this address received (it proved ownership)."""
    if subscriber.status != Subscriber.Status.UNSUBSCRIBED or subscriber.confirmed_at is None:
        return False
    subscriber.status = Subscriber.Status.ACTIVE
    subscriber.save(update_fields=["status"])
    return True


def subscriber_for_user(user) -> Subscriber | None:
    """The subscription of an account holder: linked to the account, else by its email address."""
    sub = Subscriber.objects.filter(user=user).first()
    if sub is None and user.email:
        sub = Subscriber.objects.filter(email__iexact=user.email).first()
        if sub is not None and sub.user_id is None:
            sub.user = user
            sub.save(update_fields=["user"])
    return sub


def send_due(
    *,
    now: dt.datetime | None = None,
    period: str | None = None,
    connections: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> SendStats:
    """Enqueue the digests due at ``now`` and send everything due (new, retries, crashed runs).

    Idempotent and safe to run concurrently or after a crash; call it every few minutes (the
    worker does) so that retries go out on time. ``period`` limits enqueueing to 'daily' or 'weekly'.
    """
    now = now or timezone.now()
    stats = SendStats()
    for frequency in due_frequencies(now, period):
        stats.periods.append(period_key(frequency, now))
        added, empty = enqueue(frequency=frequency, now=now)
        stats.enqueued += added
        stats.empty += empty
    n = max(1, connections or settings.DIGEST_SMTP_CONNECTIONS)
    if n == 1:
        stats.merge(Sender(now=now).run(progress=progress))
        return stats
    results: list[SendStats] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            result = Sender(now=now, worker=new_worker_token()).run(progress=progress)
            with lock:
                results.append(result)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=work, name=f"digest-sender-{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()
    for r in results:
        stats.merge(r)
    return stats


def validate_address(raw: str) -> str | None:
    """The normalised address, or None when it is not an email address."""
    try:
        return normalize_email(raw)
    except ValidationError:
        return None


@dataclasses.dataclass
class Preview:
    """What the subscriber's next digest would hold right now; ``empty_reason`` says why it holds nothing."""

    period: str
    items: list[dict]  # paper_view() fields with a relative "url" and the "reason"
    empty_reason: str = ""


def preview(subscriber: Subscriber, *, now: dt.datetime | None = None) -> Preview:
    """Compose the subscriber's digest for the current period, exactly as sending would, storing nothing."""
    now = now or timezone.now()
    pool = build_pool(subscriber.frequency, now)
    [(_, digest)] = compose_chunk([subscriber], pool=pool, now=now)
    period = period_key(subscriber.frequency, now)
    if digest is None:
        return Preview(period, [], empty_reason(subscriber, pool))
    papers = Paper.objects.in_bulk(digest.paper_ids)
    items = [{**paper_view(papers[i.paper_id]), "url": papers[i.paper_id].get_absolute_url(), "reason": i.reason}
             for i in digest.items if i.paper_id in papers]
    return Preview(period, items)


def empty_reason(subscriber: Subscriber, pool) -> str:
    """Why a digest comes out empty, in the reader's words (what to change, or when to expect papers)."""
    window = "week or month" if subscriber.frequency == Subscriber.Frequency.WEEKLY else "day or week"
    if not len(pool):
        return (f"No paper trended in the last {window}: trending needs {settings.TRENDING_MIN_VOTES} or more "
                "votes on a paper. Your digest fills as readers vote.")
    include, exclude = tuple(subscriber.include_categories or ()), tuple(subscriber.exclude_categories or ())
    mask = pool.allowed(include, exclude)
    if mask is not None and not mask.any():
        chosen = ", ".join(include) or "all"
        return (f"None of the {len(pool)} trending papers is in your categories ({chosen}"
                f"{'; excluding ' + ', '.join(exclude) if exclude else ''}): widen them below.")
    if SentPaper.objects.filter(subscriber=subscriber, paper_id__in=pool.ids.tolist()).count() >= len(pool):
        return f"You have already received every one of the {len(pool)} papers trending now; new ones come as readers vote."
    return "Nothing matched your preferences this period."
