"""Single sign-on against a real OpenID Connect provider (django-oauth-toolkit in its own process), in chromium.

The provider runs `tests/accounts/oidc_provider` on a free port with a fresh RSA key and database;
paperfeed (the live test server) signs in through it with mozilla-django-oidc, PKCE on.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from paperfeed.accounts.models import Profile
from tests.factories import make_user
from tests.browser import needs_chromium


REPO = Path(__file__).resolve().parents[2]
CLIENT_ID, SECRET = "paperfeed-test", "a-client-secret-for-tests"

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
    pytest.mark.django_db(transaction=True),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rsa_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _wait_for(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the OIDC provider exited: {process.stdout.read() if process.stdout else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the OIDC provider did not start")


@pytest.fixture
def provider(live_server, settings, tmp_path):
    """The provider's base URL; paperfeed's OIDC settings point at it."""
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.accounts.oidc_provider.settings",
           "OIDC_PROVIDER_DB": str(tmp_path / "provider.sqlite3"), "OIDC_PROVIDER_KEY": _rsa_key()}
    redirect = f"{live_server.url}/accounts/oidc/callback/"
    subprocess.run([sys.executable, "-m", "tests.accounts.oidc_provider.prepare", redirect, CLIENT_ID, SECRET],
                   cwd=REPO, env=env, check=True, timeout=120)
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        _wait_for(port, process)
        base = f"http://127.0.0.1:{port}/o"
        settings.OIDC_ENABLED = True
        settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = CLIENT_ID, SECRET
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{base}/authorize/"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{base}/token/"
        settings.OIDC_OP_USER_ENDPOINT = f"{base}/userinfo/"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{base}/.well-known/jwks.json"
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/oidc/authenticate/")
    page.wait_for_selector("text=University sign-in")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pw")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: url.startswith(live_server.url))
    page.wait_for_load_state()


def test_a_new_member_signs_in_and_lands_on_the_daily_page(provider, live_server, page):
    _sign_in(page, live_server, "ada")
    assert page.url == f"{live_server.url}/"
    assert page.locator("a[href='/accounts/profile/']").inner_text() == "ada"
    user = get_user_model().objects.get(email="ada@uni.example")
    assert Profile.objects.get(user=user).email_confirmed_at is not None


def test_an_existing_account_links_by_verified_email(provider, live_server, page):
    existing = make_user(username="grace_h", email="grace@uni.example", active=False)
    _sign_in(page, live_server, "grace")
    assert page.locator("a[href='/accounts/profile/']").inner_text() == "grace_h"
    existing.refresh_from_db()
    assert existing.is_active and not existing.has_usable_password()  # a pre-registered password is void
    assert get_user_model().objects.filter(email__iexact="grace@uni.example").count() == 1


def test_an_unverified_email_is_refused(provider, live_server, page):
    _sign_in(page, live_server, "unverified-bob")
    assert "/accounts/login/" in page.url
    assert not get_user_model().objects.filter(email="bob@uni.example").exists()
