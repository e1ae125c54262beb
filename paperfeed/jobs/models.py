"""Job bookkeeping: runs and leases (the data the jobs work on belongs to the apps that own it)."""

from __future__ import annotations

from django.db import models


class JobRun(models.Model):
    """One run of a scheduled job (by the worker, cron or a command): when, how long, what, errors."""

    name = models.CharField(max_length=64, db_index=True)
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    ok = models.BooleanField(null=True, help_text="Empty while running.")
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    host = models.CharField(max_length=255, blank=True, default="", help_text="Worker that ran it.")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["name", "ok", "-started_at"], name="jobrun_name_ok_idx")]

    @property
    def error_summary(self) -> str:
        """The first line of the error (the full text keeps the traceback tail)."""
        return self.error.splitlines()[0] if self.error else ""

    def __str__(self) -> str:
        state = "running" if self.ok is None else ("ok" if self.ok else "failed")
        return f"{self.name} @ {self.started_at:%Y-%m-%d %H:%M} ({state})"


class JobLease(models.Model):
    """Who may run a job now, and when it is next due; claimed atomically so workers never overlap."""

    name = models.CharField(max_length=64, primary_key=True)
    owner = models.CharField(max_length=255, blank=True, default="")
    leased_until = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} (next {self.next_run_at}, owner {self.owner or '-'})"


class WorkerHeartbeat(models.Model):
    """A job worker's last sign of life: /healthz reports the worker down when none is recent."""

    owner = models.CharField(max_length=255, primary_key=True, help_text="host:pid:id of the worker.")
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.owner} (last beat {self.beat_at:%Y-%m-%d %H:%M:%S})"
