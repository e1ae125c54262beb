"""``paperfeed digest send|status|suppress``: run the digest outbox from the command line."""

from __future__ import annotations

import datetime as dt
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from paperfeed.digests.models import Delivery, Subscriber
from paperfeed.digests.outbox import enqueue
from paperfeed.digests.sender import Sender
from paperfeed.digests.services import send_due, suppress


def parse_now(raw: str | None) -> dt.datetime | None:
    """--now as an aware UTC datetime ('2026-11-27T07:00', 'Z' or offsets accepted)."""
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CommandError(f"--now {raw!r} is not an ISO date-time, e.g. 2026-11-27T07:00Z") from exc
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Email digests: 'send' what is due (safe to re-run and to run concurrently), 'status', 'suppress EMAIL', 'demo'."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="enqueue the due digests and send every due delivery")
        send.add_argument("--period", choices=["daily", "weekly"], help="only enqueue this kind of digest")
        send.add_argument("--now", help="pretend it is this UTC time (ISO 8601); default: now")
        send.add_argument("--connections", type=int, help="parallel SMTP connections (DIGEST_SMTP_CONNECTIONS)")
        send.add_argument("--no-progress", action="store_true")
        sub.add_parser("status", help="deliveries per period and status")
        demo = sub.add_parser("demo", help="subscribe a demo address and send it today's digest now (any day or hour)")
        demo.add_argument("--email", default="demo@example.org")
        demo.add_argument("--topic", action="append", default=None, help="a topic to put first (repeatable)")
        sup = sub.add_parser("suppress", help="never mail this address again (bounce, complaint)")
        sup.add_argument("email")
        sup.add_argument("--reason", default="admin", choices=["bounce", "complaint", "admin"])

    def handle(self, *args, action: str, **opts) -> None:
        getattr(self, f"do_{action}")(**opts)

    def do_send(self, *, period=None, now=None, connections=None, no_progress=False, **_) -> None:
        bar = None
        if not no_progress and sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(unit="batch", desc="sending", file=sys.stderr)
        stats = send_due(now=parse_now(now), period=period, connections=connections, progress=bar.update if bar else None)
        if bar:
            bar.close()
        periods = ", ".join(stats.periods) or "none due now"
        self.stdout.write(
            f"periods: {periods}\nenqueued {stats.enqueued} (empty, not sent: {stats.empty}); sent {stats.sent}; "
            f"retry later {stats.failed_temp}; failed {stats.failed_perm}; cancelled {stats.cancelled}; "
            f"resent after crash {stats.resent_after_crash}; assumed delivered after crash {stats.assumed_delivered}"
        )
        if stats.aborted:
            raise CommandError(f"stopped early: {stats.aborted}; re-run when fixed (nothing is lost)")

    def do_demo(self, *, email: str, topic=None, **_) -> None:
        now = timezone.now()
        sub, _ = Subscriber.objects.get_or_create(
            email__iexact=email, defaults={"email": email, "status": Subscriber.Status.ACTIVE, "confirmed_at": now}
        )
        changes = {"status": Subscriber.Status.ACTIVE, "frequency": Subscriber.Frequency.DAILY}
        if topic:
            changes["topics"] = topic
        Subscriber.objects.filter(pk=sub.pk).update(**changes)
        added, empty = enqueue(frequency=Subscriber.Frequency.DAILY, now=now)
        stats = Sender(now=now).run()
        self.stdout.write(f"demo: {email}: composed {added} (empty {empty}), sent {stats.sent} through {settings.EMAIL_BACKEND}")

    def do_status(self, **_) -> None:
        rows = Delivery.objects.values("period", "status").annotate(n=Count("id")).order_by("-period", "status")
        subs = Subscriber.objects.values("status").annotate(n=Count("id")).order_by("status")
        self.stdout.write("subscribers: " + ", ".join(f"{r['status']} {r['n']}" for r in subs))
        for r in rows[:60]:
            self.stdout.write(f"{r['period']:<20} {r['status']:<12} {r['n']}")

    def do_suppress(self, *, email: str, reason: str, **_) -> None:
        suppress(email, reason=reason, detail="paperfeed digest suppress")
        self.stdout.write(f"{email} suppressed ({reason})")
