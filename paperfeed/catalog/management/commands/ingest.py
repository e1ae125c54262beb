"""``paperfeed ingest PATH [PATH…]``: load arXiv snapshot, arXiv API or HF daily-papers files."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from paperfeed.catalog.ingest_files import ingest_paths
from paperfeed.catalog.signals import announce_ingested


class Command(BaseCommand):
    help = (
        "Ingest paper metadata files (format and gzip detected): the arXiv metadata snapshot, "
        "arXiv API records as JSON lines, Hugging Face daily papers. A folder ingests its "
        "*.jsonl[.gz] / *.json[.gz] files. Exit code: 0 all ingested, 1 some lines skipped, "
        "2 some file could not be read."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", help="Files or folders to ingest.")
        parser.add_argument("--batch-size", type=int, default=None, help="Records per transaction (default 2000).")
        parser.add_argument("--no-progress", action="store_true", help="Never show a progress bar.")

    def handle(self, *args, paths: list[str], batch_size: int | None, no_progress: bool, **options) -> None:
        show = not no_progress and sys.stderr.isatty()
        start = time.perf_counter()
        with tqdm(unit=" papers", disable=not show, file=sys.stderr, smoothing=0.1) as bar:

            def to_stderr(message: str) -> None:
                if show:
                    bar.write(message, file=sys.stderr)
                else:
                    self.stderr.write(message)

            def progress(n: int) -> None:
                bar.update(n)
                # Receivers keep derived data in step per batch (e.g. a keyword index past its size threshold).
                for line in announce_ingested(sender=self.__class__, count=n, final=False):
                    to_stderr(line)

            try:
                report = ingest_paths(paths, batch_size=batch_size, progress=progress, on_error=to_stderr,
                                      bulk=True)  # the final announcement below builds what was deferred
            except KeyboardInterrupt:
                self.stderr.write("Interrupted: committed batches are kept, the one in flight was rolled back; "
                                  "run the same command again to resume.")
                sys.exit(130)
        seconds = time.perf_counter() - start
        rate = report.stats.total / seconds if seconds > 0 else 0.0
        self.stdout.write(
            f"{report.stats.summary()} ({report.files} files, {seconds:.1f} s, {rate:,.0f} records/s)"
            + (f"; {len(report.failed)} failed" if report.failed else "")
        )
        # An admin running ingest by hand expects to find the papers at once, not after the worker's next run.
        for line in announce_ingested(sender=self.__class__, count=report.stats.new + report.stats.updated, final=True):
            self.stdout.write(line)
        if report.exit_code:
            sys.exit(report.exit_code)
