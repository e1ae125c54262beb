"""The Prometheus endpoint ``/metrics``: request, search-stage and database-derived metrics.

Request latency by view comes from django-prometheus's middleware (settings.MIDDLEWARE); search
latency by stage from ``search/metrics_stages.py``. Both are process-local prometheus_client
metrics: under ``paperfeed serve`` each gunicorn worker writes them to ``PROMETHEUS_MULTIPROC_DIR``
(web/metrics.py) and a scrape adds every worker's up. What the database knows (jobs, outboxes,
index lag) is read at scrape time instead, so any worker on any host gives the same answer; it is
kept for ``CACHE_SECONDS`` so a burst of scrapes costs one set of queries.

django-prometheus's own ``ExportToDjangoView`` is not used: it cannot add the database gauges nor
restrict who reads them. Access: addresses in ``METRICS_ALLOWED`` and staff; anyone else gets 404.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math
import threading
import time
from collections.abc import Iterable, Iterator

import prometheus_client
from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from paperfeed.accounts.ratelimits import client_ip
from paperfeed.digests.models import Delivery
from paperfeed.jobs.heartbeat import last_beat
from paperfeed.jobs.models import JobRun
from paperfeed.jobs.services import job_states
from paperfeed.notifications.models import NotificationMail
from paperfeed.search.lag import index_lag
from paperfeed.web.metrics import multiproc_dir
from paperfeed.web.replica import replica_lag_seconds

CACHE_SECONDS = 5.0
# Rows still to be sent; sent, cancelled, permanently failed and empty ones are done.
WAITING = ("pending", "claimed", "sending", "handed_off", "failed_temp")
OUTBOXES = {"digests": Delivery, "notifications": NotificationMail}

_cache_lock = threading.Lock()
_cache: dict[str, tuple[float, list[Metric]]] = {}


def may_read(request: HttpRequest) -> bool:
    """Whether this request may read /metrics: staff, or a client address inside METRICS_ALLOWED."""
    if request.user.is_authenticated and request.user.is_staff:
        return True
    client = client_ip(request)
    if request.META.get("HTTP_X_FORWARDED_FOR") and client == request.META.get("REMOTE_ADDR"):
        # Through a proxy not in TRUSTED_PROXIES: nginx on 127.0.0.1 would make everyone local.
        return False
    try:
        address = ipaddress.ip_address(client.strip("[]"))
    except ValueError:
        return False
    for entry in settings.METRICS_ALLOWED:
        try:
            if address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:  # a mistyped entry allows nobody, rather than failing every scrape
            continue
    return False


def _gauge(name: str, doc: str, labels: Iterable[str], rows: Iterable[tuple[tuple[str, ...], float]]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=list(labels))
    for values, value in rows:
        family.add_metric(list(values), value)
    return family


def job_metrics(*, now: dt.datetime) -> Iterator[Metric]:
    """Job runs on record, each job's last success and its age, overdue/failing, worker heartbeat age."""
    runs = JobRun.objects.order_by().values("name", "ok").annotate(n=Count("id"))
    outcome = {True: "ok", False: "failed", None: "running"}
    yield _gauge("paperfeed_job_runs_recorded", "Job runs on record (JobRun rows; pruning removes old ones).",
                 ["job", "outcome"], (((r["name"], outcome[r["ok"]]), r["n"]) for r in runs))
    states = job_states(now=now)
    last_ok = {name: dt.datetime.fromisoformat(s["last_success"]) for name, s in states.items() if s["last_success"]}
    yield _gauge("paperfeed_job_last_success_timestamp_seconds", "When each job last succeeded (Unix time).",
                 ["job"], (((name, ), at.timestamp()) for name, at in last_ok.items()))
    yield _gauge("paperfeed_job_last_success_age_seconds", "Seconds since each job last succeeded (+Inf: never).",
                 ["job"], (((name, ), (now - last_ok[name]).total_seconds() if name in last_ok else math.inf)
                           for name, s in states.items() if s["state"] != "disabled"))
    yield _gauge("paperfeed_job_allowed_gap_seconds", "How long each job may go without a success before it is overdue.",
                 ["job"], (((name, ), s["allowed_hours"] * 3600) for name, s in states.items()))
    yield _gauge("paperfeed_job_overdue", "1 when a job has not succeeded within its allowed gap (as /healthz says).",
                 ["job"], (((name, ), float(s["overdue"])) for name, s in states.items()))
    yield _gauge("paperfeed_job_failures_in_a_row", "Failed runs of each job since its last success.",
                 ["job"], (((name, ), s["failures_in_a_row"]) for name, s in states.items()))
    beat = last_beat()
    yield _gauge("paperfeed_worker_heartbeat_age_seconds", "Seconds since a job worker last beat (+Inf: never).",
                 [], [((), (now - beat.beat_at).total_seconds() if beat else math.inf)])


def outbox_metrics(*, now: dt.datetime) -> Iterator[Metric]:
    """Rows waiting to be sent in each mail outbox, by status, and how late the oldest due one is."""
    depth, late = [], []
    for outbox, model in OUTBOXES.items():
        waiting = model.objects.filter(status__in=WAITING).order_by()
        counts = dict(waiting.values_list("status").annotate(n=Count("id")))
        depth += [((outbox, status), counts.get(status, 0)) for status in WAITING]
        due = waiting.filter(next_attempt_at__lte=now).aggregate(oldest=Min("next_attempt_at"))["oldest"]
        late.append(((outbox, ), (now - due).total_seconds() if due else 0.0))
    yield _gauge("paperfeed_outbox_depth", "Mails waiting to be sent, by outbox and status.", ["outbox", "status"], depth)
    yield _gauge("paperfeed_outbox_oldest_due_seconds",
                 "Seconds the oldest due mail of each outbox has waited past its send time (0: none due).",
                 ["outbox"], late)


def index_metrics() -> Iterator[Metric]:
    """Papers not yet in the keyword index, and papers without an embedding."""
    lag = index_lag()
    yield _gauge("paperfeed_index_lag_papers", "Papers not yet searchable by the keyword index or the vector index.",
                 ["index"], (((name, ), n) for name, n in lag.items()))


def replica_metrics() -> Iterator[Metric]:
    """How far the read replica lags (only with DATABASE_REPLICA_URL; +Inf when it does not answer, NaN when unknown)."""
    lag = replica_lag_seconds()
    if lag is not None:
        yield _gauge("paperfeed_replica_lag_seconds",
                     "Seconds the read replica's replay is behind the primary (0: caught up; +Inf: not answering; "
                     "NaN: not known yet).",
                     [], [((), lag)])


def database_metrics(*, now: dt.datetime, clock: float) -> list[Metric]:
    """Every database-derived metric, read at most once per CACHE_SECONDS (``clock``: monotonic seconds)."""
    with _cache_lock:
        cached = _cache.get("db")
        if cached and clock - cached[0] < CACHE_SECONDS:
            return cached[1]
    metrics = [*job_metrics(now=now), *outbox_metrics(now=now), *index_metrics(), *replica_metrics()]
    with _cache_lock:
        _cache["db"] = (clock, metrics)
    return metrics


def forget() -> None:
    """Drop the cached database metrics (tests)."""
    with _cache_lock:
        _cache.clear()


class _Fixed(Collector):
    def __init__(self, metrics: list[Metric]) -> None:
        self.metrics = metrics

    def collect(self) -> list[Metric]:
        return self.metrics


def exposition(*, now: dt.datetime, clock: float) -> bytes:
    """The text a scrape gets: this process's (or every worker's) metrics, then the database's."""
    if multiproc_dir():
        workers = prometheus_client.CollectorRegistry()
        MultiProcessCollector(workers)
    else:
        workers = prometheus_client.REGISTRY
    db = prometheus_client.CollectorRegistry(auto_describe=False)
    db.register(_Fixed(database_metrics(now=now, clock=clock)))
    return prometheus_client.generate_latest(workers) + prometheus_client.generate_latest(db)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; 404 for anyone not in METRICS_ALLOWED and not staff (it reveals internals)."""
    if not may_read(request):
        raise Http404
    body = exposition(now=timezone.now(), clock=time.monotonic())
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
