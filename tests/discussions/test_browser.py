"""One real-browser journey in Debian's chromium: two readers sign up and confirm by email (real
SMTP), one comments with math and a <script>, the other replies, the first gets exactly one
notification mail, staff hide the reply in the admin, and the daily page's count follows."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from paperfeed.notifications.mail import send_notification_mail
from tests.factories import make_paper, make_user
from tests.browser import PASSWORD, chromium, needs_chromium, new_page


BODY = "Energy is $E = mc^2$ here. <script>window.pwned = 1</script>"

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]


@pytest.fixture
def browser():
    """One chromium for the test's two readers (a page each, with its own cookies)."""
    with chromium() as shared:
        yield shared


def _page(browser):
    return new_page(browser)


def _sign_up(page, base: str, smtp, name: str) -> None:
    """Sign up, confirm through the mailed link, log in."""
    page.goto(f"{base}/accounts/signup/")
    page.fill("input[name=username]", name)
    page.fill("input[name=email]", f"{name}@example.org")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("form.pf-form button[type=submit]")
    page.wait_for_url(f"{base}/accounts/signup/done/")
    (message,) = smtp.to(f"{name}@example.org")
    path = re.search(r"/accounts/confirm/\S+/", message.get_body(("plain",)).get_content()).group(0)
    page.goto(base + path)  # the mail's host is SITE_URL; the live server listens elsewhere
    with page.expect_navigation():
        page.click("text=Confirm my account")
    if page.locator("text=Log out").count() == 0:  # confirming may or may not sign the reader in
        _log_in(page, base, name)


def _log_in(page, base: str, name: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.pf-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def _count_on_daily(page, base: str, day: dt.date) -> str:
    page.goto(f"{base}/date/{day:%Y-%m-%d}")
    return page.get_attribute("#p-260600042 a.comment-count", "data-comments")


@pytest.mark.django_db(transaction=True)
def test_discussion_journey(live_server, browser, smtp, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # argon2 is tested elsewhere
    today = timezone.now().date()
    paper = make_paper(arxiv_id="2606.00042", title="A paper worth discussing", listing_date=today)
    base, url = live_server.url, f"{live_server.url}/papers/2606.00042"
    ada, bob = _page(browser), _page(browser)
    _sign_up(ada, base, smtp, "ada")
    _sign_up(bob, base, smtp, "bob")

    # Ada comments with math and a script: the math is typeset, the script is text and never runs.
    ada.goto(url)
    ada.fill("#comment-body", BODY)
    ada.click("form.comment-form button[type=submit]")
    ada.wait_for_selector(".comment-body .katex")
    body = ada.locator(".comment-body").first
    assert "<script>window.pwned = 1</script>" in body.inner_text()
    assert ada.evaluate("() => window.pwned === undefined")
    assert _count_on_daily(ada, base, today) == "1"

    # Bob replies; Ada gets exactly one notification mail (the worker's job, run here).
    bob.goto(url)
    bob.click("a.comment-reply")
    bob.fill("#comment-body", "Nice, but what about $c$?")
    bob.click("form.comment-form button[type=submit]")
    bob.wait_for_selector(".replies .comment-body")
    assert _count_on_daily(bob, base, today) == "2"
    send_notification_mail(now=timezone.now() + dt.timedelta(seconds=1))
    send_notification_mail(now=timezone.now() + dt.timedelta(seconds=2))
    mails = [m for m in smtp.to("ada@example.org") if "notification" in m["Subject"]]
    assert len(mails) == 1
    assert "bob" in mails[0].get_body(("plain",)).get_content()
    assert smtp.to("bob@example.org")[1:] == []  # only his confirmation
    ada.goto(url)
    assert ada.get_attribute("a.bell", "data-unread") == "1"

    # Staff hide the reply in the admin; readers no longer see it, and the count follows.
    make_user(username="staff", password=PASSWORD, is_staff=True, is_superuser=True)
    staff = _page(browser)
    staff.goto(f"{base}/admin/login/")
    staff.fill("input[name=username]", "staff")
    staff.fill("input[name=password]", PASSWORD)
    staff.click("input[type=submit]")
    staff.goto(f"{base}/admin/discussions/comment/?q=what+about")
    staff.check("input[name=_selected_action]")
    staff.select_option("select[name=action]", "hide")
    staff.click("button[name=index]")
    staff.wait_for_selector("text=Hid 1 comment(s).")
    reader = _page(browser)
    reader.goto(url)
    assert "what about" not in reader.inner_text("#discussion")
    assert "Energy is" in reader.inner_text("#discussion")
    assert _count_on_daily(reader, base, today) == "1"
    paper.refresh_from_db()
    assert paper.comment_count == 1
