"""Every mail's Subject on the wire: plain text (no HTML escaping), one logical line, folded per RFC 5322."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, RequestFactory

from paperfeed.accounts.emails import render_subject, send_confirmation
from paperfeed.digests import services
from tests.digests.helpers import make_trending_paper
from tests.factories import make_subscriber, make_user
from tests.smtp import RecordingHandler, free_port

pytestmark = pytest.mark.django_db
FRI = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
NAME = "Ada's <Lab> & \"Friends\""
TITLE = "Why <b>bold</b> & 'quoted' titles: a study of x<y and AT&T's results in long subject lines"


@dataclass
class RawHandler(RecordingHandler):
    """Also keeps each message's bytes as they came over the wire."""

    raw: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        self.raw.append(envelope.content)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def wire(settings):
    """A real SMTP server recording raw messages; Django's SMTP backend points at it."""
    handler, port = RawHandler(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.SITE_NAME = NAME
    try:
        yield handler
    finally:
        controller.stop()


def raw_subject(raw: bytes) -> list[str]:
    """The Subject header's physical lines as sent (a folded header continues on indented lines)."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    match = re.search(r"^Subject:.*?(?=\r\n(?![ \t])|\Z)", head, flags=re.M | re.S)
    return match.group(0).split("\r\n")


def assert_clean(handler: RawHandler, expected: str) -> None:
    """The last message's Subject reads exactly ``expected`` and is folded within RFC 5322's lengths."""
    lines = raw_subject(handler.raw[-1])
    assert all(len(line) <= 78 for line in lines), lines
    parsed = email.message_from_bytes(handler.raw[-1], policy=email.policy.default)["Subject"]
    assert parsed == expected
    assert not re.search(r"&(amp|lt|gt|quot|#x27|#39);", parsed)


def test_account_confirmation_subject_is_plain(wire):
    user = make_user(email="ada@example.org")
    send_confirmation(user=user, request=RequestFactory().get("/"))
    assert_clean(wire, f"Confirm your {NAME} account")


def test_password_reset_subject_is_plain(wire, settings):
    settings.RATELIMIT_ENABLE = False
    make_user(email="ada@example.org", password="a long enough password")
    Client().post("/accounts/password/reset/", {"email": "ada@example.org"})
    assert_clean(wire, f"Reset your {NAME} password")


def test_digest_confirmation_and_already_subscribed_subjects_are_plain(wire):
    services.subscribe("ada@example.org")
    assert_clean(wire, f"Confirm your {NAME} digest subscription")
    make_subscriber(email="bob@example.org", status="active")
    services.subscribe("bob@example.org")
    assert_clean(wire, f"You are already subscribed to {NAME} digests")


def test_digest_subject_is_plain_and_folded(wire):
    make_trending_paper(title=TITLE, upvotes=90)
    make_trending_paper(title="Second paper", upvotes=80)
    make_subscriber(email="ada@example.org", status="active")
    services.send_due(now=FRI, period="daily")
    lines = raw_subject(wire.raw[-1])
    assert len(lines) > 1  # long enough to be folded
    assert_clean(wire, f"Today's trending papers: {TITLE[:69]}… and 1 more")


def test_render_subject_keeps_one_line_and_no_escaping(settings):
    subject = render_subject("accounts/emails/confirm/subject.txt", {"site_name": "A\r\nBcc: x@example.org & <b>"})
    assert subject == "Confirm your A Bcc: x@example.org & <b> account"
