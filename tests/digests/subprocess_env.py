"""Environment for `paperfeed digest send` subprocesses in the crash and concurrency tests."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def sender_env(data_dir: Path, port: int, *, database_url: str | None = None) -> dict[str, str]:
    """A clean environment pointing a sender at ``data_dir``, the SMTP server on ``port`` and a database.

    Without ``database_url`` the subprocess uses its own SQLite file in ``data_dir`` (DATABASE_URL is
    dropped, so the SQLite crash test stays SQLite under `make test-postgres`).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERFEED_", "DJANGO_")) and k != "DATABASE_URL"}
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(
        PYTHONPATH=str(REPO),
        DJANGO_SETTINGS_MODULE="paperfeed.settings",
        PAPERFEED_DATA_DIR=str(data_dir),
        PAPERFEED_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        PAPERFEED_EMAIL_HOST="127.0.0.1",
        PAPERFEED_EMAIL_PORT=str(port),
        PAPERFEED_SITE_URL="https://papers.example.org",
        PAPERFEED_FROM_EMAIL="papers@example.org",
        PAPERFEED_DIGEST_SEND_BATCH="20",
        OMP_NUM_THREADS="1",
    )
    return env
