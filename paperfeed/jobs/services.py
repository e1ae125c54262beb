"""What the health check and the status page show: pure reads over JobRun, JobLease, HarvestState."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection

from paperfeed.catalog.models import HarvestState
from paperfeed.jobs.models import JobLease, JobRun
from paperfeed.jobs.runs import harvest_health, last_runs

JOB_NAMES = ["harvest", "stars", "submissions", "embed", "digests", "prune"]


def health(*, now: dt.datetime) -> dict[str, Any]:
    """The ``/healthz`` answer: ``status`` "ok" or "unhealthy", with the checks behind it."""
    checks: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:  # the health check must answer even when the database does not
        checks["database"] = {"ok": False, "error": str(exc)[:200]}
        return {"status": "unhealthy", "checks": checks}
    checks["harvest"] = harvest_health(
        now=now, enabled=settings.HARVEST_ENABLED, stale_hours=settings.HARVEST_STALE_HOURS)
    ok = all(check["ok"] for check in checks.values())
    return {"status": "ok" if ok else "unhealthy", "checks": checks, "time": now.isoformat()}


def status(*, now: dt.datetime, recent: int = 30) -> dict[str, Any]:
    """The staff status page: each job's last run and last failure, leases, watermarks, recent runs."""
    names = sorted(set(JOB_NAMES) | set(JobRun.objects.values_list("name", flat=True).distinct()))
    leases = {lease.name: lease for lease in JobLease.objects.all()}
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
        })
    return {
        "health": health(now=now),
        "jobs": jobs,
        "harvest_states": list(HarvestState.objects.order_by("key")),
        "recent": list(JobRun.objects.order_by("-started_at")[:recent]),
    }
