"""``paperfeed stars``: refresh GitHub star counts of papers' code repositories."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from paperfeed.catalog.sources.http import FetchError
from paperfeed.jobs.runs import record_run
from paperfeed.jobs.stars import refresh_stars


class Command(BaseCommand):
    help = "Fetch GitHub stars (conditional requests, rate-limit aware), least recently checked first."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, help="Check at most N repositories this run.")

    def handle(self, *args, **opts) -> None:
        if opts["limit"] is not None and opts["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        progress = self.stdout.write if opts["verbosity"] > 1 else None
        try:
            with record_run("stars") as counts:
                counts.update(refresh_stars(limit=opts["limit"], progress=progress))
        except FetchError as exc:
            raise CommandError(f"stars failed: {exc}. Checked repositories are kept; run again.") from exc
        summary = ", ".join(f"{k} {v}" for k, v in counts.items() if k != "stopped")
        self.stdout.write(self.style.SUCCESS(f"stars done: {summary}"))
        if counts.get("stopped"):
            self.stdout.write(f"stopped early: {counts['stopped']}; the next run continues")
