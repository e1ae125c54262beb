"""Two-phase end of DATA (paperfeed/digests/smtp.py) and crash recovery of ``sending`` / ``handed_off``
rows, against a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from dataclasses import dataclass

import pytest
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from paperfeed.digests import services
from paperfeed.digests.models import Delivery, SentPaper
from paperfeed.digests.sender import ASSUMED_AFTER_CRASH, ASSUMED_NO_REPLY, mark_handed_off
from paperfeed.digests.smtp import HandoffAborted, HandoffEmailBackend, handoff_connection
from tests.digests.helpers import mail_server, make_trending_paper
from tests.factories import make_delivery, make_subscriber
from tests.smtp import RecordingHandler

FRI = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
DEAD = f"{socket.gethostname()}:999999999:x"  # a claim token of a process that no longer exists
LIVE = f"{socket.gethostname()}:{os.getpid()}:x"


def wait_for(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


BODY = ".starts with a dot\n..two dots\n.\nlast line, no newline at the end"


def test_handoff_backend_sends_the_same_bytes_as_djangos_and_quotes_leading_dots(settings):
    with mail_server(settings) as handler:
        assert isinstance(handoff_connection(), HandoffEmailBackend)
        for backend in (get_connection(), handoff_connection()):
            msg = EmailMessage("dots", BODY, "papers@example.org", ["dots@example.org"], connection=backend)
            msg.extra_headers["Message-ID"] = "<same@example.org>"
            msg.extra_headers["Date"] = "Fri, 27 Nov 2026 08:00:00 +0000"
            if isinstance(backend, HandoffEmailBackend):
                assert backend.send_with_handoff(msg, before_end_of_data=lambda: True)
                backend.close()
            else:
                msg.send()
    plain, handoff = handler.messages
    assert handoff.as_bytes() == plain.as_bytes()
    assert handoff.get_content().splitlines() == BODY.splitlines()


def test_end_of_data_waits_for_the_hook_and_an_aborted_data_is_discarded(settings):
    with mail_server(settings) as handler:
        backend = handoff_connection()
        seen_at_hook: list[int] = []

        def hook(proceed: bool):
            def before_end_of_data() -> bool:
                time.sleep(0.2)  # the body is at the server; it must not count as a message yet
                seen_at_hook.append(len(handler.messages))
                return proceed
            return before_end_of_data

        msg = EmailMessage("x", "body", "papers@example.org", ["a@example.org"], connection=backend)
        with pytest.raises(HandoffAborted):
            backend.send_with_handoff(msg, before_end_of_data=hook(False))
        assert not backend.end_of_data_sent
        backend.close()
        assert backend.send_with_handoff(msg, before_end_of_data=hook(True))  # a fresh connection
        assert backend.end_of_data_sent
        backend.close()
        assert wait_for(lambda: len(handler.messages) == 1)
    assert seen_at_hook == [0, 0]  # the server had accepted nothing before the terminator
    assert handler.attempts == 1  # the abandoned DATA never reached the handler


@pytest.mark.django_db
def test_mark_handed_off_needs_the_claim_and_the_sending_state():
    d = make_delivery(status="sending", claimed_by="w1")
    assert not mark_handed_off(d.pk, worker="w2")
    assert mark_handed_off(d.pk, worker="w1")
    assert not mark_handed_off(d.pk, worker="w1")  # already handed off
    d.refresh_from_db()
    assert d.status == "handed_off"


def crashed_delivery(status: str, claimed_by: str = DEAD, **kw) -> Delivery:
    """A delivery left behind in ``status`` by a sender (dead unless ``claimed_by`` says otherwise)."""
    papers = [make_trending_paper(title=f"Paper {i}", upvotes=10 - i) for i in range(3)]
    sub = make_subscriber(email=f"{status}@example.org")
    return make_delivery(
        subscriber=sub, status=status, attempts=1,
        claimed_by=claimed_by, claimed_at=timezone.now(), paper_ids=[p.pk for p in papers],
        reasons=["trending"] * 3, message_id="<m@example.org>", **kw,
    )


@pytest.mark.django_db
def test_handed_off_row_of_a_dead_sender_is_recorded_as_sent_and_not_resent(settings):
    d = crashed_delivery("handed_off")
    with mail_server(settings) as handler:
        stats = services.send_due(now=FRI, period="weekly")  # nothing new is due for the daily reader
        assert (stats.assumed_delivered, stats.sent, stats.resent_after_crash) == (1, 0, 0)
        assert services.send_due(now=FRI + dt.timedelta(hours=1), period="weekly").assumed_delivered == 0
    assert not handler.messages
    d.refresh_from_db()
    assert (d.status, d.claimed_by, d.last_error, d.sent_at) == ("sent", "", ASSUMED_AFTER_CRASH, FRI)
    assert sorted(SentPaper.objects.filter(subscriber=d.subscriber).values_list("paper_id", flat=True)) == sorted(d.paper_ids)


@pytest.mark.django_db
def test_handed_off_row_of_a_live_sender_waits_for_its_lease(settings):
    d = crashed_delivery("handed_off", claimed_by=LIVE)
    with mail_server(settings) as handler:
        assert services.send_due(now=FRI, period="weekly").assumed_delivered == 0
        Delivery.objects.filter(pk=d.pk).update(claimed_at=timezone.now() - dt.timedelta(hours=1))
        assert services.send_due(now=FRI, period="weekly").assumed_delivered == 1
    assert not handler.messages


@pytest.mark.django_db
def test_sending_row_of_a_dead_sender_is_resent_once(settings):
    d = crashed_delivery("sending")
    with mail_server(settings) as handler:
        stats = services.send_due(now=FRI, period="weekly")
        assert (stats.resent_after_crash, stats.sent, stats.assumed_delivered) == (1, 1, 0)
        assert services.send_due(now=FRI + dt.timedelta(hours=1), period="weekly").sent == 0
    assert len(handler.to("sending@example.org")) == 1
    d.refresh_from_db()
    assert (d.status, d.attempts, d.last_error) == ("sent", 2, "")


@dataclass
class HangUpAfterData(RecordingHandler):
    """Accepts the message, then drops the connection instead of answering."""

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        reply = await super().handle_DATA(server, session, envelope)
        server.transport.abort()
        return reply


@pytest.mark.django_db
def test_connection_lost_after_the_end_of_data_is_assumed_delivered_not_retried(settings):
    from aiosmtpd.controller import Controller

    from tests.smtp import free_port

    make_trending_paper(title="Paper", upvotes=5)
    make_subscriber(email="hangup@example.org")
    handler = HangUpAfterData()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        stats = services.send_due(now=FRI, period="daily")
        assert (stats.assumed_delivered, stats.failed_temp, stats.sent) == (1, 0, 0)
        assert services.send_due(now=FRI + dt.timedelta(hours=1), period="daily").sent == 0
    finally:
        controller.stop()
    assert len(handler.to("hangup@example.org")) == 1
    d = Delivery.objects.get()
    assert (d.status, d.last_error) == ("sent", ASSUMED_NO_REPLY)


@pytest.mark.django_db
def test_backends_without_a_data_phase_hand_off_before_sending(settings, mailoutbox):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_trending_paper(title="Paper", upvotes=5)
    make_subscriber(email="locmem@example.org")
    assert not isinstance(handoff_connection(), HandoffEmailBackend)
    assert services.send_due(now=FRI, period="daily").sent == 1
    assert len(mailoutbox) == 1
    assert Delivery.objects.get().status == "sent"
