"""How the Zipf search workload is answered, in one process: replayed without Django, remembered, or searched.

    .venv/bin/python bench/search_replay.py --data-dir var/bench/search-80000 --baseline /tmp/base [--kind page]

Sends the Zipf query sequence of ``bench/web_search.py`` (5,000 distinct queries, popularity ∝
1/rank, the same draws for every tree) straight into ``paperfeed.web.serving.application``, the
WSGI stack that ``paperfeed serve`` runs, with the page cache as deployed (2 s): 4,000 warm-up
requests, then 6,000 measured. Each answer is counted as *replayed* (the page cache's fast path
answered it; Django never ran), *remembered* (Django ran, the results were remembered) or
*searched*, with its mean CPU time. The counts move much less with the machine's speed than
wrk's figures do (only the page cache's 2 s and the results' 60 s are wall-clock time); the CPU
times move with it. Each tree (this checkout and ``--baseline``)
runs in a process of its own with an empty search cache of its own, alternately.
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import web, web_search  # noqa: E402

WARM, MEASURED = 4000, 6000


def _environ(path: str, query: str) -> dict:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": urllib.parse.urlencode({"q": query}),
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1:8000",
            "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}


def child(name: str, kind: str) -> None:
    """Run the sequence through this tree's WSGI application (the working directory's) and print one result line."""
    sys.path.insert(0, os.getcwd())  # that tree's paperfeed, ahead of this checkout's
    from django.core.handlers.wsgi import WSGIHandler

    from paperfeed.web.serving import application

    reached = [0]
    django_call = WSGIHandler.__call__

    def counting(self, environ, start_response):
        reached[0] += 1
        return django_call(self, environ, start_response)

    WSGIHandler.__call__ = counting  # how many answers needed Django
    count: collections.Counter = collections.Counter()
    cpu: collections.Counter = collections.Counter()

    def send(query: str) -> None:
        headers: dict = {}
        before, start = reached[0], time.process_time()
        b"".join(application(_environ(path, query), lambda status, h, exc=None: headers.update(h)))
        how = "replayed" if reached[0] == before else "remembered" if headers.get("X-Search-Cache") == "hit" else "searched"
        count[how] += 1
        cpu[how] += time.process_time() - start

    path = "/search" if kind == "page" else "/api/papers/search"
    pool = web_search.query_pool(5000, seed=1)
    for query in web_search.zipf_draws(pool, WARM, exponent=1.0, seed=2):
        send(query)
    count.clear()
    cpu.clear()
    for query in web_search.zipf_draws(pool, MEASURED, exponent=1.0, seed=3):
        send(query)
    parts = [f"{how} {count[how]:>5} ({cpu[how] / max(count[how], 1) * 1000:5.2f} ms)"
             for how in ("replayed", "remembered", "searched")]
    print(f"{name:<9} {kind:<5} " + "  ".join(parts) + f"  all {sum(cpu.values()) / MEASURED * 1000:.2f} ms/request")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="A catalogue built by bench/web_search.py.")
    parser.add_argument("--baseline", type=Path, help="A checkout to compare (git worktree add /tmp/base HEAD).")
    parser.add_argument("--kind", choices=("page", "api"), default="page")
    parser.add_argument("--rounds", type=int, default=2, help="Alternating runs per tree (default 2).")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.kind)
        return
    web.BENCH_DIR = args.data_dir.resolve()
    trees = [("new", web.REPO)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    for _ in range(args.rounds):
        for name, tree in trees:
            env = {**web.bench_env("2"), **web_search._own_search_cache(name)}
            subprocess.run([sys.executable, str(Path(__file__).resolve()), "--data-dir", str(args.data_dir),
                            "--kind", args.kind, "--child", name], env=env, cwd=tree, check=True)


if __name__ == "__main__":
    main()
