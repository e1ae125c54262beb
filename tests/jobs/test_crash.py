"""Real processes: SIGKILL a harvest mid-run and rerun it; SIGTERM a worker mid-harvest.

Each test runs ``paperfeed`` in a subprocess on its own SQLite file (copied from one migrated
once per session) against the local replay server, then reads that file with sqlite3.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.jobs.replay import Reply, ReplayServer

FIXTURES = Path(__file__).resolve().parent.parent / "catalog" / "sources" / "fixtures" / "oaipmh"
EXPECTED = {"2606.00001", "2606.00002", "2606.00003", "2606.00004", "2401.00005"}


def paperfeed(*args: str) -> list[str]:
    return [sys.executable, "-m", "paperfeed.cli", *args]


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("migrated")
    env = {**os.environ, "PAPERFEED_DATA_DIR": str(folder), "DATABASE_URL": ""}
    subprocess.run(paperfeed("migrate", "-v0"), env=env, check=True, timeout=300)
    return folder / "paperfeed.sqlite3"


@pytest.fixture
def data_dir(migrated_db, tmp_path) -> Path:
    shutil.copy(migrated_db, tmp_path / "paperfeed.sqlite3")
    return tmp_path


def env_for(data_dir: Path, server: ReplayServer, **extra: str) -> dict[str, str]:
    return {**os.environ, "PAPERFEED_DATA_DIR": str(data_dir), "DATABASE_URL": "",
            "PAPERFEED_ARXIV_OAI_URL": server.url + "/oai", "PAPERFEED_ARXIV_REQUEST_INTERVAL": "0",
            "PAPERFEED_LOG_LEVEL": "ERROR", **extra}


def serve_three_pages(server: ReplayServer, *, hang_on: str, hang: threading.Event) -> None:
    page = {name: (FIXTURES / f"list_page{name}.xml").read_bytes() for name in "123"}
    server.add("/oai", Reply(200, page["1"]), query={"verb": "ListRecords", "metadataPrefix": "arXiv"})
    for token, body in (("tok-1|2", page["2"]), ("tok-2|4", page["3"])):
        replies = [Reply(200, body, hang=hang), Reply(200, body)] if token == hang_on else [Reply(200, body)]
        server.add("/oai", *replies, query={"resumptionToken": token})


def wait_for_request(server: ReplayServer, token: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(r.query.get("resumptionToken") == token for r in server.requests):
            return
        time.sleep(0.05)
    raise AssertionError(f"no request for {token} within {timeout}s")


def query(data_dir: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(data_dir / "paperfeed.sqlite3") as db:
        return db.execute(sql).fetchall()


def test_sigkill_mid_harvest_then_rerun_has_no_duplicates_and_no_gaps(data_dir):
    hang = threading.Event()
    with ReplayServer() as server:
        serve_three_pages(server, hang_on="tok-2|4", hang=hang)
        env = env_for(data_dir, server)
        proc = subprocess.Popen(paperfeed("harvest", "arxiv", "--from", "2026-06-14", "--until", "2026-06-16"),
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            wait_for_request(server, "tok-2|4")  # pages 1 and 2 are committed; page 3 is in flight
            proc.send_signal(signal.SIGKILL)
            proc.wait(30)
        finally:
            hang.set()
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL
        assert query(data_dir, "SELECT resumption_token, watermark FROM jobs_harveststate") == [("tok-2|4", None)]
        assert query(data_dir, "SELECT COUNT(*) FROM catalog_paper")[0][0] == 3

        server.requests.clear()
        rerun = subprocess.run(paperfeed("harvest", "arxiv"), env=env, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert [r.query.get("resumptionToken") for r in server.requests] == ["tok-2|4"]
    ids = [row[0] for row in query(data_dir, "SELECT arxiv_id FROM catalog_paper")]
    assert sorted(ids) == sorted(EXPECTED)  # no gaps, no duplicates
    assert query(data_dir, "SELECT resumption_token, watermark FROM jobs_harveststate") == [("", "2026-06-16")]
    runs = query(data_dir, "SELECT ok FROM jobs_jobrun WHERE name='harvest' ORDER BY started_at")
    assert runs == [(None,), (1,)]  # the killed run never finished; the rerun did


def test_sigterm_stops_the_worker_after_the_current_page(data_dir):
    hang = threading.Event()
    with ReplayServer() as server:
        serve_three_pages(server, hang_on="tok-1|2", hang=hang)
        env = env_for(data_dir, server, PAPERFEED_HARVEST_ENABLED="1", PAPERFEED_HARVEST_SETS="cs")
        proc = subprocess.Popen(paperfeed("worker", "--job", "harvest", "--tick", "0.2"), env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_for_request(server, "tok-1|2")  # page 2 is in flight
            proc.send_signal(signal.SIGTERM)
            time.sleep(0.3)
            hang.set()
            out, _ = proc.communicate(timeout=60)
        finally:
            hang.set()
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 0, out
    assert "worker stopped" in out
    # Page 2 was committed, then the harvest stopped cleanly with its token saved for next time.
    assert query(data_dir, "SELECT resumption_token FROM jobs_harveststate") == [("tok-2|4",)]
    (ok, counts), = query(data_dir, "SELECT ok, counts FROM jobs_jobrun WHERE name='harvest'")
    assert ok == 1 and '"stopped": true' in counts
    assert query(data_dir, "SELECT owner FROM jobs_joblease WHERE name='harvest'") == [("",)]
