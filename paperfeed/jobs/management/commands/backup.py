"""``paperfeed backup PATH``: a consistent copy of the database while the site runs (docs/deployment.md)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from paperfeed.jobs.backup import BackupError, backup


class Command(BaseCommand):
    help = ("Copy the database to PATH while the site runs: SQLite's online backup (one file), "
            "PostgreSQL's pg_dump in custom format. Restore with `paperfeed restore PATH`.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="The backup file to write (replaced atomically).")

    def handle(self, *args, path: Path, **options) -> None:
        start = time.perf_counter()
        try:
            size = backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup written: {path} ({size / 1e6:,.1f} MB) in {time.perf_counter() - start:.1f} s.")
