"""Concurrency on PostgreSQL: two `paperfeed digest send` processes started together over 1,000
subscribers -> each subscriber exactly one message at the SMTP server.

The processes claim deliveries with SELECT … FOR UPDATE SKIP LOCKED (paperfeed/digests/sender.py),
so they split the work instead of sending anything twice. They run against a scratch database
created on the test server (the test database's transaction is invisible to other processes),
which is dropped afterwards. Skipped unless the tests run on PostgreSQL (`make test-postgres`).
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.digests.subprocess_env import sender_env

from tests.smtp import smtp_server

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only (make test-postgres)")

REPO = Path(__file__).resolve().parents[2]
N = 1000
NOW = "2026-11-27T08:00:00Z"


def _admin_connect(dbname: str):
    import psycopg

    params = connection.settings_dict
    return psycopg.connect(
        dbname=dbname, user=params.get("USER") or None, password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None, port=params.get("PORT") or None, autocommit=True,
    )


@pytest.fixture
def scratch_database_url():
    """A fresh, empty database on the test server; yields its URL and drops it afterwards."""
    params = connection.settings_dict
    name = f"paperfeed_conc_{os.getpid()}_{secrets.token_hex(3)}"
    with _admin_connect(params["NAME"]) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = quote(params.get("USER") or "", safe="")
    if params.get("PASSWORD"):
        auth += ":" + quote(params["PASSWORD"], safe="")
    host = params.get("HOST") or "localhost"
    port = f":{params['PORT']}" if params.get("PORT") else ""
    try:
        yield f"postgres://{auth}@{host}{port}/{name}"
    finally:
        with _admin_connect(params["NAME"]) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_data(n: int) -> None:
    """Migrate the database named by DATABASE_URL; create 30 papers and ``n`` daily subscribers."""
    import django

    django.setup()
    from django.core.management import call_command

    from paperfeed.catalog.models import Paper
    from paperfeed.digests.models import Subscriber

    call_command("migrate", verbosity=0, interactive=False)
    day = dt.date(2026, 11, 26)
    Paper.objects.bulk_create(
        Paper(arxiv_id=f"2611.{i:05d}", title=f"Concurrency paper {i}", abstract="Abstract & <markup>.",
              authors=["Ada Lovelace"], categories=["cs.LG"], primary_category="cs.LG", listing_date=day,
              imported_upvotes=100 - i)
        for i in range(30)
    )
    confirmed = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    Subscriber.objects.bulk_create(
        Subscriber(email=f"r{i:05d}@example.org", status="active", confirmed_at=confirmed, size=5) for i in range(n)
    )


def _env(database_url: str, port: int, data_dir: Path) -> dict[str, str]:
    return sender_env(data_dir, port, database_url=database_url)


def test_two_senders_started_together_send_each_digest_exactly_once(scratch_database_url, tmp_path):
    with smtp_server() as (handler, port):
        env = _env(scratch_database_url, port, tmp_path)
        subprocess.run([sys.executable, "-m", "tests.digests.test_pg_concurrency", str(N)],
                       env=env, cwd=REPO, check=True, timeout=300)
        cmd = [sys.executable, "-m", "paperfeed.cli", "digest", "send", "--now", NOW, "--no-progress"]
        procs = [subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for _ in range(2)]
        outputs = [p.communicate(timeout=300)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs

    by_rcpt: dict[str, list[str]] = collections.defaultdict(list)
    for msg, (_, rcpts) in zip(handler.messages, handler.envelopes):
        for rcpt in rcpts:
            by_rcpt[rcpt].append(msg["Message-ID"])
    assert len(by_rcpt) == N  # nobody missed
    assert sorted({len(ids) for ids in by_rcpt.values()}) == [1]  # exactly one message each
    assert len(handler.messages) == N

    import psycopg

    with psycopg.connect(scratch_database_url.replace("postgres://", "postgresql://", 1)) as db:
        statuses = dict(db.execute("SELECT status, count(*) FROM digests_delivery GROUP BY status").fetchall())
    assert statuses == {"sent": N}
    # Both processes did part of the work: they really ran concurrently and split the claims.
    per_sender = [int(re.search(r"; sent (\d+);", out).group(1)) for out in outputs]
    assert sum(per_sender) == N and min(per_sender) > 0, outputs
    print(f"deliveries per sender: {per_sender}")


if __name__ == "__main__":
    setup_data(int(sys.argv[1]))
