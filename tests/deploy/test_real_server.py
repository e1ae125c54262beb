"""The real server (gunicorn, 2 workers) behind a proxy header: rate limits, JSON logs, health, outages."""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import httpx
import pytest

from tests.deploy.server import csrf_token, environment, paperfeed, serving
from tests.smtp import free_port

# Real servers on their own SQLite: run once, in the SQLite run (make test), not again on PostgreSQL.
pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")),
                                                   reason="runs in the SQLite run only")]
PASSWORD = "correct horse battery 42"
ABUSER, OWNER = "203.0.113.7", "198.51.100.9"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A migrated SQLite data dir with the account "admin"."""
    data = tmp_path_factory.mktemp("site")
    env = environment(data)
    paperfeed(["migrate", "--noinput", "-v", "0"], env)
    paperfeed(["shell", "-c", "from django.contrib.auth import get_user_model; "
               f"get_user_model().objects.create_user('admin', 'admin@example.org', {PASSWORD!r})"], env)
    return data


def _login(server_url: str, *, client_ip: str, password: str) -> int:
    with httpx.Client(base_url=server_url, headers={"X-Forwarded-For": client_ip}, timeout=30) as client:
        token = csrf_token(client, "/accounts/login/")
        response = client.post("/accounts/login/", data={
            "username": "admin", "password": password, "csrfmiddlewaretoken": token})
        return response.status_code


def _failed_logins_in_two_threads(server_url: str, count: int) -> list[int]:
    codes: list[int] = []

    def attempt(n: int) -> None:
        for _ in range(n):
            codes.append(_login(server_url, client_ip=ABUSER, password="wrong"))

    threads = [threading.Thread(target=attempt, args=(count // 2,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def test_behind_a_proxy_limits_hold_across_workers_and_lock_nobody_else_out(site, tmp_path):
    env = environment(site, PAPERFEED_TRUSTED_PROXIES="127.0.0.1", PAPERFEED_LOG_FORMAT="json",
                      # An hour's window: the test cannot straddle the window's edge and start over.
                      PAPERFEED_RATELIMIT_LOGIN="10/h")
    log = tmp_path / "serve.log"
    with serving(env, "--workers", "2", log=log) as server:
        # 24 wrong passwords from one client, two at a time so both gunicorn workers answer.
        codes = _failed_logins_in_two_threads(server.url, 24)
        refusals = [line for line in server.lines() if "refused" in line]
        assert sorted(codes) == [200] * 10 + [429] * 14, refusals  # counted once across the workers
        # The admin, from another address behind the same proxy, is not locked out.
        assert _login(server.url, client_ip=OWNER, password=PASSWORD) == 302
        health = httpx.get(server.url + "/healthz", timeout=10)
        request_id = health.headers["X-Request-ID"]

    # No worker ran: /healthz says so, and names no host or port.
    body = health.json()
    assert health.status_code == 200 and body["status"] == "degraded"
    assert body["components"]["worker"] == "down" and body["components"]["database"] == "ok"
    assert not re.search(r"127\.0\.0\.1|localhost|port|\d{4,5}", health.text)

    # Every line a request wrote is one JSON object with its request id.
    lines = [line for line in server.lines() if line.strip() and not line.startswith(("paperfeed serving", "Stopping"))]
    records = [json.loads(line) for line in lines]
    outside = [r for r in records if not re.fullmatch(r"[0-9a-f]{16}", r["request_id"])]
    assert not outside, outside  # every record was written inside a request, and carries its id
    access = [r for r in records if r["logger"] == "paperfeed.access" and r["path"] != "/api/openapi.json"]
    assert len(access) == 2 * 24 + 2 + 1  # a GET and a POST per login, the health check
    assert {"time", "level", "message", "method", "path", "status", "duration_ms"} <= set(access[-1])
    assert access[-1]["request_id"] == request_id and access[-1]["path"] == "/healthz"
    assert sum(r["status"] == 429 for r in access) == 14
    refused = [r["message"] for r in records if r["logger"] == "paperfeed.accounts.ratelimits"]
    # Each refusal names what was over its limit: the address and the account on it, at once (the
    # two workers' lines may interleave, so not in order).
    assert sorted(refused) == sorted(f"log-in refused: {n} attempts by this {what}, over its limit of 10"
                                     for n in range(11, 25) for what in ("address", "account")), refused


def test_with_the_database_unreachable_pages_and_api_answer_503(tmp_path):
    closed = free_port()  # nothing listens there
    env = environment(tmp_path, DATABASE_URL=f"postgresql://paperfeed:secret@127.0.0.1:{closed}/paperfeed",
                      PAPERFEED_LOG_FORMAT="json")
    with serving(env, "--workers", "1", log=tmp_path / "serve.log") as server:
        api = httpx.get(server.url + "/api/papers/search", params={"q": "attention"}, timeout=30)
        page = httpx.get(server.url + "/", timeout=30)
        health = httpx.get(server.url + "/healthz", timeout=30)
    assert api.status_code == 503 and api.headers["content-type"].startswith("application/json")
    assert "unavailable" in api.json()["detail"] and api.headers["Retry-After"]
    assert page.status_code == 503 and "Back shortly" in page.text
    assert health.status_code == 503 and health.json() == {"status": "down", "components": {"database": "down"}}
    for answer in (api, page, health):
        assert "127.0.0.1" not in answer.text and str(closed) not in answer.text
    # The outage is logged as lines, without a traceback per request (page cache, API and search alike).
    records = [json.loads(line) for line in server.lines() if line.startswith("{")]
    assert records and not [r for r in records if "exc_info" in r], [r["message"] for r in records if "exc_info" in r]
