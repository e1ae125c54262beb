"""``paperfeed stars``: refresh GitHub star counts of papers' code repositories."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from paperfeed.catalog.fetch.http import FetchError
from paperfeed.catalog.stars import refresh_stars
from paperfeed.jobs.runs import record_run
from paperfeed.jobs.worker import JobBusy, hold_lease


class Command(BaseCommand):
    help = "Fetch GitHub stars (conditional requests, rate-limit aware), least recently checked first."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, help="Check at most N repositories this run.")

    def handle(self, *args, **opts) -> None:
        if opts["limit"] is not None and opts["limit"] < 1:
            raise CommandError("--limit must be at least 1")
        verbose = opts["verbosity"] > 1
        try:
            with hold_lease("stars") as keep_alive, record_run("stars") as counts:

                def progress(line: str) -> None:
                    keep_alive()
                    if verbose:
                        self.stdout.write(line)

                counts.update(refresh_stars(limit=opts["limit"], progress=progress))
        except JobBusy as exc:
            raise CommandError(str(exc)) from exc
        except FetchError as exc:
            raise CommandError(f"stars failed: {exc}. Checked repositories are kept; run again.") from exc
        summary = ", ".join(f"{k} {v}" for k, v in counts.items() if k != "stopped")
        self.stdout.write(self.style.SUCCESS(f"stars done: {summary}"))
        if counts.get("stopped"):
            self.stdout.write(f"stopped early: {counts['stopped']}; the next run continues")
