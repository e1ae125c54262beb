"""``paperfeed fetch arxiv ID [ID…]``: fetch papers from the arXiv API by id and add them."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from paperfeed.catalog.fetch.arxiv_api import fetch_arxiv
from paperfeed.catalog.fetch.http import FetchError
from paperfeed.community.submissions import fetch_pending_submissions
from paperfeed.jobs.runs import record_run
from paperfeed.jobs.worker import JobBusy, hold_lease


class Command(BaseCommand):
    help = "Fetch papers from the arXiv API by id (batches of up to 100 ids per request)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", choices=["arxiv"])
        parser.add_argument("ids", nargs="*", help="arXiv ids, arXiv: ids or abs/pdf URLs.")
        parser.add_argument("--pending", action="store_true", help="Fetch papers of pending user submissions.")

    def handle(self, *args, **opts) -> None:
        if not opts["ids"] and not opts["pending"]:
            raise CommandError("give arXiv ids, or --pending for papers users submitted")
        try:
            if opts["pending"]:
                with hold_lease("submissions", lease=dt.timedelta(minutes=30)), record_run("submissions") as counts:
                    counts.update(fetch_pending_submissions())
            else:
                counts = fetch_arxiv(opts["ids"])
        except JobBusy as exc:
            raise CommandError(str(exc)) from exc
        except FetchError as exc:
            raise CommandError(f"fetch failed: {exc}. Run again later.") from exc
        for error in counts.get("errors", []):
            self.stderr.write(f"  {error}")
        summary = ", ".join(f"{k} {v}" for k, v in counts.items() if k != "errors")
        self.stdout.write(self.style.SUCCESS(f"fetch done: {summary}"))
