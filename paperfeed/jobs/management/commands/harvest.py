"""``paperfeed harvest arxiv``: fetch new and changed papers over OAI-PMH, from the watermark on."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from paperfeed.catalog.fetch.http import FetchError, arxiv_client
from paperfeed.catalog.fetch.oaipmh import describe_repository
from paperfeed.catalog.harvest import harvest_sets, preview_harvest, run_harvest
from paperfeed.catalog.sources.oaipmh import PREFIXES, MalformedResponse, OaiError
from paperfeed.jobs.runs import record_run
from paperfeed.jobs.worker import JobBusy, hold_lease


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"bad date {text!r}: use YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = "Harvest arXiv over OAI-PMH (ListRecords), resuming from the stored watermark."

    def add_arguments(self, parser) -> None:
        parser.add_argument("source", choices=["arxiv"], help="Only arXiv is harvested.")
        parser.add_argument("--from", dest="from_date", type=_date, help="First datestamp (default: watermark).")
        parser.add_argument("--until", dest="until_date", type=_date, help="Last datestamp (default: today).")
        parser.add_argument("--set", dest="sets", action="append",
                            help="OAI-PMH set, e.g. cs or physics:hep-th (repeatable; default PAPERFEED_HARVEST_SETS).")
        parser.add_argument("--prefix", choices=sorted(PREFIXES), help="metadataPrefix (default PAPERFEED_HARVEST_PREFIX).")
        parser.add_argument("--info", action="store_true",
                            help="Only show the repository (Identify, formats, sets) and check the configuration.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Only count the records a harvest would fetch (ListIdentifiers); store nothing.")

    def handle(self, *args, **opts) -> None:
        if opts["from_date"] and opts["until_date"] and opts["from_date"] > opts["until_date"]:
            raise CommandError("--from is after --until")
        if opts["info"] or opts["dry_run"]:
            try:
                self._info(opts) if opts["info"] else self._dry_run(opts)
            except (FetchError, OaiError, MalformedResponse) as exc:
                raise CommandError(f"{settings.ARXIV_OAI_URL}: {exc}") from exc
            return
        quiet = opts["verbosity"] == 0
        try:
            # The lease keeps a cron-run harvest and the worker's from overlapping.
            with hold_lease("harvest") as keep_alive, record_run("harvest") as counts:

                def progress(line: str) -> None:
                    keep_alive()
                    if not quiet:
                        self.stdout.write(line)

                counts.update(run_harvest(
                    sets=opts["sets"], prefix=opts["prefix"], from_date=opts["from_date"],
                    until_date=opts["until_date"], progress=progress))
        except JobBusy as exc:
            raise CommandError(str(exc)) from exc
        except (FetchError, OaiError) as exc:
            raise CommandError(f"harvest failed: {exc}. Committed pages are kept; run again to resume.") from exc
        summary = ", ".join(f"{k} {v}" for k, v in counts.items() if isinstance(v, int) and not isinstance(v, bool))
        self.stdout.write(self.style.SUCCESS(f"harvest done: {summary}"))
        for key, mark in counts.get("watermarks", {}).items():
            self.stdout.write(f"  {key}: watermark {mark}")

    def _info(self, opts: dict) -> None:
        with arxiv_client() as client:
            about = describe_repository(client, settings.ARXIV_OAI_URL)
        info = about["info"]
        self.stdout.write(f"{info.name} at {info.base_url} (OAI-PMH {info.protocol_version})")
        self.stdout.write(f"  earliest datestamp {info.earliest_datestamp}, granularity {info.granularity}, "
                          f"deleted records: {info.deleted_record}")
        self.stdout.write(f"  formats: {', '.join(about['formats'])}")
        self.stdout.write(f"  {len(about['sets'])} sets: {', '.join(spec for spec, _ in about['sets'])}")
        prefix = opts["prefix"] or settings.HARVEST_PREFIX
        wanted = [s for s in (opts["sets"] or harvest_sets()) if s]
        problems = [f"format {prefix!r} not offered"] if prefix not in about["formats"] else []
        problems += [f"set {s!r} not offered" for s in wanted if s not in {spec for spec, _ in about["sets"]}]
        if problems:
            raise CommandError("configuration problem: " + "; ".join(problems))
        self.stdout.write(self.style.SUCCESS(f"configuration ok: prefix {prefix}, sets {', '.join(wanted) or 'all'}"))

    def _dry_run(self, opts: dict) -> None:
        plan = preview_harvest(sets=opts["sets"], prefix=opts["prefix"], from_date=opts["from_date"],
                               until_date=opts["until_date"])
        for key, counts in plan.items():
            self.stdout.write(f"{key}: {counts['from']}..{counts['until']}: {counts['records']} records "
                              f"({counts['deleted']} deleted) in {counts['pages']} pages")
