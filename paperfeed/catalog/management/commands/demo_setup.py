"""``paperfeed demo_setup``: load the bundled demo catalogue once (skipped when papers exist)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from paperfeed.catalog.ingest_files import DEMO_DATA, DEMO_FIXTURE_IDS, ingest_paths
from paperfeed.catalog.models import Paper


class Command(BaseCommand):
    help = "Load the bundled demo papers (real arXiv listings, 2026-06-11 to 2026-07-01) into an empty catalogue."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true", help="Ingest even when the catalogue has papers.")

    def handle(self, *args, force: bool, **options) -> None:
        count = Paper.objects.count()
        if count and not force:
            self.stdout.write(f"Catalogue already has {count:,} papers; demo data not loaded (use --force).")
            return
        start = time.perf_counter()
        report = ingest_paths([DEMO_DATA])
        if report.failed:
            raise CommandError("; ".join(report.failed))
        # Out of date navigation, search and similar papers: they are test records, not papers.
        Paper.objects.filter(arxiv_id__in=DEMO_FIXTURE_IDS).update(hidden=True)
        self.stdout.write(f"Demo data: {report.stats.summary()} in {time.perf_counter() - start:.1f} s.")
