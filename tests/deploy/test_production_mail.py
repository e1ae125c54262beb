"""PAPERFEED_PRODUCTION=1 refuses mail that stays on the machine and links that point at localhost."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.server import REPO, environment


def _check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    env = environment(tmp_path, PAPERFEED_PRODUCTION="1", PAPERFEED_SECRET_KEY=secrets.token_urlsafe(50),
                      PAPERFEED_ALLOWED_HOSTS="papers.example.org", **extra)
    return subprocess.run([sys.executable, "-m", "paperfeed.cli", "check"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("backend", ["django.core.mail.backends.console.EmailBackend",
                                     "django.core.mail.backends.locmem.EmailBackend"])
def test_a_backend_that_keeps_mail_here_is_refused(tmp_path, backend):
    done = _check(tmp_path, PAPERFEED_EMAIL_BACKEND=backend, PAPERFEED_SITE_URL="https://papers.example.org")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "keeps mail on this machine" in done.stderr and "sendtestemail" in done.stderr


@pytest.mark.parametrize("site_url", ["", "http://127.0.0.1:8000", "http://localhost", "http://[::1]:8000"])
def test_a_site_url_that_is_not_public_is_refused(tmp_path, site_url):
    done = _check(tmp_path, PAPERFEED_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                  PAPERFEED_SITE_URL=site_url)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "PAPERFEED_SITE_URL" in done.stderr and "not a public address" in done.stderr


def test_smtp_and_a_public_site_url_pass(tmp_path):
    done = _check(tmp_path, PAPERFEED_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                  PAPERFEED_SITE_URL="https://papers.example.org")
    assert "keeps mail" not in done.stderr and "not a public address" not in done.stderr
