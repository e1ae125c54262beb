"""Garbage-collection pauses of a search worker: one process, the production WSGI application.

    PAPERFEED_DATA_DIR=var/bench/search-80000 .venv/bin/python bench/search_gc.py [--no-freeze] [--memo N]

Imports ``paperfeed.web.serving`` as a gunicorn worker does (warm-up search, then ``gc.freeze()``),
runs 200 warm-up searches (after which the worker freezes its heap again: ``web/freezing.py``),
then 1,200 new three-word title queries alternating between the page and the API, and reports
every collection the cycle collector ran meanwhile (count, total and longest pause by
generation), the requests' p50 / p99 / max, and one full collection at the end. ``--no-freeze``
unfreezes the heap after start-up and never freezes it again (a worker without either);
``--memo N`` sizes the per-worker result memo (``search.services.RESULTS``, 128 by default).
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from paperfeed.web.serving import application  # noqa: E402  (sets Django up, warms up, freezes)

from bench.search_cpu import title_queries  # noqa: E402


def get(path: str, query: str) -> None:
    """One GET through the WSGI application, as gunicorn would call it."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": urllib.parse.urlencode({"q": query}),
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "localhost",
               "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr}
    status = []
    b"".join(application(environ, lambda s, headers, exc_info=None: status.append(s)))
    assert status[0].startswith("200"), status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-freeze", action="store_true", help="Never freeze the heap.")
    parser.add_argument("--memo", type=int, default=0, help="Result memo size (default: the code's).")
    args = parser.parse_args()
    from django.core.cache import caches

    from paperfeed.search import services
    from paperfeed.search.cache import TtlLru

    if args.no_freeze:
        gc.unfreeze()
        application.left = 0  # FreezeWhenWarm: no second freeze either
    if args.memo:
        services.RESULTS = TtlLru(args.memo)
    caches["search"].clear()  # no renderings left from an earlier run
    queries = title_queries(1400)
    for query in queries[:200]:
        get("/search", query)
    pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
    started: list[float] = []

    def timer(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(time.perf_counter())
        else:
            pauses[info["generation"]].append(time.perf_counter() - started.pop())

    gc.callbacks.append(timer)
    latencies = []
    for i, query in enumerate(queries[200:]):
        begin = time.perf_counter()
        get("/search" if i % 2 else "/api/papers/search", query)
        latencies.append(time.perf_counter() - begin)
    gc.callbacks.remove(timer)
    latencies.sort()
    label = f"{'not frozen' if args.no_freeze else 'frozen'}, memo {services.RESULTS.maxsize}"
    for generation, times in pauses.items():
        if times:
            print(f"{label} | generation {generation}: {len(times)} collections, {sum(times) * 1000:.1f} ms in all, "
                  f"longest {max(times) * 1000:.1f} ms")
    print(f"{label} | requests p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
          f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    begin = time.perf_counter()
    gc.collect()
    print(f"{label} | a full collection now: {(time.perf_counter() - begin) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
