"""Production mode (PAPERFEED_PRODUCTION=1): development values refused, HTTPS-only cookies and HSTS."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.smtp import free_port

REPO = Path(__file__).resolve().parents[2]
HOST = "papers.example.org"


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment a real deployment could run with (strong key, real host name, SMTP)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERFEED_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
        "PAPERFEED_DATA_DIR": str(tmp_path),
        "PAPERFEED_PRODUCTION": "1",
        "PAPERFEED_SECRET_KEY": secrets.token_urlsafe(50),
        "PAPERFEED_ALLOWED_HOSTS": HOST,
        "PAPERFEED_SITE_URL": f"https://{HOST}",
        "PAPERFEED_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        **extra,
    })
    return env


def paperfeed(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run the `paperfeed` CLI as an operator would."""
    return subprocess.run([sys.executable, "-m", "paperfeed.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("extra", "says"), [
    ({"PAPERFEED_DEBUG": "1"}, "PAPERFEED_DEBUG=1 is refused in production"),
    ({"PAPERFEED_SECRET_KEY": "x"}, "too weak for production: 1 characters"),
    ({"PAPERFEED_SECRET_KEY": "ab" * 40}, "only 2 distinct characters"),
    ({"PAPERFEED_SECRET_KEY": "django-insecure-" + secrets.token_urlsafe(50)}, "development key"),
])
def test_production_refuses_development_values_with_a_message(tmp_path, extra, says):
    done = paperfeed(production_env(tmp_path, **extra), "serve", "--port", str(free_port()))
    assert done.returncode != 0
    assert says in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_deploy_check_passes_with_a_strong_key_and_a_real_host(tmp_path):
    done = paperfeed(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr


def test_production_settings_secure_the_session(tmp_path):
    code = ("from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, "
            "getattr(s, 'SECURE_PROXY_SSL_HEADER', None))")
    alone = paperfeed(production_env(tmp_path), "shell", "-c", code)
    assert alone.stdout.splitlines()[-1].split() == ["True", "True", "True", "None"], alone.stderr
    proxied = paperfeed(production_env(tmp_path, PAPERFEED_TRUSTED_PROXIES="127.0.0.1"), "shell", "-c", code)
    assert proxied.stdout.splitlines()[-1].endswith("('HTTP_X_FORWARDED_PROTO', 'https')"), proxied.stderr


@pytest.fixture
def production_server(tmp_path):
    """`paperfeed serve` in production mode behind a (pretend) TLS proxy on loopback."""
    env = production_env(tmp_path, PAPERFEED_TRUSTED_PROXIES="127.0.0.1")
    assert paperfeed(env, "migrate", "--noinput").returncode == 0
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "paperfeed.cli", "serve", "--skip-collectstatic",
                             "--port", str(port), "--workers", "1"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_real_server_shows_no_debug_page_and_sends_secure_cookies(production_server):
    https = {"Host": HOST, "X-Forwarded-Proto": "https"}
    missing = httpx.get(f"{production_server}/nonexistent", headers=https, timeout=10)
    assert missing.status_code == 404
    assert "Traceback" not in missing.text and "DEBUG = True" not in missing.text and "URLconf" not in missing.text
    login = httpx.get(f"{production_server}/accounts/login/", headers=https, timeout=10)
    assert login.status_code == 200
    cookie = login.headers["set-cookie"]
    assert "csrftoken=" in cookie and "Secure" in cookie
    assert login.headers["strict-transport-security"].startswith("max-age=31536000")
    plain = httpx.get(f"{production_server}/accounts/login/", headers={"Host": HOST}, timeout=10)
    assert plain.status_code == 301 and plain.headers["location"] == f"https://{HOST}/accounts/login/"
