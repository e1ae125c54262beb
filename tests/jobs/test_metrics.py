"""/metrics: who may read it, what it names, and that its figures follow the database and searches."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from paperfeed.jobs import metrics
from paperfeed.notifications.models import NotificationMail
from paperfeed.search.keyword.tantivy import TantivyKeywordIndex
from paperfeed.search.services import embed_pending, search
from paperfeed.search.vectors import reset_live_indexes
from paperfeed.web.metrics import VARIABLE
from tests.factories import make_delivery, make_job_run, make_paper, make_user

pytestmark = pytest.mark.django_db
STAGES = ("keyword", "embed", "vector", "rescore", "fuse")


@pytest.fixture(autouse=True)
def fresh(settings, monkeypatch):
    """Figures read afresh each scrape; the hashing embedder; metrics of this process only."""
    monkeypatch.delenv(VARIABLE, raising=False)
    settings.EMBEDDER = "paperfeed.search.embedding.hashing.HashingEmbedder"
    settings.EMBEDDING_MODEL = "hashing-256"
    settings.SEARCH_REFRESH_SECONDS = 0
    settings.SEARCH_CACHE_SECONDS = 0  # a search answered from the result cache runs no stage
    settings.METRICS_ALLOWED = ["127.0.0.1", "::1"]
    metrics.forget()
    reset_live_indexes()
    yield
    metrics.forget()
    reset_live_indexes()


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    """GET /metrics and return {(sample name, sorted labels): value}."""
    metrics.forget()
    response = client.get("/metrics", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.content.decode()) for s in family.samples}


def value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def test_localhost_reads_every_metric_family(client):
    client.get("/healthz")
    samples = scrape(client)
    names = {name for name, _ in samples}
    for expected in ("django_http_requests_latency_seconds_by_view_method_count",
                     "django_http_responses_total_by_status_view_method_total",
                     "paperfeed_job_overdue", "paperfeed_job_failures_in_a_row", "paperfeed_job_allowed_gap_seconds",
                     "paperfeed_job_last_success_age_seconds", "paperfeed_worker_heartbeat_age_seconds",
                     "paperfeed_outbox_depth", "paperfeed_outbox_oldest_due_seconds", "paperfeed_index_lag_papers"):
        assert expected in names, expected
    assert value(samples, "django_http_requests_latency_seconds_by_view_method_count",
                 view="jobs:healthz", method="GET") >= 1


def test_replica_lag_is_reported_only_with_a_replica(client, monkeypatch):
    assert not [name for name, _ in scrape(client) if name == "paperfeed_replica_lag_seconds"]
    monkeypatch.setattr(metrics, "replica_lag_seconds", lambda: float("inf"))  # a replica that does not answer
    assert value(scrape(client), "paperfeed_replica_lag_seconds") == float("inf")


def test_other_addresses_get_404_unless_allowed_or_staff(client, settings):
    settings.METRICS_ALLOWED = ["10.0.0.0/8", "not an address"]
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is no longer listed
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 404
    client.force_login(make_user())
    assert client.get("/metrics").status_code == 404
    client.force_login(make_user(is_staff=True))
    assert client.get("/metrics").status_code == 200


def test_forwarded_address_counts_only_behind_a_trusted_proxy(client, settings):
    settings.METRICS_ALLOWED = ["127.0.0.1"]
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    # nginx on this host forwards an outside client: that client, not nginx, is who asks.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 404
    assert client.get("/metrics").status_code == 200


def test_a_proxy_not_trusted_hides_the_client_so_nobody_passes(client, settings):
    settings.TRUSTED_PROXIES = []
    # nginx on 127.0.0.1 forwards everyone: without TRUSTED_PROXIES the client is unknown, not local.
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 404
    client.force_login(make_user(is_staff=True))
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 200


def test_search_observes_every_stage(client):
    for i in range(3):
        make_paper(arxiv_id=f"2611.0000{i}", title=f"Diffusion models for graphs {i}", abstract="Score-based diffusion.")
    embed_pending()
    before = {s: REGISTRY.get_sample_value("paperfeed_search_stage_seconds_count", {"stage": s}) or 0 for s in STAGES}
    results = search(query="diffusion graphs")
    assert results.hits
    after = scrape(client)
    for stage in STAGES:
        assert value(after, "paperfeed_search_stage_seconds_count", stage=stage) == before[stage] + 1, stage


def test_outbox_depth_counts_rows_waiting_to_send(client):
    now = timezone.now()
    make_delivery(next_attempt_at=now - dt.timedelta(minutes=10))
    make_delivery(period="daily:2026-11-28", status="failed_temp", next_attempt_at=now + dt.timedelta(hours=1))
    make_delivery(period="daily:2026-11-29", status="sent")
    NotificationMail.objects.create(user=make_user(), slot="2026-11-27T08", next_attempt_at=now)
    samples = scrape(client)
    assert value(samples, "paperfeed_outbox_depth", outbox="digests", status="pending") == 1
    assert value(samples, "paperfeed_outbox_depth", outbox="digests", status="failed_temp") == 1
    assert sum(v for (name, labels), v in samples.items()
               if name == "paperfeed_outbox_depth" and ("outbox", "digests") in labels) == 2  # sent is done
    assert value(samples, "paperfeed_outbox_depth", outbox="notifications", status="pending") == 1
    assert value(samples, "paperfeed_outbox_oldest_due_seconds", outbox="digests") >= 600


def test_index_lag_counts_unembedded_papers(client):
    make_paper(arxiv_id="2611.00001")
    embed_pending()
    make_paper(arxiv_id="2611.00002")
    make_paper(arxiv_id="2611.00003")
    samples = scrape(client)
    assert value(samples, "paperfeed_index_lag_papers", index="vector") == 2
    assert value(samples, "paperfeed_index_lag_papers", index="keyword") == 0  # FTS5 follows by triggers
    embed_pending()
    assert value(scrape(client), "paperfeed_index_lag_papers", index="vector") == 0


def test_job_age_and_worker_heartbeat(client):
    now = timezone.now()
    make_job_run("prune", started_at=now - dt.timedelta(hours=2), finished_at=now - dt.timedelta(hours=2), ok=True)
    make_job_run("prune", started_at=now - dt.timedelta(hours=1), ok=False)
    samples = scrape(client)
    assert value(samples, "paperfeed_job_runs_recorded", job="prune", outcome="ok") == 1
    assert value(samples, "paperfeed_job_runs_recorded", job="prune", outcome="failed") == 1
    assert value(samples, "paperfeed_job_failures_in_a_row", job="prune") == 1
    assert 7000 < value(samples, "paperfeed_job_last_success_age_seconds", job="prune") < 7400
    assert value(samples, "paperfeed_worker_heartbeat_age_seconds") == float("inf")  # no worker ever beat


OBSERVE = ("from paperfeed.search import metrics_stages as s; s.KEYWORD.observe(0.002); s.FUSE.observe(0.001)")


def test_workers_metrics_add_up_in_multiprocess_mode(client, tmp_path, monkeypatch):
    # Two "gunicorn workers" write their observations to the shared directory; one scrape sums them.
    for _ in range(2):
        subprocess.run([sys.executable, "-c", OBSERVE], env={"PATH": "", VARIABLE: str(tmp_path)}, check=True)
    monkeypatch.setenv(VARIABLE, str(tmp_path))
    samples = scrape(client)
    assert value(samples, "paperfeed_search_stage_seconds_count", stage="keyword") == 2
    assert value(samples, "paperfeed_search_stage_seconds_count", stage="fuse") == 2
    assert "paperfeed_outbox_depth" in {name for name, _ in samples}


def test_tantivy_lag_counts_papers_changed_since_its_watermark(tmp_path):
    index = TantivyKeywordIndex(path=tmp_path / "tantivy")
    make_paper(arxiv_id="2611.00001")
    make_paper(arxiv_id="2611.00002")
    assert index.unindexed() == 2  # never built
    index.rebuild()
    assert index.unindexed() == 0
    make_paper(arxiv_id="2611.00003")
    assert index.unindexed() == 1
    index.sync()
    assert index.unindexed() == 0
