"""Recording job runs (JobRun rows) and reading back the latest state of each job."""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import time
import traceback
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from paperfeed.jobs.models import JobRun


@contextlib.contextmanager
def record_run(name: str, *, host: str = "") -> Iterator[dict[str, Any]]:
    """Record a run of job ``name``; the body fills the yielded counts dict.

    An exception in the body marks the run failed with its message and traceback tail, then
    propagates. The row exists (ok=None) while the job runs, so the status page shows it.
    """
    counts: dict[str, Any] = {}
    run = JobRun.objects.create(name=name, started_at=timezone.now(), host=host or socket.gethostname())
    start = time.monotonic()
    try:
        yield counts
    except BaseException as exc:
        _finish(run, start, counts, ok=False, error=_describe(exc))
        raise
    else:
        _finish(run, start, counts, ok=True, error=str(counts.pop("_warning", "")))


def _describe(exc: BaseException) -> str:
    tail = "".join(traceback.format_exception(exc)[-3:])
    return f"{type(exc).__name__}: {exc}\n\n{tail}"[:5000]


def _finish(run: JobRun, start: float, counts: dict, *, ok: bool, error: str) -> None:
    run.finished_at = timezone.now()
    run.duration_s = round(time.monotonic() - start, 3)
    run.ok = ok
    run.counts = _jsonable(counts)
    run.error = error
    run.save(update_fields=["finished_at", "duration_s", "ok", "counts", "error"])


def _jsonable(counts: dict) -> dict:
    out = {}
    for key, value in counts.items():
        out[str(key)] = value if isinstance(value, int | float | str | bool | type(None) | list | dict) else str(value)
    return out


def last_runs(names: list[str] | None = None) -> dict[str, dict[str, JobRun | None]]:
    """Return ``{name: {"last": run, "last_ok": run, "last_failed": run}}`` for each job seen."""
    qs = JobRun.objects.all()
    if names is not None:
        qs = qs.filter(name__in=names)
    job_names = names if names is not None else sorted(set(qs.values_list("name", flat=True)))
    out: dict[str, dict[str, JobRun | None]] = {}
    for name in job_names:
        runs = JobRun.objects.filter(name=name)
        out[name] = {
            "last": runs.order_by("-started_at").first(),
            "last_ok": runs.filter(ok=True).order_by("-started_at").first(),
            "last_failed": runs.filter(ok=False).order_by("-started_at").first(),
        }
    return out


def prune_runs(*, now: dt.datetime, keep_days: int) -> int:
    """Delete runs older than ``keep_days``, keeping each job's latest success and failure; return how many."""
    keep: set[int] = set()
    for runs in last_runs().values():
        keep.update(run.pk for run in (runs["last_ok"], runs["last_failed"]) if run is not None)
    old = JobRun.objects.filter(started_at__lt=now - dt.timedelta(days=keep_days)).exclude(pk__in=keep)
    deleted, _ = old.delete()
    return deleted
