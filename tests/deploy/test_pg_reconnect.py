"""After PostgreSQL drops every connection (a restart, a failover), no web request fails (CONN_HEALTH_CHECKS).

Runs only on PostgreSQL (``DATABASE_URL`` set, e.g. ``make test-postgres``); the URL's role must be
allowed to create databases and end other sessions, as scripts/pg.sh's superuser is. Instead of
restarting the shared test server, the server side of every connection to the site's database is
ended with ``pg_terminate_backend``: to the web worker, that is what a restart looks like.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.deploy.server import environment, paperfeed, serving

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs DATABASE_URL (PostgreSQL)")]


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@pytest.fixture
def site_database():
    """A fresh database for the real server; dropped afterwards."""
    import psycopg

    name = f"pf_reconnect_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(_with_database(os.environ["DATABASE_URL"], "postgres"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin, name, _with_database(os.environ["DATABASE_URL"], name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _database_ok(server_url: str) -> tuple[int, str]:
    answer = httpx.get(server_url + "/healthz", timeout=30)
    return answer.status_code, answer.json()["components"]["database"]


def test_no_request_fails_after_the_servers_connections_are_dropped(site_database, tmp_path):
    admin, name, url = site_database
    env = environment(tmp_path / "data", DATABASE_URL=url)
    paperfeed(["migrate", "--noinput", "-v", "0"], env, timeout=600)
    # One web worker: the connection it keeps (conn_max_age) is the one that goes stale.
    with serving(env, "--workers", "1", log=tmp_path / "serve.log") as server:
        assert [_database_ok(server.url) for _ in range(3)] == [(200, "ok")] * 3
        ended = admin.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()) AS t", [name]).fetchone()[0]
        assert ended >= 1  # the worker held a connection, and now holds a dead one
        # The very next request (without health checks, the one that would fail) and those after it.
        assert httpx.get(server.url + "/trending", timeout=30).status_code == 200
        assert httpx.get(server.url + "/api/daily_papers", timeout=30).status_code == 200
        assert _database_ok(server.url) == (200, "ok")
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
