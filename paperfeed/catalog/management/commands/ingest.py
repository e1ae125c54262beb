"""``paperfeed ingest PATH [PATH…]``: load arXiv snapshot, arXiv API or HF daily-papers files."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from paperfeed.catalog.ingest_files import ingest_paths


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
            crossed = self._threshold_watch()

            def progress(n: int) -> None:
                bar.update(n)
                crossed()

            def on_error(message: str) -> None:
                if show:
                    bar.write(message, file=sys.stderr)
                else:
                    self.stderr.write(message)

            try:
                report = ingest_paths(paths, batch_size=batch_size, progress=progress, on_error=on_error)
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
        if report.stats.total:
            self._catch_up_keyword_index()
        if report.exit_code:
            sys.exit(report.exit_code)

    def _threshold_watch(self):
        """A per-batch callback: once the catalogue crosses KEYWORD_TANTIVY_THRESHOLD, build tantivy
        and retire FTS5 at once, so the rest of a large ingest skips FTS5's per-row cost."""
        from paperfeed.search.keyword import get_keyword_index

        index = get_keyword_index()
        if not hasattr(index, "crossed"):
            return lambda: None
        done = [False]

        def watch() -> None:
            if not done[0] and index.crossed():
                result = index.sync()
                done[0] = "skipped" not in result  # the worker holds the writer: ask again next batch
                if done[0]:
                    self.stderr.write(f"keyword index past its threshold: {_counts(result)}")

        return watch

    def _catch_up_keyword_index(self) -> None:
        """Bring a keyword index kept outside the database (tantivy, past its threshold) up to date now.

        The worker would do it within EMBED_INTERVAL_SECONDS; an admin running ingest by hand
        expects to find the papers at once. FTS5 and PostgreSQL need nothing (no ``sync``).
        """
        from paperfeed.search.keyword import get_keyword_index

        sync = getattr(get_keyword_index(), "sync", None)
        result = sync() if sync is not None else {}
        if "skipped" not in result and any(result.values()):
            self.stdout.write(f"keyword index: {_counts(result)}")


def _counts(result: dict) -> str:
    """``{"indexed": 1200, "removed": 0}`` -> ``indexed 1,200, removed 0`` (text values as they are)."""
    return ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k}: {v}" for k, v in result.items())
