"""CPU per search request in one process: the page and the API, new queries and repeated ones.

    PAPERFEED_DATA_DIR=var/bench/search-80000 .venv/bin/python bench/search_cpu.py [label]

Runs against the catalogue of ``PAPERFEED_DATA_DIR`` (bench/web_search.py builds an 80k one)
through Django's test client, so no server, load generator or network is measured: 200 warm-up
searches (models, indexes, the stem memo), then 100 new three-word title queries, then the same
100 again more than 2 s later. ``time.process_time()`` does not count time spent waiting for the
CPU, so on a busy machine it moves much less than wall-clock figures. To compare with another
checkout, run it from there with ``PYTHONPATH=<checkout>``.
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


def main() -> None:
    label = sys.argv[1] if len(sys.argv) > 1 else "this tree"
    from django.conf import settings

    if "search" in settings.CACHES:  # the machine's shared renderings: none left from an earlier run
        from django.core.cache import caches

        caches["search"].clear()
    queries = title_queries(400)
    client = Client()
    cpu_ms(client, "/search", queries[:200])  # warm-up
    figures = []
    for path, batch in (("/search", queries[200:300]), ("/api/papers/search", queries[300:400])):
        fresh = cpu_ms(client, path, batch)
        time.sleep(2.1)  # past a 2 s result memo
        figures.append(f"{path}: new {fresh:.1f} ms, repeated {cpu_ms(client, path, batch):.2f} ms")
    print(f"{label} | CPU per request: " + "; ".join(figures))


if __name__ == "__main__":
    main()
