"""Subscribe → confirm → digest over a real SMTP server (aiosmtpd on loopback), and the outbox rules."""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from paperfeed.digests import services
from paperfeed.digests.models import Delivery, SentPaper, Subscriber, Suppression
from paperfeed.digests.sender import claim
from tests.digests.helpers import mail_server, make_trending_paper
from tests.factories import make_delivery, make_subscriber, make_suppression

pytestmark = pytest.mark.django_db
THU = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)
FRI = THU + dt.timedelta(days=1)
SAT = THU + dt.timedelta(days=2)


def papers(n: int = 12, **kw):
    return [make_trending_paper(title=f"Trending paper {i}", upvotes=100 - i, **kw) for i in range(n)]


def parts(msg) -> dict[str, str]:
    return {p.get_content_type(): p.get_content() for p in msg.walk() if not p.is_multipart()}


def path_of(url: str) -> str:
    return urlsplit(url).path


def link(text: str, kind: str) -> str:
    return path_of(re.search(rf"https://papers\.example\.org/digests/{kind}/\S+", text).group(0))


def test_subscribe_confirm_digest_unsubscribe(smtp):
    ps = papers()
    client = Client()
    resp = client.post("/subscribe", {"email": " Ada@Example.ORG "})
    assert resp.status_code == 302 and resp["Location"].endswith("?sent=1")
    [confirmation] = smtp.to("Ada@example.org")
    assert "Confirm" in confirmation["Subject"]
    text = parts(confirmation)["text/plain"]
    confirm_path = link(text, "confirm")
    assert "Confirm subscription" in client.get(confirm_path).content.decode()
    assert Subscriber.objects.get().status == "pending"  # GET alone does not confirm (link scanners)
    assert "You are subscribed" in client.post(confirm_path).content.decode()
    assert Subscriber.objects.get().status == "active"

    stats = services.send_due(now=FRI)
    assert (stats.enqueued, stats.sent, stats.periods) == (1, 1, ["daily:2026-11-27", "weekly:2026-W48"])
    [digest] = [m for m in smtp.to("Ada@example.org") if m["X-Paperfeed-Period"]]
    assert digest["Message-ID"].startswith("<digest.daily.2026-11-27.")
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = [u.strip(" <>") for u in digest["List-Unsubscribe"].split(",")]
    assert https.startswith("https://papers.example.org/digests/unsubscribe/")
    assert mailto.startswith("mailto:unsubscribe@example.org?subject=unsubscribe%20")
    body = parts(digest)
    assert set(body) == {"text/plain", "text/html"}
    assert "Trending paper 0" in body["text/plain"] and "trending: 100 imported upvotes (listed 26 Nov)" in body["text/plain"]
    assert 'style="' in body["text/html"] and "prefers-color-scheme: dark" in body["text/html"]
    assert body["text/html"].count("Trending paper") == 10  # default size
    assert path_of(https) in body["text/html"] and path_of(https) in body["text/plain"]

    view = client.get(link(body["text/plain"], "view"))
    assert view.status_code == 200 and "Trending paper 9" in view.content.decode()
    assert client.get(link(body["text/plain"], "preferences")).status_code == 200

    # The visible link: one click (GET) unsubscribes, and offers an undo.
    page = client.get(path_of(https))
    assert page.status_code == 200 and "You are unsubscribed" in page.content.decode()
    assert Subscriber.objects.get().status == "unsubscribed"
    client.post(path_of(https).replace("/unsubscribe/", "/resubscribe/"))
    assert Subscriber.objects.get().status == "active"

    # RFC 8058 one-click: a cookie-less POST without a CSRF token.
    strict = Client(enforce_csrf_checks=True)
    resp = strict.post(path_of(https), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 200
    assert Subscriber.objects.get().status == "unsubscribed"
    assert services.send_due(now=FRI + dt.timedelta(days=3)).sent == 0
    assert len(ps) == 12


def test_same_response_whether_or_not_the_address_is_known(smtp):
    make_subscriber(email="known@example.org")
    make_suppression("bounced@example.org")
    client = Client()
    answers = {client.post("/subscribe", {"email": e}).content for e in ("known@example.org", "new@example.org", "bounced@example.org")}
    assert len(answers) == 1
    assert "already subscribed" in smtp.to("known@example.org")[0]["Subject"]
    assert len(smtp.to("new@example.org")) == 1 and not smtp.to("bounced@example.org")


def test_rate_limits_per_address_and_per_ip(smtp, settings):
    settings.RATELIMIT_SUBSCRIBE = "6/d"
    client = Client()
    for _ in range(5):
        assert client.post("/subscribe", {"email": "victim@example.org"}).status_code == 302
    assert len(smtp.to("victim@example.org")) == 3  # DIGEST_SUBSCRIBE_PER_ADDRESS = 3/h
    assert client.post("/subscribe", {"email": "other@example.org"}).status_code == 302
    assert client.post("/subscribe", {"email": "third@example.org"}).status_code == 429


def test_expired_or_forged_confirmation_link(smtp, settings):
    client = Client()
    client.post("/subscribe", {"email": "late@example.org"})
    path = link(parts(smtp.to("late@example.org")[0])["text/plain"], "confirm")
    assert client.get(path[:-2] + "xx").status_code == 400
    settings.DIGEST_TOKEN_MAX_AGE_DAYS = -1
    assert client.post(path).status_code == 400
    assert Subscriber.objects.get().status == "pending"


def test_preferences_change_the_next_digest_and_nothing_repeats(smtp):
    papers(8)
    make_trending_paper(title="A tensor compiler for sparse kernels", abstract="compilers", categories=["cs.PL"], upvotes=2)
    make_trending_paper(title="Quantum codes", categories=["quant-ph"], upvotes=90)
    sub = make_subscriber(email="pref@example.org", size=5)
    services.send_due(now=THU)
    first = parts(smtp.to("pref@example.org")[0])["text/plain"]
    assert "Trending paper 0" in first and "tensor compiler" not in first

    client = Client()
    prefs = link(first, "preferences")
    form = {"frequency": "daily", "weekday": "0", "size": "5", "include_categories": "cs.", "exclude_categories": "", "topics": "tensor compilers"}
    assert "Saved" in client.post(prefs, form).content.decode()
    sub.refresh_from_db()
    assert (sub.include_categories, sub.topics) == (["cs."], ["tensor compilers"])

    services.send_due(now=FRI)
    second = parts(smtp.to("pref@example.org")[1])["text/plain"]
    assert "1. A tensor compiler for sparse kernels" in second
    assert "matches your topic 'tensor compilers'" in second
    assert "Quantum codes" not in second
    first_titles = set(re.findall(r"Trending paper \d+", first))
    second_titles = set(re.findall(r"Trending paper \d+", second))
    assert first_titles and second_titles and not first_titles & second_titles
    assert SentPaper.objects.filter(subscriber=sub).count() == 5 + 4  # 3 cs. papers left + the match


def test_weekly_subscriber_gets_one_digest_on_its_day(smtp):
    papers(6)
    make_subscriber(email="weekly@example.org", frequency="weekly", weekday=4)  # Friday
    assert services.send_due(now=THU).sent == 0
    assert services.send_due(now=FRI).sent == 1
    assert services.send_due(now=FRI + dt.timedelta(hours=3)).sent == 0  # same ISO week: once
    assert services.send_due(now=SAT).sent == 0
    assert len(smtp.to("weekly@example.org")) == 1


def test_no_digest_before_the_hour_or_on_weekends_or_when_empty(smtp):
    make_subscriber(email="early@example.org")
    stats = services.send_due(now=FRI)
    assert (stats.enqueued, stats.empty, stats.sent) == (0, 1, 0)  # no papers at all: nothing is sent
    assert Delivery.objects.get().status == "empty"  # recorded, but it does not lock the period
    assert services.send_due(now=THU.replace(hour=5)).periods == []
    assert services.send_due(now=SAT).sent == 0
    assert not smtp.to("early@example.org")


def test_temporary_failure_is_retried_with_backoff(settings):
    papers(6)
    make_subscriber(email="retry@example.org")
    with mail_server(settings, fail_every=1) as handler:
        stats = services.send_due(now=FRI)
        assert stats.failed_temp == 1 and not handler.messages
    d = Delivery.objects.get()
    assert d.status == "failed_temp" and d.attempts == 1 and d.next_attempt_at == FRI + dt.timedelta(minutes=5)
    with mail_server(settings) as handler:
        assert services.send_due(now=FRI + dt.timedelta(minutes=1)).sent == 0  # not yet due
        assert services.send_due(now=FRI + dt.timedelta(minutes=6)).sent == 1
        assert len(handler.to("retry@example.org")) == 1
    d.refresh_from_db()
    assert d.status == "sent" and d.attempts == 2


def test_permanent_failure_suppresses_the_address(settings):
    papers(6)
    sub = make_subscriber(email="gone@example.org")
    with mail_server(settings, fail_every=1) as handler:
        handler.fail_code = "550 5.1.1 No such user"
        assert services.send_due(now=FRI).failed_perm == 1
    sub.refresh_from_db()
    assert sub.status == "suppressed" and Suppression.objects.filter(email="gone@example.org").exists()
    assert services.subscribe("gone@example.org") == "suppressed"


def test_unreachable_server_aborts_and_loses_nothing(settings):
    papers(6)
    make_subscriber(email="a@example.org")
    make_subscriber(email="b@example.org")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    stats = services.send_due(now=FRI)
    assert stats.aborted and stats.sent == 0
    assert set(Delivery.objects.values_list("status", flat=True)) <= {"failed_temp", "pending"}
    with mail_server(settings) as handler:
        assert services.send_due(now=FRI + dt.timedelta(hours=1)).sent == 2
        assert len(handler.messages) == 2


def test_claims_of_live_workers_are_respected_and_dead_ones_taken_over():
    papers(6)
    sub = make_subscriber()
    d = make_delivery(subscriber=sub)
    Delivery.objects.filter(pk=d.pk).update(status="sending", claimed_by=f"{socket.gethostname()}:{os.getpid()}:x", claimed_at=timezone.now())
    assert claim(worker="w1", now=FRI, limit=10) == []  # this process is alive: its claim holds
    Delivery.objects.filter(pk=d.pk).update(claimed_by=f"{socket.gethostname()}:999999999:x")
    assert claim(worker="w1", now=FRI, limit=10) == [d.pk]
    d.refresh_from_db()
    assert (d.status, d.claimed_by) == ("sending", "w1")  # kept: its DATA never ended, so it is resent
    Delivery.objects.filter(pk=d.pk).update(claimed_by="elsewhere:1:x", claimed_at=timezone.now() - dt.timedelta(hours=1))
    assert claim(worker="w2", now=FRI, limit=10) == [d.pk]  # lease expired


def test_unsubscribed_before_sending_is_cancelled(smtp):
    papers(6)
    sub = make_subscriber(email="late@example.org")
    make_delivery(subscriber=sub)
    services.unsubscribe(sub)
    assert services.send_due(now=FRI).cancelled == 1
    assert not smtp.to("late@example.org")
