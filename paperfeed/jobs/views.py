"""``/healthz`` (JSON for load balancers and monitors) and ``/status`` (staff only)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from paperfeed.jobs import services


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """ok / degraded / down per component; 503 when down: the database or the cache (Redis) failed.

    A load balancer keeps a degraded host (its worker or a job is late; it still serves pages).
    Public, so it names no host, port, error or version: the details are at /status, for staff.
    """
    result = services.health(now=timezone.now())
    return JsonResponse(result, status=503 if result["status"] == "down" else 200)


@never_cache
@staff_member_required
def status(request: HttpRequest) -> HttpResponse:
    """Each job's last run, duration, counts and errors; harvest watermarks; recent runs."""
    context = services.status(now=timezone.now())
    if request.GET.get("format") == "json":
        return JsonResponse(_as_json(context))
    return render(request, "jobs/status.html", context)


def _run_json(run) -> dict | None:
    if run is None:
        return None
    return {"name": run.name, "started_at": run.started_at, "finished_at": run.finished_at, "ok": run.ok,
            "duration_s": run.duration_s, "counts": run.counts, "error": run.error, "host": run.host}


def _as_json(context: dict) -> dict:
    return {
        "health": context["health"],
        "jobs": [{**{k: v for k, v in job.items() if k != "shown_counts"}, "last": _run_json(job["last"]),
                  "last_ok": _run_json(job["last_ok"]), "last_failed": _run_json(job["last_failed"])}
                 for job in context["jobs"]],
        "harvest_states": [{"key": s.key, "watermark": s.watermark, "resumption_token": s.resumption_token,
                            "pages": s.pages, "records": s.records} for s in context["harvest_states"]],
    }
