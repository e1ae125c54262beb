"""Search latency by stage, as Prometheus histograms (scraped at /metrics, paperfeed/jobs/metrics.py).

Django-free so ``hybrid.py`` (shared with ``paperfeed eval`` and bench/search.py) can time its
stages. The labelled children are bound once here: timing a stage is then one ``perf_counter``
pair and one ``observe`` (about a microsecond), against the milliseconds each stage takes.
Under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` (set by ``paperfeed serve``) makes every worker's
observations add up.
"""

from __future__ import annotations

from prometheus_client import Histogram

# From 0.5 ms to 2.5 s: a keyword lookup takes ~1 ms on a small catalogue, a slow query seconds.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

STAGE_SECONDS = Histogram(
    "paperfeed_search_stage_seconds",
    "Time one search spends in each stage: keyword (BM25 top list), embed (the query embedding), "
    "vector (nearest neighbours, filtered), rescore (each retriever scoring the other's finds), "
    "fuse (fusion and the proximity re-rank).",
    ["stage"], buckets=BUCKETS,
)
KEYWORD = STAGE_SECONDS.labels("keyword")
EMBED = STAGE_SECONDS.labels("embed")
VECTOR = STAGE_SECONDS.labels("vector")
RESCORE = STAGE_SECONDS.labels("rescore")
FUSE = STAGE_SECONDS.labels("fuse")
