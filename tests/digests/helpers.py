"""Test helpers for digests: a deterministic candidate source, and Django mail pointed at a real SMTP server."""

from __future__ import annotations

from contextlib import contextmanager

from paperfeed.catalog.models import Paper
from tests.smtp import smtp_server

SOURCE = "tests.digests.helpers.trending_by_upvotes"


def trending_by_upvotes(*, window: str = "week", now=None, limit: int = 50, offset: int = 0):
    """(paper, score, reason) by imported upvotes, best first — what digests expect of trending_papers."""
    qs = Paper.objects.filter(hidden=False).order_by("-imported_upvotes", "pk")
    return [(p, float(p.imported_upvotes), f"{p.imported_upvotes} votes") for p in qs[offset : offset + limit]]


@contextmanager
def mail_server(settings, **kw):
    """Run an aiosmtpd server and point Django's SMTP backend at it; yields its recording handler."""
    with smtp_server(**kw) as (handler, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        yield handler
