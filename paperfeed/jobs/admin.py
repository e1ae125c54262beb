"""Admin for job bookkeeping (runs, read-only; leases) and the catalogue data the jobs keep: harvest state, stars."""

from __future__ import annotations

from django.contrib import admin

from paperfeed.catalog.models import HarvestState, RepoState, StarSnapshot
from paperfeed.jobs.models import JobLease, JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    list_display = ("name", "started_at", "duration_s", "ok", "short_error", "host")
    list_filter = ("name", "ok")
    date_hierarchy = "started_at"
    readonly_fields = ("name", "started_at", "finished_at", "duration_s", "ok", "counts", "error", "host")

    @admin.display(description="error")
    def short_error(self, run: JobRun) -> str:
        return run.error.splitlines()[0][:120] if run.error else ""

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(JobLease)
class JobLeaseAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "leased_until", "next_run_at")


@admin.register(HarvestState)
class HarvestStateAdmin(admin.ModelAdmin):
    list_display = ("key", "watermark", "from_date", "until_date", "pages", "records", "updated_at")


@admin.register(RepoState)
class RepoStateAdmin(admin.ModelAdmin):
    list_display = ("full_name", "stars", "checked_at", "missing")
    search_fields = ("full_name",)
    list_filter = ("missing",)


@admin.register(StarSnapshot)
class StarSnapshotAdmin(admin.ModelAdmin):
    list_display = ("repo", "stars", "taken_at")
    raw_id_fields = ("repo",)
