"""Item 10: log in with the email; confirming the email logs you in; a verified user's digest needs no confirming."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_user
from tests.browser import PASSWORD
from tests.firstday.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_with_email(live_server, page):
    make_user(username="ada", email="ada@example.org", password=PASSWORD)
    log_in(page, live_server.url, "Ada@Example.org")
    assert page.url == f"{live_server.url}/"
    assert page.locator(".nav-account").get_by_text("ada").count() >= 1


def test_confirming_logs_in_and_digest_needs_no_second_confirmation(live_server, page, smtp):
    base = live_server.url
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=username]", "grace")
    page.fill("input[name=email]", "grace@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form.pf-form button[type=submit]")
    page.wait_for_url(f"{base}/accounts/signup/done/")
    (message,) = smtp.to("grace@example.org")
    path = re.search(r"/accounts/confirm/\S+/", message.get_body(("plain",)).get_content()).group(0)
    page.goto(base + path)
    page.click("text=Confirm my account")
    page.wait_for_url(f"{base}/")
    assert "logged in" in page.inner_text(".messages")
    assert page.locator(".nav-account").get_by_text("grace").count() >= 1

    page.goto(f"{base}/subscribe")
    page.fill("main input[name=email]", "grace@example.org")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/digests/preferences/")
    assert smtp.to("grace@example.org") == [message]  # no confirmation mail for a proven address
