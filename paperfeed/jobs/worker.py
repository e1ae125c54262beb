"""The scheduler behind ``paperfeed worker``: periodic jobs, leased so that workers never overlap.

Each job has a lease row (JobLease), claimed with one conditional UPDATE (``SELECT … FOR UPDATE
SKIP LOCKED`` on PostgreSQL) when the job is due and nobody holds it, renewed every tick while the
job runs, and released with the next due time. Any number of workers on any number of hosts may
run: each periodic job runs once per period across all of them, and when a host dies the others
carry on (its running job after WORKER_LEASE, at once on the same machine). Cron or systemd timers
can replace the worker: every job is also a command (docs/sources-and-jobs.md).

Why not a task-queue library (evaluated for several hosts; docs/sources-and-jobs.md, "Why not a
task library"), each fails a requirement we name:

* Huey (SQLite, Redis or PostgreSQL storage, periodic tasks, Django integration) fails
  **"each periodic job once per period across hosts, with failover and no designated scheduler
  host"**: every consumer enqueues the periodic tasks unless started with ``--no-periodic``, and its
  author's advice for several consumers is to run exactly one with periodic tasks on
  (coleifer/huey#567, #716): that host is a single point of failure. It also fails **"a job killed
  mid-run runs again"**: a consumer that is SIGKILLed loses the task it was running (no
  acknowledgement; coleifer/huey#571, #844), where a lease here simply expires.
* django-tasks with django-tasks-db (tasks in the database through the ORM, SQLite and PostgreSQL
  alike) fails **"periodic jobs"**: it has no scheduler (RealOrangeOne/django-tasks#259 is open),
  and **"a job killed mid-run runs again"**: a worker that exits uncleanly leaves its task marked
  running for ever (RealOrangeOne/django-tasks-db#5 is open).

Both would still need the exactly-once mail outbox (digests, notifications), which stays either way.
The coming on-demand work (a submitted paper fetched at once, a notification mail) fits the same
lease rows: a due time set to now.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from paperfeed.catalog.fetch.http import FetchError
from paperfeed.catalog.harvest import run_harvest
from paperfeed.catalog.hf_sync import sync_hf_daily
from paperfeed.catalog.sources.oaipmh import OaiError
from paperfeed.catalog.stars import refresh_stars
from paperfeed.community.submissions import fetch_pending_submissions
from paperfeed.digests.services import send_due
from paperfeed.jobs.heartbeat import BEAT_EVERY, beat
from paperfeed.jobs.models import JobLease
from paperfeed.jobs.runs import prune_runs, record_run
from paperfeed.notifications.mail import send_notification_mail
from paperfeed.search.services import embed_pending, sync_keyword_index, sync_vector_graph
from paperfeed.web.logs import OUTAGE_ERRORS

log = logging.getLogger(__name__)
RETRY_AFTER_FAILURE = dt.timedelta(minutes=10)
# The lease a worker takes for a job it runs in a thread, renewed every tick: when its host dies
# mid-run, another host's worker takes the job over this long after the last renewal. Commands
# (cron, `worker --once`) renew rarely or never and keep each Job's own, longer lease.
WORKER_LEASE = dt.timedelta(minutes=2)


@dataclasses.dataclass
class Job:
    """A periodic job: ``run(stop)`` returns counts; ``interval()`` and ``enabled()`` are read each tick."""

    name: str
    run: Callable[[threading.Event], dict[str, Any]]
    interval: Callable[[], dt.timedelta]
    enabled: Callable[[], bool] = lambda: True
    lease: dt.timedelta = dt.timedelta(hours=1)


def stars_enabled() -> bool:
    """Whether scheduled star fetching is on: STARS_ENABLED when set, else HARVEST_ENABLED."""
    raw = settings.STARS_ENABLED.strip().lower()
    return settings.HARVEST_ENABLED if raw == "" else raw in {"1", "true", "yes", "on"}


def _harvest(stop: threading.Event) -> dict[str, Any]:
    return run_harvest(stop=stop)


def _stars(stop: threading.Event) -> dict[str, Any]:
    return refresh_stars(stop=stop)


def _submissions(stop: threading.Event) -> dict[str, Any]:
    return fetch_pending_submissions()


def _at_most_every(seconds: float, fn: Callable[[], Any]) -> Callable[[int], None]:
    """A progress callback that calls ``fn`` when ``seconds`` have passed since the last call."""
    last = [time.monotonic()]

    def progress(_done: int) -> None:
        if time.monotonic() - last[0] >= seconds:
            fn()
            last[0] = time.monotonic()

    return progress


def _embed(stop: threading.Event) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    keyword = sync_keyword_index()
    if keyword:
        counts["keyword"] = keyword
    # A long embedding run must not hold back keyword freshness: catch up between batches.
    progress = _at_most_every(settings.EMBED_INTERVAL_SECONDS, sync_keyword_index)
    counts["embedded"] = embed_pending(progress=progress)
    graph = sync_vector_graph()  # past ANN_THRESHOLD: the graph web processes map (search/vectorgraph.py)
    if graph:
        counts["graph"] = graph
    return counts


def _digests(stop: threading.Event) -> dict[str, Any]:
    return dataclasses.asdict(send_due(now=timezone.now()))


def _prune(stop: threading.Event) -> dict[str, Any]:
    return {"deleted": prune_runs(now=timezone.now(), keep_days=settings.JOBRUN_KEEP_DAYS)}


def default_jobs() -> list[Job]:
    """The jobs ``paperfeed worker`` schedules (intervals and switches read from settings each tick)."""
    return [
        Job("harvest", _harvest, lambda: dt.timedelta(minutes=settings.HARVEST_INTERVAL_MINUTES),
            lambda: settings.HARVEST_ENABLED, dt.timedelta(hours=3)),
        Job("stars", _stars, lambda: dt.timedelta(hours=settings.STARS_INTERVAL_HOURS), stars_enabled,
            dt.timedelta(hours=3)),
        Job("hf_sync", lambda stop: sync_hf_daily(stop=stop), lambda: dt.timedelta(hours=settings.HF_SYNC_INTERVAL_HOURS),
            lambda: settings.HF_SYNC_ENABLED, dt.timedelta(hours=3)),
        Job("submissions", _submissions, lambda: dt.timedelta(minutes=settings.SUBMISSIONS_INTERVAL_MINUTES)),
        Job("embed", _embed, lambda: dt.timedelta(seconds=settings.EMBED_INTERVAL_SECONDS)),
        Job("digests", _digests, lambda: dt.timedelta(minutes=settings.DIGEST_INTERVAL_MINUTES)),
        Job("notifications", lambda stop: dataclasses.asdict(send_notification_mail()),
            lambda: dt.timedelta(minutes=settings.NOTIFY_MAIL_INTERVAL_MINUTES)),
        Job("prune", _prune, lambda: dt.timedelta(days=1)),
    ]


# --- leases -----------------------------------------------------------------------------------


def _holder_is_dead(owner: str) -> bool:
    """True when ``owner`` ("host:pid:…") is a process on this machine that no longer exists."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim(name: str, *, owner: str, now: dt.datetime, lease: dt.timedelta, force: bool = False) -> bool:
    """Atomically take job ``name`` if it is due (or ``force``) and nobody holds an unexpired lease.

    A lease held by a dead process on this machine (killed, crashed) is taken over at once.
    """
    row, _ = JobLease.objects.get_or_create(name=name, defaults={"next_run_at": now})
    if row.owner and row.leased_until and row.leased_until >= now and _holder_is_dead(row.owner):
        log.warning("job %s: lease holder %s is gone; taking over", name, row.owner)
        JobLease.objects.filter(name=name, owner=row.owner).update(owner="", leased_until=None)
    return _claim(name, owner=owner, now=now, lease=lease, force=force)


def _claim(name: str, *, owner: str, now: dt.datetime, lease: dt.timedelta, force: bool) -> bool:
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    due = Q() if force else (Q(next_run_at__isnull=True) | Q(next_run_at__lte=now))
    if connection.features.has_select_for_update_skip_locked:
        # PostgreSQL: a worker that finds the row locked by another skips it instead of waiting.
        with transaction.atomic():
            row = JobLease.objects.select_for_update(skip_locked=True).filter(free & due, name=name).first()
            if row is None:
                return False
            row.owner, row.leased_until = owner, now + lease
            row.save(update_fields=["owner", "leased_until"])
            return True
    # SQLite: one conditional UPDATE is atomic (writers are serialised).
    return JobLease.objects.filter(free & due, name=name).update(owner=owner, leased_until=now + lease) == 1


def renew(name: str, *, owner: str, now: dt.datetime, lease: dt.timedelta) -> bool:
    """Extend our lease on a running job; False if it is no longer ours."""
    return JobLease.objects.filter(name=name, owner=owner).update(leased_until=now + lease) == 1


def release(name: str, *, owner: str, next_run_at: dt.datetime | None = None) -> None:
    """Give the job back and say when it is next due (None: leave the schedule as it was)."""
    fields: dict[str, Any] = {"owner": "", "leased_until": None}
    if next_run_at is not None:
        fields["next_run_at"] = next_run_at
    JobLease.objects.filter(name=name, owner=owner).update(**fields)


class JobBusy(Exception):
    """Another process holds the job's lease."""


@contextlib.contextmanager
def hold_lease(name: str, *, lease: dt.timedelta = dt.timedelta(hours=3)) -> Iterator[Callable[[], None]]:
    """Run job ``name`` outside the worker (a command, cron) without overlapping the worker.

    Yields ``renew()``, to call now and then while working (it renews at most once a minute).
    Raises JobBusy when another process holds the lease.
    """
    owner = f"{socket.gethostname()}:{os.getpid()}:command"
    if not claim(name, owner=owner, now=timezone.now(), lease=lease, force=True):
        holder = JobLease.objects.filter(name=name).values_list("owner", flat=True).first()
        raise JobBusy(f"job {name!r} is running elsewhere ({holder}); try again when it has finished")
    last = [timezone.now()]

    def keep_alive() -> None:
        now = timezone.now()
        if now - last[0] >= dt.timedelta(minutes=1):
            renew(name, owner=owner, now=now, lease=lease)
            last[0] = now

    try:
        yield keep_alive
    finally:
        release(name, owner=owner)


# --- the worker -------------------------------------------------------------------------------


class Worker:
    """Runs due jobs, each in its own thread, until ``stop`` is set."""

    def __init__(self, jobs: list[Job] | None = None, *, owner: str | None = None,
                 now: Callable[[], dt.datetime] = timezone.now) -> None:
        self.jobs = jobs if jobs is not None else default_jobs()
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.now = now
        self.stop = threading.Event()
        self.running: dict[str, threading.Thread] = {}
        self.started_at = now()
        self.tick = settings.WORKER_TICK_SECONDS
        self._last_beat: dt.datetime | None = None

    def run_due(self, *, inline: bool = False, only: list[str] | None = None, force: bool = False) -> list[str]:
        """Start every enabled job that is due and not running anywhere; return their names."""
        started = []
        for job in self.jobs:
            if only is not None and job.name not in only:
                continue
            if job.name in self.running or not (force or job.enabled()):
                continue
            lease = job.lease if inline else self._lease(job)
            if not claim(job.name, owner=self.owner, now=self.now(), lease=lease, force=force):
                continue
            started.append(job.name)
            if inline:
                self._execute(job)
            else:
                thread = threading.Thread(target=self._execute_in_thread, args=(job,), name=f"job-{job.name}", daemon=True)
                self.running[job.name] = thread
                thread.start()
        return started

    def _lease(self, job: Job) -> dt.timedelta:
        """The lease of a job run in a thread: short, since heartbeat() renews it every tick."""
        return min(job.lease, max(WORKER_LEASE, dt.timedelta(seconds=4 * self.tick)))

    def _execute_in_thread(self, job: Job) -> None:
        try:
            self._execute(job)
        finally:
            connections.close_all()  # this thread's connections only
            self.running.pop(job.name, None)

    def _execute(self, job: Job) -> None:
        started = self.now()
        ok = False
        try:
            with record_run(job.name, host=self.owner) as counts:
                counts.update(job.run(self.stop))
            ok = True
        except (FetchError, OaiError) as exc:  # remote trouble is expected now and then: no traceback
            log.error("job %s failed: %s", job.name, exc)
        except Exception:
            log.exception("job %s failed", job.name)
        finally:
            after = job.interval() if ok else min(job.interval(), RETRY_AFTER_FAILURE)
            release(job.name, owner=self.owner, next_run_at=started + after)

    def heartbeat(self) -> None:
        """Say this worker is alive (/healthz) and renew the leases of the jobs it is running."""
        now = self.now()
        if self._last_beat is None or now - self._last_beat >= BEAT_EVERY:
            beat(owner=self.owner, now=now, started_at=self.started_at)
            self._last_beat = now
        for job in self.jobs:
            if job.name in self.running:
                renew(job.name, owner=self.owner, now=now, lease=self._lease(job))

    def run_forever(self, *, tick: float | None = None, grace: float = 60.0) -> None:
        """Loop until ``stop`` is set (SIGTERM/SIGINT in the command), then let running jobs finish."""
        tick = self.tick = tick if tick is not None else settings.WORKER_TICK_SECONDS
        log.info("worker %s started: %s", self.owner, ", ".join(j.name for j in self.jobs if j.enabled()))
        while not self.stop.is_set():
            close_old_connections()  # as Django does around each request: drop broken or stale connections
            try:
                self.heartbeat()
                self.run_due()
            except OUTAGE_ERRORS as exc:  # the database is away: one line a tick, not a traceback
                log.warning("worker tick skipped: database unreachable (%s)", type(exc).__name__)
                close_old_connections()
            except Exception:  # a bug must not kill the scheduler either; its traceback is worth seeing
                log.exception("worker tick failed")
                close_old_connections()
            self.stop.wait(tick)
        for thread in list(self.running.values()):
            thread.join(grace)
        connection.close()  # a stopped scheduler holds no database connection (also when run in a thread)
