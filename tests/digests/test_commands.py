"""`paperfeed digest send|status|suppress|demo`."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from paperfeed.digests.models import Delivery, Subscriber, Suppression
from tests.digests.helpers import make_trending_paper
from tests.factories import make_paper, make_subscriber

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("digest", *args, stdout=out)
    return out.getvalue()


def test_send_status_and_suppress(smtp):
    for i in range(6):
        make_trending_paper(title=f"Paper {i}", upvotes=10 - i)
    make_subscriber(email="cli@example.org")
    out = run("send", "--now", "2026-11-27T08:00Z", "--no-progress")
    assert "periods: daily:2026-11-27, weekly:2026-W48" in out and "sent 1;" in out
    assert len(smtp.to("cli@example.org")) == 1
    assert "sent 0;" in run("send", "--now", "2026-11-27T09:00Z", "--period", "daily", "--no-progress")
    status = run("status")
    assert "subscribers: active 1" in status and "daily:2026-11-27" in status
    run("suppress", "CLI@example.org", "--reason", "bounce")
    assert Subscriber.objects.get().status == "suppressed"
    assert Suppression.objects.get().reason == "bounce"


def test_bad_now_is_a_message_not_a_traceback():
    with pytest.raises(CommandError, match="not an ISO date-time"):
        run("send", "--now", "tomorrow")


def test_demo_sends_todays_digest_now(smtp):
    for i in range(6):
        make_paper(title=f"Paper {i}", imported_upvotes=10 - i)
    out = run("demo", "--email", "demo@example.org", "--topic", "paper")
    assert "sent 1" in out
    assert Delivery.objects.get().status == "sent"
    assert "matches your topic 'paper'" in smtp.to("demo@example.org")[0].get_body(("plain",)).get_content()


def test_admin_pages_and_actions(admin_client):
    sub = make_subscriber(email="adm@example.org")
    old = sub.secret
    for url in ("/admin/digests/subscriber/", "/admin/digests/delivery/", "/admin/digests/suppression/", "/admin/digests/sentpaper/"):
        assert admin_client.get(url).status_code == 200
    admin_client.post("/admin/digests/subscriber/", {"action": "revoke_links", "_selected_action": [sub.pk]})
    sub.refresh_from_db()
    assert sub.secret != old
    admin_client.post("/admin/digests/subscriber/", {"action": "suppress_addresses", "_selected_action": [sub.pk]})
    sub.refresh_from_db()
    assert sub.status == "suppressed"
