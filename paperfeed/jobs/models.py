"""Job bookkeeping: runs, leases, harvest watermarks and code-repository star history."""

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


class HarvestState(models.Model):
    """Where an OAI-PMH harvest stands: the watermark, and the resumption token of an unfinished list.

    ``watermark`` is the last day fully harvested; ``from_date``/``until_date``/``resumption_token``
    describe the list in progress and are saved in the same transaction as each page's records.
    """

    key = models.CharField(max_length=128, primary_key=True, help_text="source:set:prefix")
    watermark = models.DateField(null=True, blank=True)
    from_date = models.DateField(null=True, blank=True)
    until_date = models.DateField(null=True, blank=True)
    resumption_token = models.TextField(blank=True, default="")
    pages = models.PositiveIntegerField(default=0, help_text="Pages committed in the list in progress.")
    records = models.PositiveIntegerField(default=0, help_text="Records committed in the list in progress.")
    complete_list_size = models.IntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.key}: watermark {self.watermark}"


class RepoState(models.Model):
    """A GitHub repository we track: latest stars and the ETag for conditional requests."""

    full_name = models.CharField(max_length=255, unique=True, help_text="owner/name, lower case")
    stars = models.IntegerField(null=True, blank=True)
    etag = models.CharField(max_length=255, blank=True, default="")
    checked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    missing = models.BooleanField(default=False, help_text="GitHub answered 404/451.")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.stars} stars)"


class StarSnapshot(models.Model):
    """A repository's star count at one moment: the history trending uses for velocity."""

    repo = models.ForeignKey(RepoState, on_delete=models.CASCADE, related_name="snapshots")
    stars = models.IntegerField()
    taken_at = models.DateTimeField()

    class Meta:
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["repo", "taken_at"], name="starsnap_repo_time_idx")]

    def __str__(self) -> str:
        return f"{self.repo.full_name}: {self.stars} at {self.taken_at:%Y-%m-%d %H:%M}"
