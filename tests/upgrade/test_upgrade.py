"""Upgrades keep data: a database made by released code migrates forward, and every row survives.

Each ``fixtures/db-<commit>.sqlite3.gz`` was built by tools/build_upgrade_fixture.py with that
commit's code; its ``.json`` manifest holds every table's rows, owning model, a hash of its primary
keys and checksums of key tables. A copy is migrated with today's ``paperfeed migrate`` in a
subprocess, then compared table by table. A model may move between apps or change its
``db_table``: its table is then found through today's model of the same name.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection

import paperfeed

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MANIFESTS = sorted(FIXTURES.glob("db-*.json"))
CODE_ROOT = Path(paperfeed.__file__).resolve().parent.parent  # the code under test, as imported here

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the upgrade fixtures are SQLite files; the migrations' PostgreSQL path runs in the PostgreSQL suite",
)


def paperfeed_command(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``paperfeed ARGS`` with the code under test against ``data_dir``/paperfeed.sqlite3."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        PAPERFEED_DATA_DIR=str(data_dir),
        PYTHONPATH=os.pathsep.join([str(CODE_ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        DJANGO_SETTINGS_MODULE="paperfeed.settings",
    )
    return subprocess.run(
        [sys.executable, "-m", "paperfeed.cli", *args],
        cwd=CODE_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def checksum(db: sqlite3.Connection, table: str, columns: list[str]) -> str:
    """sha256 of the table's rows (these columns), sorted; as in tools/build_upgrade_fixture.py."""
    cols = ", ".join(f'"{c}"' for c in columns)
    rows = db.execute(f'SELECT {cols} FROM "{table}" ORDER BY {cols}').fetchall()
    return hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


@pytest.fixture(scope="module", params=MANIFESTS, ids=lambda p: p.stem)
def upgraded(request, tmp_path_factory) -> tuple[Path, dict]:
    """A copy of one fixture, migrated forward by today's code: (data dir, manifest)."""
    manifest_path: Path = request.param
    data_dir = tmp_path_factory.mktemp(manifest_path.stem)
    with gzip.open(manifest_path.with_suffix(".sqlite3.gz")) as src, open(data_dir / "paperfeed.sqlite3", "wb") as dst:
        shutil.copyfileobj(src, dst)
    result = paperfeed_command(data_dir, "migrate", "--noinput")
    assert result.returncode == 0, f"migrate failed on {manifest_path.stem}:\n{result.stdout}\n{result.stderr}"
    return data_dir, json.loads(manifest_path.read_text())


def current_table(old_table: str, old_model: str | None, tables: set[str]) -> str | None:
    """Where an old table's rows live now: the same table, or the db_table of today's model of that name."""
    if old_table in tables:
        return old_table
    if old_model is None:
        return None
    name = old_model.split(".")[-1].lower()
    matches = [m._meta.db_table for m in apps.get_models(include_auto_created=True) if m._meta.model_name == name]
    return matches[0] if len(matches) == 1 and matches[0] in tables else None


def open_db(data_dir: Path) -> tuple[sqlite3.Connection, set[str]]:
    db = sqlite3.connect(data_dir / "paperfeed.sqlite3")
    return db, {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def table_problems(db: sqlite3.Connection, tables: set[str], old: str, entry: dict) -> list[str]:
    """What went wrong with one fixture table after the upgrade (empty: all its rows are there)."""
    new = current_table(old, entry["model"], tables)
    if new is None:
        return [f"{old} ({entry['model']}, {entry['rows']} rows): the table is gone"]
    label = old if new == old else f"{old} -> {new}"
    rows = db.execute(f'SELECT count(*) FROM "{new}"').fetchone()[0]
    if entry.get("grows"):
        kept = {pk for (pk,) in db.execute(f'SELECT id FROM "{new}"')}
        lost = sorted(set(entry["pks"]) - kept)
        return [f"{label}: rows {lost[:10]} are gone ({len(lost)} in all)"] if lost else []
    if rows != entry["rows"]:
        return [f"{label}: {entry['rows']} rows before, {rows} after"]
    if "pk" in entry and checksum(db, new, [entry["pk"]]) != entry["pk_sha256"]:
        return [f"{label}: same row count, but not the same primary keys"]
    return []


def test_every_table_keeps_its_rows(upgraded):
    data_dir, manifest = upgraded
    db, tables = open_db(data_dir)
    problems = [
        problem
        for old, entry in sorted(manifest["tables"].items())
        if not entry.get("derived")  # search indexes over other tables: rebuilt, not carried
        for problem in table_problems(db, tables, old, entry)
    ]
    assert not problems, "rows lost in the upgrade:\n" + "\n".join(problems)


def test_key_tables_keep_their_content(upgraded):
    data_dir, manifest = upgraded
    db, tables = open_db(data_dir)
    models = {old: entry["model"] for old, entry in manifest["tables"].items()}
    changed = []
    for key, spec in sorted(manifest["checksums"].items()):
        table = current_table(spec["table"], models.get(spec["table"]), tables)
        if table is None or checksum(db, table, spec["columns"]) != spec["sha256"]:
            changed.append(f"{key} ({spec['table']}: {', '.join(spec['columns'])})")
    assert not changed, "content changed in the upgrade: " + "; ".join(changed)


def test_upgraded_database_passes_checks(upgraded):
    data_dir, _ = upgraded
    for args in (["check"], ["makemigrations", "--check", "--dry-run"]):
        result = paperfeed_command(data_dir, *args)
        assert result.returncode == 0, f"paperfeed {' '.join(args)}:\n{result.stdout}\n{result.stderr}"


PAGES_SCRIPT = """
import json
from django.contrib.auth import get_user_model
from django.test import Client
anonymous, editor = Client(), Client()
editor.force_login(get_user_model().objects.get(username="editor"))
pages = {PAGES!r}
out = {{}}
for who, client in (("anonymous", anonymous), ("editor", editor)):
    for url in pages[who]:
        response = client.get(url)
        out[who + " " + url] = [response.status_code, response.content.decode(errors="replace")]
print("PAGES" + json.dumps(out))
"""


def test_pages_answer_on_the_upgraded_database(upgraded):
    data_dir, _ = upgraded
    db, _ = open_db(data_dir)
    (arxiv_id,) = db.execute(
        "SELECT arxiv_id FROM catalog_paper WHERE vote_count > 0 AND NOT hidden ORDER BY id LIMIT 1"
    ).fetchone()
    (collection,) = db.execute("SELECT id FROM community_collection WHERE public ORDER BY id LIMIT 1").fetchone()
    pages = {
        "anonymous": ["/", f"/papers/{arxiv_id}", "/trending", f"/collections/{collection}/",
                      f"/api/papers/{arxiv_id}"],
        "editor": ["/accounts/profile/", "/digests/preferences/", "/status", "/admin/"],
    }
    result = paperfeed_command(data_dir, "shell", "-c", PAGES_SCRIPT.format(PAGES=pages))
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.split("PAGES", 1)[1])
    failing = {page: status for page, (status, _) in answers.items() if status != 200}
    assert not failing, f"pages that did not answer 200: {failing}"
    assert arxiv_id in answers[f"anonymous /papers/{arxiv_id}"][1]
