"""``paperfeed worker``: the one long-running process that runs the periodic jobs."""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand, CommandError

from paperfeed.jobs.worker import Worker, default_jobs


class Command(BaseCommand):
    help = "Run periodic jobs (harvest, stars, submissions, embed, digests, prune) until SIGTERM or Ctrl-C."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="Run the due jobs once, in turn, and exit (for cron).")
        parser.add_argument("--job", action="append", dest="jobs", help="Only this job (repeatable).")
        parser.add_argument("--force", action="store_true", help="With --once: run even if not due yet or disabled.")
        parser.add_argument("--tick", type=float, help="Seconds between looks for due jobs (default 5).")

    def handle(self, *args, **opts) -> None:
        jobs = default_jobs()
        names = {job.name for job in jobs}
        unknown = set(opts["jobs"] or []) - names
        if unknown:
            raise CommandError(f"unknown job {', '.join(sorted(unknown))}; jobs are {', '.join(sorted(names))}")
        if opts["jobs"]:
            jobs = [job for job in jobs if job.name in opts["jobs"]]
        worker = Worker(jobs)
        if opts["once"]:
            ran = worker.run_due(inline=True, force=opts["force"])
            self.stdout.write(f"ran: {', '.join(ran) or 'nothing due'}")
            return
        enabled = [job.name for job in jobs if job.enabled()]
        self.stdout.write(f"worker {worker.owner}: jobs {', '.join(enabled) or 'none enabled'}; Ctrl-C to stop")
        self.stdout.flush()

        def on_signal(signum, frame) -> None:
            if worker.stop.is_set():
                raise KeyboardInterrupt  # second signal: stop now, committed work is safe
            self.stdout.write("stopping: letting running jobs finish their current page…")
            self.stdout.flush()
            worker.stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        try:
            worker.run_forever(tick=opts["tick"])
        except KeyboardInterrupt:
            raise CommandError("worker stopped at once; running jobs were interrupted (committed work is kept)")
        self.stdout.write("worker stopped")
