"""Judging health from plain facts: pure functions that take the facts and ``now``, no database.

A component is "ok", "degraded" or "down". A web host is down when a dependency it needs to answer
requests is (the database, the cache: Redis when several hosts share one), so a load balancer takes
it out; degraded when anything else is not ok (the worker's heartbeat, a job overdue against its
schedule or failing run after run), which a load balancer should keep serving.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

OK, DEGRADED, DOWN = "ok", "degraded", "down"
DEPENDENCIES = ("database", "cache")  # without these a web host cannot answer requests
JOB_GRACE = dt.timedelta(minutes=15)  # a run may take a while and the worker ticks: not overdue at once
# One failed run is weather (arXiv busy for a minute); this many in a row is a problem someone should see,
# even while the last success is still recent enough for the job not to be overdue.
FAILING_AFTER = 3


@dataclasses.dataclass(frozen=True)
class JobFacts:
    """What is known about one job: its schedule and its runs."""

    name: str
    enabled: bool
    interval: dt.timedelta
    last_ok_at: dt.datetime | None
    first_attempt_at: dt.datetime | None
    running: bool
    allowed: dt.timedelta | None = None  # how long without success is fine; None: 2 × interval + grace
    failures_in_a_row: int = 0  # finished runs that failed since the last success


def allowed_gap(job: JobFacts) -> dt.timedelta:
    """How long ``job`` may go without a success before it is overdue."""
    return job.allowed if job.allowed is not None else 2 * job.interval + JOB_GRACE


def job_state(job: JobFacts, *, now: dt.datetime) -> str:
    """"disabled", "pending" (never tried), "running", "ok", "failing" (FAILING_AFTER in a row) or "overdue"."""
    if not job.enabled:
        return "disabled"
    if job.failures_in_a_row >= FAILING_AFTER:
        return "failing"
    reference = job.last_ok_at or job.first_attempt_at
    if reference is None:
        return "pending"
    if now - reference <= allowed_gap(job):
        return "ok"
    # A long run (a large embed after an ingest) holds its lease: late, but not stuck.
    return "running" if job.running else "overdue"


def job_component(state: str) -> str:
    """A job's state as a health component: degraded when overdue or failing, else ok."""
    return DEGRADED if state in {"overdue", "failing"} else OK


def worker_state(last_beat_at: dt.datetime | None, *, now: dt.datetime, stale: dt.timedelta) -> str:
    """ok when a worker beat within ``stale``; down otherwise (never beat, or gone silent)."""
    return OK if last_beat_at is not None and now - last_beat_at <= stale else DOWN


def overall(components: dict[str, str]) -> str:
    """The site's state from its components' states: down when a dependency is."""
    if any(components.get(name) == DOWN for name in DEPENDENCIES):
        return DOWN
    return OK if all(state == OK for state in components.values()) else DEGRADED
