"""CPU per search request in one process: the page and the API, new queries and repeated ones.

    PAPERFEED_DATA_DIR=var/bench/search-80000 .venv/bin/python bench/search_cpu.py [label]

Runs against the catalogue of ``PAPERFEED_DATA_DIR`` (bench/web_search.py builds an 80k one)
through Django's test client, so no server, load generator or network is measured: 200 warm-up
searches (models, indexes, the stem memo), then 100 new three-word title queries, then the same
100 again more than 2 s later, then once more with the results and renderings forgotten but the
rankings kept (as a worker answers a search whose rendering expired). For the new queries it
also prints the search's own stages (``paperfeed_search_stage_seconds``: keyword, embed, vector,
rescore, fuse; the rest is loading the papers, rendering and Django), in wall-clock ms per query.
``time.process_time()`` does not count time spent waiting for the CPU, so on a busy machine it
moves much less than wall-clock figures. To compare with another checkout, run it from there
with ``PYTHONPATH=<checkout>``.
"""

from __future__ import annotations

import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402

from paperfeed.catalog.models import Paper  # noqa: E402
from paperfeed.search import metrics_stages  # noqa: E402
from paperfeed.search.text import STOPWORDS, words  # noqa: E402


def title_queries(count: int, *, seed: int = 7) -> list[str]:
    """``count`` distinct three-word queries: adjacent non-stop words of real titles."""
    rng = random.Random(seed)
    titles = list(Paper.objects.exclude(arxiv_id__startswith="copy").values_list("title", flat=True)[:5000])
    queries: dict[str, None] = {}
    while len(queries) < count:
        kept = [w for w in words(rng.choice(titles)) if w not in STOPWORDS and len(w) > 2]
        if len(kept) >= 3:
            start = rng.randrange(len(kept) - 2)
            queries[" ".join(kept[start : start + 3])] = None
    return list(queries)


def cpu_ms(client: Client, path: str, queries: list[str]) -> float:
    """CPU milliseconds per GET of ``path?q=…`` over ``queries``."""
    started = time.process_time()
    for query in queries:
        assert client.get(path, {"q": query}).status_code == 200
    return (time.process_time() - started) / len(queries) * 1000


STAGES = ("keyword", "embed", "vector", "rescore", "fuse")


def stage_seconds() -> dict[str, float]:
    """Seconds spent so far in each search stage (the sums of the stage histogram)."""
    return {name: getattr(metrics_stages, name.upper())._sum.get() for name in STAGES}


def forget_renderings() -> bool:
    """Forget the results and renderings (this worker's and the shared ones), not the kept rankings,
    as a worker sees a search once its rendering expired; False where this tree keeps no ranking."""
    from django.core.cache import caches

    from paperfeed.api import search as api_search
    from paperfeed.search import rendered, services, views

    if not hasattr(services, "Ranking"):
        return False
    services.RESULTS.clear()
    caches["pages"].clear()  # the anonymous answers the page cache replays
    # New names: the shared cache holds the renderings under the old ones until they expire.
    views.FRAGMENTS = rendered.RenderedStore(f"page-{time.time()}", 2048)
    api_search.BODIES = rendered.RenderedStore(f"api-{time.time()}", 2048)
    return True


def main() -> None:
    label = sys.argv[1] if len(sys.argv) > 1 else "this tree"
    from django.conf import settings

    if "search" in settings.CACHES:  # the machine's shared renderings: none left from an earlier run
        from django.core.cache import caches

        caches["search"].clear()
    queries = title_queries(400)
    client = Client()
    cpu_ms(client, "/search", queries[:200])  # warm-up
    figures, stages = [], []
    for path, batch in (("/search", queries[200:300]), ("/api/papers/search", queries[300:400])):
        before = stage_seconds()
        fresh = cpu_ms(client, path, batch)
        spent = {name: (seconds - before[name]) / len(batch) * 1000 for name, seconds in stage_seconds().items()}
        stages.append(f"{path}: " + ", ".join(f"{name} {ms:.2f}" for name, ms in spent.items()))
        time.sleep(2.1)  # past a 2 s result memo
        repeated = cpu_ms(client, path, batch)
        ranked = cpu_ms(client, path, batch) if forget_renderings() else float("nan")
        figures.append(f"{path}: new {fresh:.1f} ms, repeated {repeated:.2f} ms, ranking kept {ranked:.2f} ms")
    print(f"{label} | CPU per request: " + "; ".join(figures))
    print(f"{label} | stages of a new query, ms: " + "; ".join(stages))


if __name__ == "__main__":
    main()
