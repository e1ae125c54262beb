"""Backup and restore of the one thing that is not derived: the database.

    paperfeed backup PATH     a consistent copy while the site runs
    paperfeed restore PATH    into a fresh data dir / empty database, then the derived indexes

SQLite: the online backup API copies every page in one step inside one read transaction, so the
copy is one instant of the database while writers go on (WAL: readers never block them). The
copy is checked (``PRAGMA integrity_check``) and written as one self-contained file.
PostgreSQL: ``pg_dump --format=custom`` (one snapshot), restored by ``pg_restore``; the pgvector
HNSW index is rebuilt by the restore itself.

Everything else under DATA_DIR is derived and rebuilt after a restore: the tantivy keyword index
(rebuilt here), the in-memory vector indexes (built from the stored embeddings at first search),
exported ONNX models and collected static files (made again on first use / ``serve``).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import subprocess
import urllib.parse
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection

from paperfeed.catalog.models import Paper
from paperfeed.search.keyword import get_keyword_index
from paperfeed.search.models import PaperEmbedding


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclasses.dataclass
class RestoreReport:
    """What a restore found and rebuilt."""

    papers: int = 0
    keyword_indexed: int = 0
    embeddings: int = 0

    def summary(self) -> str:
        """One line for the terminal."""
        return (f"{self.papers:,} papers; keyword index rebuilt ({self.keyword_indexed:,} papers); "
                f"{self.embeddings:,} stored embeddings (vector indexes build from them at first search)")


def backup(target: Path) -> int:
    """Write a consistent copy of the database to ``target`` (atomically); returns its size in bytes."""
    target = Path(target)
    if target.is_dir():
        raise BackupError(f"{target} is a folder: give the backup file's path, e.g. {target / 'paperfeed.backup'}")
    partial = target.with_name(f".{target.name}.partial")
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(Path(settings.DATABASES["default"]["NAME"]), partial)
        else:
            # --no-comments: the vector extension's comment can only be restored by its owner.
            _run_pg("pg_dump", "--format=custom", "--no-comments", f"--file={partial}", "--dbname", _pg_url())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def _sqlite_backup(source: Path, target: Path) -> None:
    src = sqlite3.connect(source, timeout=60)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: all pages in one step, one read transaction: one instant
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check ({verdict}); the database itself may be damaged")
    finally:
        dst.close()
        src.close()


def restore(source: Path) -> RestoreReport:
    """Restore ``source`` into the configured, empty database; migrate; rebuild the derived indexes."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    _refuse_existing_data()
    if connection.vendor == "sqlite":
        _sqlite_restore(source, Path(settings.DATABASES["default"]["NAME"]))
    else:
        # Restored as the app's own role, every table belongs to it (docs/deployment.md, section 7).
        _run_pg("pg_restore", "--no-owner", "--exit-on-error", "--dbname", _pg_url(), str(source))
    call_command("migrate", interactive=False, verbosity=0)  # a backup from an older version is upgraded
    report = RestoreReport(papers=Paper.objects.count(), embeddings=PaperEmbedding.objects.count())
    report.keyword_indexed = get_keyword_index().rebuild()
    return report


def _refuse_existing_data() -> None:
    if Paper._meta.db_table in connection.introspection.table_names():
        raise BackupError("this database already has paperfeed's tables: restore into a fresh data dir "
                          "(PAPERFEED_DATA_DIR) or an empty PostgreSQL database, then switch to it")


def _sqlite_restore(source: Path, target: Path) -> None:
    connection.close()
    with sqlite3.connect(source) as probe:
        verdict = probe.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        raise BackupError(f"{source} is damaged ({verdict}); take another backup")
    for leftover in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        leftover.unlink(missing_ok=True)  # an empty database that Django created on connecting
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


def _pg_url() -> str:
    """The database as a libpq URI (password included: pg_dump reads it from the URI)."""
    db = settings.DATABASES["default"]
    auth = urllib.parse.quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + urllib.parse.quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth + '@' if auth else ''}{host}{port}/{urllib.parse.quote(db['NAME'], safe='')}"


def _run_pg(tool: str, *args: str) -> None:
    program = str(Path(settings.PG_BIN_DIR) / tool) if settings.PG_BIN_DIR else shutil.which(tool)
    if not program or not Path(program).exists():
        raise BackupError(f"{tool} not found: install PostgreSQL's client tools (the server's version or newer) "
                          "or set PAPERFEED_PG_BIN_DIR to their folder")
    done = subprocess.run([program, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip() or done.returncode}")
