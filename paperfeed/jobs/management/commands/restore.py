"""``paperfeed restore PATH``: a backup into a fresh data dir (or empty database), then the derived indexes."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from paperfeed.jobs.backup import BackupError, restore


class Command(BaseCommand):
    help = ("Restore a `paperfeed backup` file into the configured database, which must be new "
            "(a fresh PAPERFEED_DATA_DIR, or an empty PostgreSQL database); migrates and rebuilds the keyword index.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="The backup file.")

    def handle(self, *args, path: Path, **options) -> None:
        start = time.perf_counter()
        try:
            report = restore(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {path} in {time.perf_counter() - start:.1f} s: {report.summary()}.")
