"""Search under load: the search page and the API under the production server, with a baseline checkout.

    .venv/bin/python bench/web_search.py --baseline /tmp/base --duration 10 [--data-dir DIR]

Needs wrk. It loads the search page (``/search?q=…``) and the API
(``/api/papers/search?q=…``) over a catalogue of ``--papers`` (default 80,000: the real
arXiv set plus perturbed copies, built once under var/bench/search-N/, see
``ensure_search_catalogue``), at 100 and at 8 connections, with two workloads:

* zipf: queries drawn from a pool of ``--pool`` distinct queries (2–4 adjacent words of real
  titles and abstract sentences) with popularity ∝ 1/rank^``--zipf``, after ``--warmup`` seconds (default 2) with
  other draws from the same distribution;
* cold: every query new (``--cold`` distinct queries), so every request runs the whole search.

``--baseline DIR`` serves a second checkout (``git worktree add /tmp/base HEAD``) side by side,
loaded alternately with the new code. Rows show req/s, p50, p99, the share of answers with
``X-Search-Cache: hit`` and the server's CPU ms per request. ``--data-dir`` runs against an
existing catalogue instead of building one. Both servers run the page cache as deployed
(``--page-cache-seconds``, default 2) and ``paperfeed serve``'s connection queue
(``PAPERFEED_WEB_QUEUE_PER_WORKER``, as each checkout sets it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import web  # noqa: E402
from bench.web import CLI, REPO, SHARED, Server, _descendants, _django, _ms, bench_env, cpu_seconds, free_port, log  # noqa: E402


def _perturbed_copies(count: int, *, seed: int) -> int:
    """Add ``count`` copies of random real papers: new ids, two title words swapped, dates shifted."""
    import datetime as dt

    from paperfeed.catalog.models import Paper

    rng = random.Random(seed)
    ids = list(Paper.objects.values_list("id", flat=True))
    made = 0
    while made < count:
        batch = []
        for paper in Paper.objects.filter(id__in=rng.sample(ids, min(2000, count - made))):
            words = paper.title.split()
            if len(words) > 3:
                i = rng.randrange(len(words) - 1)
                words[i], words[i + 1] = words[i + 1], words[i]
            shift = dt.timedelta(days=rng.randrange(-400, 0))
            batch.append(Paper(
                arxiv_id=f"copy{made + len(batch):06d}.{paper.arxiv_id}", title=" ".join(words),
                abstract=paper.abstract, authors=paper.authors, categories=paper.categories,
                primary_category=paper.primary_category, submitted_at=paper.submitted_at and paper.submitted_at + shift,
                listing_date=paper.listing_date and paper.listing_date + shift,
            ))
        Paper.objects.bulk_create(batch)
        made += len(batch)
    return made


def _embed_sample(seed: int, sample: int) -> None:
    """Store a vector for every paper: the real model on ``sample`` real titles, the rest borrowed.

    Embedding 80k abstracts takes most of an hour on two busy CPU cores, so the model embeds the
    titles of ``sample`` real papers, and every other paper takes the vector of a random embedded
    paper of its primary category, plus a little noise. The vector index, the cosine scores a
    query meets and the web path cost the same as with every paper embedded; which papers come
    back semantically is not meaningful, and the bench only measures cost.
    """
    import numpy as np

    from paperfeed.catalog.models import Paper
    from paperfeed.search.embedding import get_embedder
    from paperfeed.search.embedding.base import normalise
    from paperfeed.search.models import PaperEmbedding

    embedder = get_embedder()
    rows = list(Paper.objects.exclude(embeddings__model=embedder.name).order_by("id")
                .values_list("id", "primary_category", "title"))
    if not rows:
        return
    rng = random.Random(seed)
    chosen = sorted(rng.sample(range(len(rows)), min(sample, len(rows))))
    vectors = embedder.embed([rows[n][2] for n in chosen], batch_size=128, progress=True)
    by_category: dict[str, list] = {}
    for n, vector in zip(chosen, vectors):
        by_category.setdefault(rows[n][1], []).append(vector)
    pool = list(vectors)
    noise = np.random.default_rng(seed)
    store = []
    for pid, category, _title in rows:
        base = rng.choice(by_category.get(category) or pool)
        vector = normalise(base + noise.normal(0, 0.02, base.shape).astype(np.float32))[0]
        store.append(PaperEmbedding(paper_id=pid, model=embedder.name, dim=int(vector.shape[0]),
                                    vector=PaperEmbedding.pack(vector)))
    PaperEmbedding.objects.bulk_create(store, batch_size=5000, ignore_conflicts=True)


def ensure_search_catalogue(data_dir: Path, papers: int, *, embed_sample: int = 8000, seed: int = 0) -> None:
    """Build (once) a catalogue of ``papers`` under ``data_dir``: the real arXiv set, perturbed copies, vectors."""
    stamp = data_dir / "search-catalogue.json"
    if stamp.exists() and json.loads(stamp.read_text()).get("papers") == papers:
        log(f"Reusing the {papers:,}-paper search catalogue in {data_dir}")
        return
    source = SHARED / "arxiv_abstracts"
    if not source.is_dir():
        sys.exit(f"Shared data not found: {source} (set PAPERFEED_SHARED_DATA).")
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**bench_env("0"), "PAPERFEED_DATA_DIR": str(data_dir)}
    log(f"Building a {papers:,}-paper search catalogue in {data_dir} (once; resumes where it stopped)…")
    subprocess.run([*CLI, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=REPO)
    _django(data_dir)
    from paperfeed.catalog.models import Paper
    from paperfeed.search.services import sync_keyword_index

    if not Paper.objects.exists():
        result = subprocess.run([*CLI, "ingest", "--no-progress", str(source)], env=env, cwd=REPO)
        if result.returncode not in (0, 1):
            sys.exit(f"ingest failed with exit code {result.returncode}")
    missing = papers - Paper.objects.count()
    if missing > 0:
        log(f"  + {_perturbed_copies(missing, seed=seed):,} perturbed copies")
    _embed_sample(seed, embed_sample)
    log(f"  keyword index: {sync_keyword_index()}")
    stamp.write_text(json.dumps({"papers": papers}))


# --- the server -------------------------------------------------------------------------------


def query_pool(size: int, *, seed: int = 0) -> list[str]:
    """``size`` distinct queries as readers type them: 2–4 adjacent words of real titles and abstracts."""
    from paperfeed.catalog.models import Paper
    from paperfeed.search.text import STOPWORDS, words

    rows = list(Paper.objects.exclude(arxiv_id__startswith="copy").order_by("id").values_list("title", "abstract"))
    rng = random.Random(seed)
    pool: dict[str, None] = {}
    while len(pool) < size and rows:
        title, abstract = rng.choice(rows)
        text = title if rng.random() < 0.7 else rng.choice(abstract.split(". ") or [title])
        kept = [w for w in words(text) if w not in STOPWORDS and len(w) > 2]
        n = rng.choice((2, 3, 3, 4))
        if len(kept) >= n:
            start = rng.randrange(len(kept) - n + 1)
            pool[" ".join(kept[start : start + n])] = None
    return list(pool)


def zipf_draws(pool: list[str], count: int, *, exponent: float, seed: int) -> list[str]:
    """``count`` queries drawn from ``pool`` with popularity ∝ 1 / rank^exponent."""
    rng = random.Random(seed)
    weights = [1 / (rank**exponent) for rank in range(1, len(pool) + 1)]
    return rng.choices(pool, weights=weights, k=count)


def _wrk_search_script(paths: list[str], name: str) -> list[str]:
    """A wrk script: each of wrk's threads walks its own share of ``paths`` (never the same request
    twice unless the list repeats it) and counts ``X-Search-Cache: hit`` answers."""
    script = web.BENCH_DIR / f"{name}.lua"
    quoted = ",\n".join(json.dumps(p) for p in paths)
    script.write_text(
        f"paths = {{{quoted}}}\n"
        "local threads, counter = {}, 0\n"
        "function setup(thread) thread:set('tid', counter); counter = counter + 1; table.insert(threads, thread) end\n"
        "i, hits, seen, marked = 0, 0, 0, 0\n"
        "request = function()\n  i = i + 1\n  return wrk.format('GET', paths[((i - 1) * 2 + tid) % #paths + 1])\nend\n"
        "response = function(status, headers, body)\n  seen = seen + 1\n"
        "  if headers['X-Search-Cache'] then marked = marked + 1 end\n"
        "  if headers['X-Search-Cache'] == 'hit' then hits = hits + 1 end\nend\n"
        "done = function(summary, latency, requests)\n  local h, n, m = 0, 0, 0\n"
        "  for _, t in ipairs(threads) do h = h + t:get('hits'); n = n + t:get('seen'); m = m + t:get('marked') end\n"
        "  io.write(string.format('cache hits: %d of %d (%d marked)\\n', h, n, m))\nend\n")
    return ["-s", str(script)]


def load_search(url: str, paths: list[str], *, name: str, duration: float, connections: int) -> dict:
    """wrk (2 threads) over ``paths``; req/s, p50, p99 (ms), requests, errors and the cache hit rate."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration:.0f}s", "--latency", "--timeout", "10s",
         *_wrk_search_script(paths, name), url],
        capture_output=True, text=True, check=True,
    ).stdout
    hits = re.search(r"cache hits: (\d+) of (\d+) \((\d+) marked\)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
            "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1]),
            "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1]),
            "requests": int(re.search(r"(\d+) requests in", out)[1]), "errors": int(errors[1]) if errors else 0,
            "hit_rate": int(hits[1]) / int(hits[2]) if hits and int(hits[3]) else float("nan")}  # nan: no header


ROWS = [(kind, connections) for kind in ("page", "api") for connections in (100, 8)]


def search_workloads(args) -> dict[tuple[str, str, int], tuple[list[str], list[str]]]:
    """Query sequences (warm-up, measured) per (workload, kind, connections).

    zipf: every row draws anew from the same pool, so the rows before it warmed the caches as
    real traffic would; cold: every row gets queries no row has sent (a fifth for its warm-up).
    """
    pool = query_pool(args.pool + args.cold, seed=1)
    popular, fresh = pool[: args.pool], pool[args.pool :]
    draws = 40_000  # more than any run sends: the measured list never wraps around
    share = len(fresh) // len(ROWS)
    sequences = {}
    for n, (kind, connections) in enumerate(ROWS):
        sequences[("zipf", kind, connections)] = (
            zipf_draws(popular, draws, exponent=args.zipf, seed=2 * n + 2),
            zipf_draws(popular, draws, exponent=args.zipf, seed=2 * n + 3))
        mine = fresh[n * share : (n + 1) * share]
        sequences[("cold", kind, connections)] = (mine[: share // 5], mine[share // 5 :])
    return sequences


def run_search(args) -> None:
    """Search rows: page and API, Zipf and cold, 100 and 8 connections, new code and baseline, interleaved."""
    _django(web.BENCH_DIR)
    from paperfeed.search.services import sync_vector_graph

    workloads = search_workloads(args)
    trees = [("new", REPO)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    # Each tree with its own default SEARCH_CACHE_SECONDS unless --search-cache-seconds says otherwise.
    env = {"PAPERFEED_SEARCH_CACHE_SECONDS": args.search_cache_seconds} if args.search_cache_seconds else {}
    if args.ann_threshold:
        env["PAPERFEED_ANN_THRESHOLD"] = str(args.ann_threshold)
    # The saved vector graph both trees memory-map (search/vectorgraph.py), brought up to date
    # here: a web worker never builds one.
    log(f"vector graph: {sync_vector_graph() or 'up to date, or none (the exact index answers)'}")
    # The page cache as deployed (2 s). Each tree gets a search cache of its own, empty: one shared
    # would answer the second tree's searches with what the first rendered.
    servers = {name: Server(port=free_port(), workers=args.workers, cache_seconds=args.page_cache_seconds,
                            env={**env, **_own_search_cache(name)}, cwd=tree) for name, tree in trees}
    rows: list[tuple[str, dict]] = []
    try:
        for server in servers.values():
            server.wait_ready("/search?q=graph+neural+networks", timeout=600)
        for (workload, kind, connections), (warm, measured) in workloads.items():
            prefix = "/search?" if kind == "page" else "/api/papers/search?"
            warm_paths = [prefix + urllib.parse.urlencode({"q": q}) for q in warm]
            paths = [prefix + urllib.parse.urlencode({"q": q}) for q in measured]
            for name, server in servers.items():  # alternately, so both meet the same machine
                log(f"{name} {kind} {workload} c={connections}")
                load_search(server.url + "/", warm_paths, name="warm", duration=args.warmup, connections=connections)
                pids = _descendants(server.proc.pid)
                before = cpu_seconds(pids)
                result = load_search(server.url + "/", paths, name="run", duration=args.duration,
                                     connections=connections)
                result["cpu_ms"] = (cpu_seconds(pids) - before) * 1000 / max(result["requests"], 1)
                rows.append((f"{kind} {workload} c={connections} {name}", result))
    finally:
        for server in servers.values():
            server.stop()
    report_search(args, rows)


def _own_search_cache(name: str) -> dict[str, str]:
    """Environment for a server whose machine-wide search cache is ``BENCH_DIR/cache/search-<name>``, emptied.

    A settings module of the bench's, beside the tree's own: it imports that tree's settings and
    moves only the search cache's folder.
    """
    folder = web.BENCH_DIR / "cache" / f"search-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    modules = web.BENCH_DIR / "bench-settings"
    modules.mkdir(exist_ok=True)
    module = f"search_bench_settings_{name}"
    (modules / f"{module}.py").write_text(
        "from paperfeed.settings import *  # noqa: F403\n"
        f"if CACHES.get('search', {{}}).get('BACKEND', '').endswith('DiskCache'):  # noqa: F405\n"
        f"    CACHES['search'] = {{**CACHES['search'], 'LOCATION': {str(folder)!r}}}  # noqa: F405\n")
    return {"DJANGO_SETTINGS_MODULE": module,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(modules), os.environ.get("PYTHONPATH", "")]))}


def report_search(args, rows: list[tuple[str, dict]]) -> None:
    """Print the search table and the targets."""
    log("")
    log(f"Search over {web.BENCH_DIR} — {args.workers} gunicorn workers, {os.cpu_count()} CPUs (load average "
        f"{os.getloadavg()[0]:.1f}), load by wrk; zipf: {args.pool:,} distinct queries, popularity ∝ 1/rank^{args.zipf}; "
        f"cold: every query new; SEARCH_CACHE_SECONDS {args.search_cache_seconds or 'as each tree sets it'}; "
        f"PAGE_CACHE_SECONDS {args.page_cache_seconds}")
    log(f"{'':<30}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}{'errors':>8}{'hits':>7}{'CPU ms/req':>12}")
    for name, r in rows:
        hits = "n/a" if r["hit_rate"] != r["hit_rate"] else f"{r['hit_rate']:.0%}"
        log(f"{name:<30}{r['rps']:>8.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['requests']:>10}{r['errors']:>8}"
            f"{hits:>7}{r['cpu_ms']:>12.2f}")
    log("target: >= 300 req/s at 100 connections and p99 <= 50 ms at 8 connections, page and API "
        "(req/s and p99 depend on what else the machine runs; CPU ms/req much less)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="Seconds of load per row (default 10).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2).")
    parser.add_argument("--papers", type=int, default=80_000, help="Catalogue size (default 80,000).")
    parser.add_argument("--pool", type=int, default=5000, help="Distinct queries of the Zipf workload (default 5,000).")
    parser.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent of query popularity (default 1.0).")
    parser.add_argument("--cold", type=int, default=8000, help="All-distinct queries for the cold rows (default 8,000).")
    parser.add_argument("--warmup", type=float, default=2, help="Seconds of warm-up load before each row.")
    parser.add_argument("--ann-threshold", type=int, default=0,
                        help="PAPERFEED_ANN_THRESHOLD for both trees (default: each tree's own).")
    parser.add_argument("--baseline", type=Path, help="A checkout of the code to compare (git worktree add /tmp/base HEAD).")
    parser.add_argument("--search-cache-seconds", default=os.environ.get("PAPERFEED_SEARCH_CACHE_SECONDS", ""),
                        help="Override SEARCH_CACHE_SECONDS (default: each tree's own).")
    parser.add_argument("--page-cache-seconds", default="2",
                        help="PAPERFEED_PAGE_CACHE_SECONDS for both trees (default 2, the setting's default).")
    parser.add_argument("--data-dir", type=Path, help="An existing, embedded catalogue to use instead of building one.")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/web_search.py needs wrk (apt-get install wrk).")
    if args.data_dir:
        web.BENCH_DIR = args.data_dir.resolve()
    else:
        web.BENCH_DIR = REPO / "var" / "bench" / f"search-{args.papers}"
        ensure_search_catalogue(web.BENCH_DIR, args.papers)
    run_search(args)


if __name__ == "__main__":
    main()
