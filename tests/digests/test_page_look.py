"""The digest pages (subscribe, confirm, preferences, preview, unsubscribed) look like the rest of the
site: the site's layout and stylesheet, full width, and the site's form buttons (not grey native ones)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from paperfeed.digests.models import Subscriber
from paperfeed.digests.tokens import make_token
from tests.factories import make_subscriber

pytestmark = pytest.mark.django_db
SITE_LAYOUT = "community/layout.html"  # the layout of the account, collection and submit pages


def _pages(client) -> dict[str, object]:
    pending = make_subscriber(email="new@example.org", status=Subscriber.Status.PENDING, confirmed_at=None)
    active = make_subscriber(email="ada@example.org")
    leaving = make_subscriber(email="bo@example.org")
    manage = make_token("manage", active)
    return {
        "subscribe": client.get("/subscribe"),
        "confirm": client.get(f"/digests/confirm/{make_token('confirm', pending)}"),
        "preferences": client.get(f"/digests/preferences/{manage}"),
        "preview": client.get(f"/digests/preview/{manage}"),
        "unsubscribed": client.get(f"/digests/unsubscribe/{make_token('unsubscribe', leaving)}"),
    }


def test_every_digest_page_uses_the_site_layout_and_button_style(client):
    for name, response in _pages(client).items():
        assert response.status_code == 200, name
        used = {t.name for t in response.templates}
        assert {SITE_LAYOUT, "base.html"} <= used, (name, used)
        html = response.content.decode()
        assert "/static/community/community.css" in html, name  # where .pf-form buttons are styled
        main = html.split('<main', 1)[1].split("</main>", 1)[0]
        forms = re.findall(r"<form\b[^>]*>", main)
        assert all("pf-form" in form for form in forms), (name, forms)
        assert 'class="notice' not in main, name


def test_pages_with_a_button_show_it_in_a_site_form(client):
    pages = _pages(client)
    for name in ("subscribe", "confirm", "preferences", "unsubscribed"):
        main = pages[name].content.decode().split('<main', 1)[1].split("</main>", 1)[0]
        assert re.search(r'<form\b[^>]*class="pf-form[^"]*"[^>]*>.*?<button type="submit">', main, re.S), name


def test_digest_stylesheet_no_longer_narrows_the_page_or_styles_buttons():
    css = Path(finders.find("digests/digests.css")).read_text()
    assert "max-width: 40rem" not in css and not re.search(r"(^|[ ,])button\s*\{", css)


def test_the_footer_subscribe_button_has_the_site_button_style(client):
    html = client.get("/subscribe").content.decode()
    footer_form = html.split('<form class="subscribe-form"', 1)[1].split("</form>", 1)[0]
    assert '<button type="submit" class="button">Subscribe</button>' in footer_form
