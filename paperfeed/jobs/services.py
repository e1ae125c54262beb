"""What the health check and the status page show: reads over JobRun, JobLease, heartbeats, caches.

``health()`` is the public ``/healthz`` answer: ok / degraded / down per component, nothing else
(no host, port, error text or version); a component that is "down" names the failed dependency
(database, cache). ``health_report()`` adds the details staff see at ``/status``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection

from paperfeed.catalog.models import HarvestState
from paperfeed.jobs import health as rules
from paperfeed.jobs.heartbeat import last_beat
from paperfeed.jobs.models import JobLease, JobRun
from paperfeed.jobs.runs import last_runs
from paperfeed.jobs.worker import Job, default_jobs

log = logging.getLogger(__name__)
JOB_NAMES = ["harvest", "stars", "submissions", "embed", "digests", "prune"]


def health(*, now: dt.datetime) -> dict[str, Any]:
    """The ``/healthz`` answer: ``status`` and each component's state, with no detail."""
    report = health_report(now=now)
    return {"status": report["status"], "components": report["components"]}


def health_report(*, now: dt.datetime) -> dict[str, Any]:
    """Each component's state and, under ``details``, why (for staff only)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:  # the health check must answer even when the database does not
        log.warning("health: database unreachable: %s", exc)
        components = {"database": rules.DOWN}
        return {"status": rules.DOWN, "components": components,
                "details": {"database": {"error": type(exc).__name__}}, "time": now.isoformat()}
    components = {"database": rules.OK, "cache": _cache_state()}
    beat = last_beat()
    components["worker"] = rules.worker_state(
        beat.beat_at if beat else None, now=now, stale=dt.timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS))
    details: dict[str, Any] = {"worker": {"last_beat": beat.beat_at.isoformat() if beat else None,
                                          "owner": beat.owner if beat else None}}
    jobs = job_states(now=now)
    for name, job in jobs.items():
        if job["state"] != "disabled":
            components[f"job:{name}"] = rules.job_component(job["state"])
    details["jobs"] = jobs
    return {"status": rules.overall(components), "components": components, "details": details,
            "time": now.isoformat()}


def _cache_state() -> str:
    """ok when the shared caches answer a write and a read (trending, the rate-limit counts); else down.

    Down, not degraded: with REDIS_URL every host needs Redis to count rate limits and invalidate
    trending, so a host that cannot reach it should leave the load balancer's pool.
    """
    try:
        for alias in ("default", "ratelimits"):
            caches[alias].set("paperfeed:healthz", "1", 30)
            if caches[alias].get("paperfeed:healthz") != "1":
                return rules.DOWN
    except Exception as exc:  # any backend's failure (disk full, Redis gone) is an answer, not a 500
        log.warning("health: cache unreachable: %s", type(exc).__name__)
        return rules.DOWN
    return rules.OK


def _allowed(job: Job) -> dt.timedelta | None:
    # The harvest has its own documented threshold (arXiv publishes once a day).
    return dt.timedelta(hours=settings.HARVEST_STALE_HOURS) if job.name == "harvest" else None


def _job_facts(job: Job, *, lease: JobLease | None, now: dt.datetime) -> rules.JobFacts:
    """What the runs say about ``job``: two indexed queries when it has succeeded, none when disabled."""
    enabled = job.enabled()
    running = bool(lease and lease.leased_until and lease.leased_until > now)
    if not enabled:  # its state is "disabled" whatever its runs say; /healthz is polled, so skip them
        return rules.JobFacts(name=job.name, enabled=False, interval=job.interval(), last_ok_at=None,
                              first_attempt_at=None, running=running, allowed=_allowed(job))
    runs = JobRun.objects.filter(name=job.name)
    last_ok = runs.filter(ok=True).order_by("-started_at").values("started_at", "finished_at").first()
    failed = runs.filter(ok=False)
    # The first attempt only matters while nothing has succeeded yet (job_state's reference time).
    first = None if last_ok else runs.order_by("started_at").values_list("started_at", flat=True).first()
    return rules.JobFacts(
        name=job.name, enabled=True, interval=job.interval(),
        last_ok_at=(last_ok["finished_at"] or last_ok["started_at"]) if last_ok else None,
        first_attempt_at=first, running=running, allowed=_allowed(job),
        failures_in_a_row=(failed.filter(started_at__gt=last_ok["started_at"]) if last_ok else failed).count())


def job_states(*, now: dt.datetime) -> dict[str, dict[str, Any]]:
    """Each scheduled job's state against its schedule: last success, how long allowed, overdue."""
    leases = {lease.name: lease for lease in JobLease.objects.all()}
    out = {}
    for job in default_jobs():
        facts = _job_facts(job, lease=leases.get(job.name), now=now)
        state = rules.job_state(facts, now=now)
        out[job.name] = {"state": state, "overdue": state == "overdue", "failing": state == "failing",
                         "failures_in_a_row": facts.failures_in_a_row,
                         "last_success": facts.last_ok_at.isoformat() if facts.last_ok_at else None,
                         "allowed_hours": round(rules.allowed_gap(facts).total_seconds() / 3600, 2)}
    return out


def _shown_counts(counts: dict[str, Any] | None, *, at_most: int = 5) -> list[tuple[str, str]]:
    """A run's counts as short (name, text) pairs: a list of ids shows its length and the first few."""
    shown = []
    for key, value in (counts or {}).items():
        if isinstance(value, (list, tuple, set)):
            items = [str(v) for v in value]
            more = f", … ({len(items)})" if len(items) > at_most else ""
            value = f"{len(items)}" + (f" ({', '.join(items[:at_most])}{more})" if items else "")
        shown.append((str(key), str(value)))
    return shown


def status(*, now: dt.datetime, recent: int = 30) -> dict[str, Any]:
    """The staff status page: each job's last run and last failure, leases, watermarks, recent runs."""
    names = sorted(set(JOB_NAMES) | set(JobRun.objects.values_list("name", flat=True).distinct()))
    leases = {lease.name: lease for lease in JobLease.objects.all()}
    report = health_report(now=now)
    schedule = report["details"].get("jobs", {})
    jobs = []
    for name, runs in last_runs(names).items():
        lease = leases.get(name)
        held = bool(lease and lease.leased_until and lease.leased_until > now)
        last = runs["last"]
        jobs.append({
            # A run that never finished while nobody holds the job was killed (SIGKILL, power loss).
            "interrupted": bool(last and last.ok is None and not held),
            "name": name,
            "last": runs["last"],
            "last_ok": runs["last_ok"],
            "last_failed": runs["last_failed"],
            "next_run_at": lease.next_run_at if lease else None,
            "running_on": lease.owner if held else "",
            "state": schedule.get(name, {}).get("state", ""),
            "overdue": schedule.get(name, {}).get("overdue", False),
            "failing": schedule.get(name, {}).get("failing", False),
            "failures_in_a_row": schedule.get(name, {}).get("failures_in_a_row", 0),
            "shown_counts": _shown_counts(runs["last"].counts if runs["last"] else {}),  # the page's; JSON has "last"
        })
    return {
        "health": report,
        "jobs": jobs,
        "harvest_states": list(HarvestState.objects.order_by("key")),
        "recent": list(JobRun.objects.order_by("-started_at")[:recent]),
    }
