"""Test helpers for digests: trending papers to compose from, and Django mail pointed at a real SMTP server."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

from paperfeed.catalog.models import Paper
from tests.factories import make_paper
from tests.smtp import smtp_server

# The tests send digests on Thursday 26 and Friday 27 November 2026; papers listed on the Thursday
# trend then (inside the week window), ranked by their imported upvotes.
LISTED = dt.date(2026, 11, 26)


def make_trending_paper(*, upvotes: int, **overrides) -> Paper:
    """A paper listed on LISTED with ``upvotes`` imported upvotes (trending needs at least 2)."""
    return make_paper(listing_date=LISTED, imported_upvotes=upvotes, **overrides)


@contextmanager
def mail_server(settings, **kw):
    """Run an aiosmtpd server and point Django's SMTP backend at it; yields its recording handler."""
    with smtp_server(**kw) as (handler, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        yield handler
