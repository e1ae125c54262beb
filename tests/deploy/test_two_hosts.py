"""Two web hosts, two job workers, one PostgreSQL and one Redis: what several machines must keep.

Two ``paperfeed serve`` processes (own data dirs, own ports) and two ``paperfeed worker`` processes
share one database and one throw-away ``redis-server`` (REDIS_URL). The test checks that a vote
through one host shows on the other within the page-cache window, that a rate limit counts across
both, that after host A (its server and its worker) is SIGKILLed host B goes on serving, sessions
made on A work on B and nothing written through either host is lost, and that each periodic job
runs once per period, not once per worker, with the surviving worker taking over.

Runs on PostgreSQL only (``DATABASE_URL``, e.g. ``make test-postgres``) with Debian's redis-server
installed (``make redis``); the URL's role must be allowed to create databases.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.deploy.server import REPO, csrf_token, environment, paperfeed
from tests.smtp import free_port

REDIS_SERVER = Path("/usr/bin/redis-server")
NEEDS_REDIS = pytest.mark.skipif(not REDIS_SERVER.exists(), reason="needs Debian's redis-server (make redis)")
NEEDS_POSTGRES = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                    reason="needs DATABASE_URL (PostgreSQL)")
PASSWORD = "correct horse battery 42"
PAPER = "2606.04242"
READER_IP, ABUSER_IP = "198.51.100.9", "203.0.113.7"
JOBS = ("submissions", "digests", "notifications")
INTERVAL_S = 3.0  # each job's period in this test (the *_INTERVAL_MINUTES rows below)
SETUP = f"""
import datetime as dt
from django.contrib.auth import get_user_model
from django.utils import timezone
from paperfeed.accounts.models import Profile
from paperfeed.catalog.models import Paper
user = get_user_model().objects.create_user("reader", "reader@example.org", {PASSWORD!r})
Profile.objects.update_or_create(user=user, defaults={{"email_confirmed_at": timezone.now()}})
Paper.objects.create(arxiv_id={PAPER!r}, title="Attention across hosts", abstract="Votes and comments.",
                     authors=["Ada Lovelace"], categories=["cs.LG"], primary_category="cs.LG",
                     listing_date=dt.date.today(), submitted_at=timezone.now())
"""


# --- processes ----------------------------------------------------------------------------------


@contextlib.contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A throw-away redis-server on a free loopback port, nothing written to disk; yields its URL."""
    import redis

    port = free_port()
    log = (folder / "redis.log").open("w")
    proc = subprocess.Popen([str(REDIS_SERVER), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)], stdout=log, stderr=subprocess.STDOUT)
    try:
        client = redis.Redis(port=port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, (folder / "redis.log").read_text()
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@contextlib.contextmanager
def processes() -> Iterator[list[subprocess.Popen]]:
    """Processes started into the yielded list, each in its own session; all stopped at the end."""
    started: list[subprocess.Popen] = []
    try:
        yield started
    finally:
        for proc in started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in started:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A ``paperfeed`` command in its own session, so that SIGKILL to its group is a host dying."""
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "paperfeed.cli", *args], env=env, cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            httpx.get(url + "/healthz", timeout=10)
            return
        except httpx.TransportError:
            assert proc.poll() is None, "server exited:\n" + log.read_text()
            assert time.monotonic() < deadline, "server did not start:\n" + log.read_text()
            time.sleep(0.3)


def poll(check, *, what: str, seconds: float = 30.0):
    """``check()`` until it returns something true; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.2)
    return result


# --- the site -----------------------------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


@pytest.fixture
def site_database():
    """A fresh PostgreSQL database for the hosts; dropped afterwards."""
    import psycopg

    name = f"pf_two_hosts_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(_with_database(os.environ["DATABASE_URL"], "postgres"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(os.environ["DATABASE_URL"], name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def upvotes_shown(host: str) -> int:
    """The vote total an anonymous reader sees on the paper's page (a page the page cache keeps)."""
    page = httpx.get(f"{host}/papers/{PAPER}", timeout=30)
    assert page.status_code == 200, page.text[:300]
    return int(re.search(r'class="vote-total[^"]*" data-upvotes="(\d+)"', page.text).group(1))


def failed_login(host: str) -> int:
    """One wrong password for "reader" from the abuser's address; the answer's status."""
    with httpx.Client(base_url=host, headers={"X-Forwarded-For": ABUSER_IP}, timeout=30) as client:
        token = csrf_token(client, "/accounts/login/")
        return client.post("/accounts/login/", data={"username": "reader", "password": "wrong",
                                                     "csrfmiddlewaretoken": token}).status_code


def comment(reader: httpx.Client, host: str, body: str) -> None:
    token = csrf_token(reader, f"{host}/papers/{PAPER}")
    answer = reader.post(f"{host}/papers/{PAPER}/comments", data={"body": body, "csrfmiddlewaretoken": token})
    assert answer.status_code == 302 and "#c-" in answer.headers["Location"], answer.text[:300]


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    with psycopg.connect(url) as db:
        return db.execute(sql, params).fetchall()


# --- the tests ----------------------------------------------------------------------------------


def caches_with(env: dict[str, str]) -> dict:
    """settings.CACHES as paperfeed/settings.py makes it under ``env``."""
    code = "import json, django; django.setup(); from django.conf import settings; print(json.dumps(settings.CACHES))"
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@NEEDS_REDIS
@pytest.mark.django_db
def test_redis_url_shares_the_cache_and_healthz_names_a_redis_that_is_gone(client, settings, tmp_path):
    with redis_server(tmp_path) as redis_url:
        caches = caches_with(environment(tmp_path / "data", REDIS_URL=redis_url))
        shared = {alias: (c["BACKEND"], c["LOCATION"], c["KEY_PREFIX"])
                  for alias, c in caches.items() if alias != "pages"}
        redis_cache = "django.core.cache.backends.redis.RedisCache"
        assert shared == {"default": (redis_cache, redis_url, "pf"), "ratelimits": (redis_cache, redis_url, "pf-rl"),
                          "search": (redis_cache, redis_url, "pf-search")}
        # Whole pages stay in each worker's memory: PAGE_CACHE_SECONDS bounds how stale another host's page is.
        assert caches["pages"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
        settings.CACHES = caches
        healthy = client.get("/healthz")
    gone = client.get("/healthz")  # Redis stopped: the load balancer should take this host out
    assert healthy.status_code == 200 and healthy.json()["components"]["cache"] == "ok"
    assert gone.status_code == 503 and gone.json()["status"] == "down"
    assert gone.json()["components"]["cache"] == "down" and gone.json()["components"]["database"] == "ok"
    assert "127.0.0.1" not in gone.text and "redis" not in gone.text.lower()


def shared_settings(url: str, redis_url: str) -> dict[str, str]:
    """What every host's environment file says alike: one database, one Redis, one secret key."""
    return {
        "DATABASE_URL": url, "REDIS_URL": redis_url,
        # Every host signs sessions with the same key (sessions live in the database).
        "PAPERFEED_SECRET_KEY": "two-hosts-" + "k3y" * 20,
        "PAPERFEED_PAGE_CACHE_SECONDS": "1", "PAPERFEED_RATELIMIT_LOGIN": "3/d",
        "PAPERFEED_TRUSTED_PROXIES": "127.0.0.1", "PAPERFEED_QUERY_EMBEDDER": "same",
        "PAPERFEED_HARVEST_ENABLED": "0", "PAPERFEED_HF_SYNC_ENABLED": "0",
        **{f"PAPERFEED_{name}": str(INTERVAL_S / 60) for name in (
            "SUBMISSIONS_INTERVAL_MINUTES", "DIGEST_INTERVAL_MINUTES", "NOTIFY_MAIL_INTERVAL_MINUTES")},
    }


def start_host(started: list[subprocess.Popen], env: dict[str, str], *, port: int, logs: Path) -> str:
    """Start a host: ``paperfeed serve`` (one web worker) and ``paperfeed worker`` for JOBS; its URL."""
    logs.mkdir(parents=True, exist_ok=True)
    serve = start(["serve", "--skip-collectstatic", "--workers", "1", "--port", str(port)], env, logs / "serve.log")
    jobs = [arg for name in JOBS for arg in ("--job", name)]
    started += [serve, start(["worker", "--tick", "0.5", *jobs], env, logs / "worker.log")]
    return f"http://127.0.0.1:{port}"


def sign_in_and_vote(reader: httpx.Client, host: str) -> None:
    token = csrf_token(reader, host + "/accounts/login/")
    login = reader.post(host + "/accounts/login/", data={
        "username": "reader", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert login.status_code == 302, login.text[:300]
    token = csrf_token(reader, f"{host}/papers/{PAPER}")
    voted = reader.post(f"{host}/papers/{PAPER}/vote", data={"csrfmiddlewaretoken": token},
                        headers={"Accept": "application/json"})
    assert voted.json()["voted"] is True


@pytest.mark.slow
@NEEDS_POSTGRES
@NEEDS_REDIS
def test_two_hosts_two_workers_one_database_one_redis(site_database, tmp_path):
    import redis

    url = site_database
    with redis_server(tmp_path) as redis_url, processes() as started:
        env = {side: environment(tmp_path / side, **shared_settings(url, redis_url)) for side in ("a", "b")}
        paperfeed(["migrate", "--noinput", "-v", "0"], env["a"], timeout=600)
        paperfeed(["shell", "-c", SETUP], env["a"])
        host = {side: start_host(started, env[side], port=free_port(), logs=tmp_path / side) for side in ("a", "b")}
        serve_a, worker_a, serve_b, worker_b = started
        wait_until_up(host["a"], serve_a, tmp_path / "a" / "serve.log")
        wait_until_up(host["b"], serve_b, tmp_path / "b" / "serve.log")
        health = httpx.get(host["b"] + "/healthz", timeout=30).json()
        assert (health["components"]["database"], health["components"]["cache"]) == ("ok", "ok")

        # (a) B has the page cached with no vote; a vote through A shows on B within the window.
        assert upvotes_shown(host["b"]) == 0
        reader = httpx.Client(headers={"X-Forwarded-For": READER_IP}, timeout=30)  # cookies go to any port
        sign_in_and_vote(reader, host["a"])
        poll(lambda: upvotes_shown(host["b"]) == 1, what="the vote through A on B's page")
        # The vote bumped trending's version in Redis: every host's next trending list is fresh.
        assert redis.Redis.from_url(redis_url).get("pf:1:community:trending:version") is not None
        assert [httpx.get(host[side] + "/trending", timeout=30).status_code for side in "ab"] == [200, 200]
        comment(reader, host["a"], "Written through host A.")

        # (b) The log-in limit (3 a day per address) counts on both hosts together.
        assert [failed_login(host[side]) for side in ("a", "b", "a", "b", "a")] == [200, 200, 200, 429, 429]

        # (c) Host A dies (server and worker); B goes on, and the session made on A works on B.
        killed_at = query(url, "SELECT now()")[0][0]
        os.killpg(serve_a.pid, signal.SIGKILL)
        os.killpg(worker_a.pid, signal.SIGKILL)
        serve_a.wait(10)
        with pytest.raises(httpx.TransportError):
            httpx.get(host["a"] + "/healthz", timeout=5)
        assert upvotes_shown(host["b"]) == 1
        comment(reader, host["b"], "Written through host B, signed in on A.")
        reader.close()

        # (d) The surviving worker runs every job on (no scheduler host to fail over to).
        for job in JOBS:
            poll(lambda job=job: query(url, "SELECT 1 FROM jobs_jobrun WHERE name = %s AND host LIKE %s AND "
                                            "started_at > %s AND ok IS NOT NULL",
                                       (job, f"%:{worker_b.pid}:%", killed_at)),
                 what=f"worker B running {job} after A died")
        assert upvotes_shown(host["b"]) == 1

    assert_nothing_lost(url)
    assert_each_job_ran_once_per_period(url, worker_pids=(worker_a.pid, worker_b.pid))


def assert_nothing_lost(url: str) -> None:
    """Every vote and comment written through either host is in the database."""
    assert query(url, "SELECT vote_count FROM catalog_paper WHERE arxiv_id = %s", (PAPER,)) == [(1,)]
    assert query(url, "SELECT count(*) FROM community_vote") == [(1,)]
    bodies = sorted(body for (body,) in query(url, "SELECT body FROM discussions_comment"))
    assert bodies == ["Written through host A.", "Written through host B, signed in on A."]


def assert_each_job_ran_once_per_period(url: str, *, worker_pids: tuple[int, int]) -> None:
    """Both workers were alive, and each job's finished runs are a period apart and never overlap."""
    beats = {owner for (owner,) in query(url, "SELECT owner FROM jobs_workerheartbeat")}
    assert all(any(f":{pid}:" in owner for owner in beats) for pid in worker_pids), beats
    runs = query(url, "SELECT name, started_at, finished_at FROM jobs_jobrun WHERE ok IS NOT NULL "
                      "ORDER BY name, started_at")
    for job in JOBS:
        mine = [(started, finished) for name, started, finished in runs if name == job]
        assert len(mine) >= 2, runs
        for (start1, end1), (start2, _) in zip(mine, mine[1:], strict=False):
            assert start2 >= end1, f"{job} ran twice at once: {mine}"
            # The next run is due a period after the last one started (the lease row's next_run_at).
            assert start2 - start1 >= dt.timedelta(seconds=INTERVAL_S - 0.5), f"{job} ran twice in a period: {mine}"
