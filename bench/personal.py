"""Personal feed: offline evaluation of the ranker against baselines, and its speed.

    .venv/bin/python bench/personal.py eval  [--seeds 3] [--days 6] [--users 40]
    .venv/bin/python bench/personal.py speed [--votes 500] [--requests 200] [--subscribers 100000]
    .venv/bin/python bench/personal.py page  [--votes 500] [--connections 8] [--baseline /tmp/base] [--papers 80000]

**eval** — a proxy built from ../shared/data/arxiv_abstracts (papers with their listing dates)
and ../shared/data/hf_daily_papers (Hugging Face upvotes, for the trending baseline):

* a "user" is an author with at least ``MIN_HISTORY`` papers listed in the ``HISTORY_DAYS``
  before a day D who also has a paper listed on D; their earlier papers are their likes, and
  their most frequent categories (top two) are their chosen categories;
* the candidates are everything listed on D; the relevant papers are those on D by the author or
  by anyone who co-authored one of their earlier papers;
* rankers: the personal ranker (likes + chosen categories, on a pool in trending order),
  trending (Hugging Face upvotes, ties newest first), newest (arXiv id, latest first), random;
* nDCG@10 and recall@50 per user, averaged per day; the split is by date: weights are tuned
  on days of the earlier period (``TUNE``), figures are reported on days of the later one
  (``REPORT``); each seed draws other days and users; the spread is the standard deviation
  over seeds and over days.

**speed** — the For-you ranking for a user with ``--votes`` liked papers over a pool of the
window's papers drawn from ../shared/data (pool and liked rows cached as the site does), p50/p99
per request next to the trending-only baseline; and composing ``--subscribers`` digests with
the ranker next to the composition it replaced (the last committed ``paperfeed/digests/compose.py``
that ranked on its own).

**page** — GET /for-you over HTTP: ``paperfeed serve`` with 2 workers for this tree and, with
``--baseline``, for a checkout of the baseline, over one catalogue (the 74,728 papers of
../shared/data/arxiv_abstracts topped up to ``--papers`` with perturbed copies, built once under
``--dir``); a reader with ``--votes`` votes; wrk with ``--connections`` connections, servers
alternating round by round; p50/p99 and the servers' CPU ms per request.
"""

from __future__ import annotations

import argparse
import collections
import csv
import dataclasses
import datetime as dt
import gzip
import itertools
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED = Path(os.environ.get("PAPERFEED_SHARED_DATA", REPO.parent / "shared" / "data"))

from paperfeed.catalog.authors import author_key  # noqa: E402
from paperfeed.personal.ranker import Liked, Signals, Weights, liked_rows, liked_sims, rank  # noqa: E402
from paperfeed.personal.textmodel import Candidate, CandidatePool  # noqa: E402

NOW = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)  # after every listing: nothing is "from the future"
TUNE = (dt.date(2025, 5, 1), dt.date(2025, 10, 31))
REPORT = (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
HISTORY_DAYS, MIN_HISTORY, MAX_LIKES = 180, 3, 50
GRID = {"liked": (1.0, 2.0, 4.0), "centroid": (0.0, 1.0, 2.0), "category": (0.0, 0.5, 1.0)}


# --- data --------------------------------------------------------------------------------------
def load_papers() -> dict[str, dict]:
    """arXiv id -> {title, text, authors (keys), categories, date} from ../shared/data."""
    folder = SHARED / "arxiv_abstracts"
    dates: dict[str, dt.date] = {}
    with gzip.open(folder / "manifest.tsv.gz", "rt") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            dates[row["id"]] = dt.date.fromisoformat(row["listing_date"])
    papers = {}
    for shard in sorted(folder.glob("arxiv_api_records_*.jsonl.gz")):
        with gzip.open(shard, "rt") as f:
            for line in f:
                r = json.loads(line)
                if r["id"] in dates:
                    papers[r["id"]] = {
                        "title": " ".join(r["title"].split()), "text": f"{r['title']}\n{r['summary']}",
                        "authors": tuple(dict.fromkeys(k for k in map(author_key, r["authors"]) if k)),
                        "categories": tuple(r["categories"]), "date": dates[r["id"]],
                    }
    return papers


def load_upvotes() -> dict[str, int]:
    """arXiv id -> Hugging Face upvotes (the trending baseline's signal)."""
    out: dict[str, int] = {}
    for shard in sorted((SHARED / "hf_daily_papers").glob("daily_papers_20*.jsonl.gz")):
        with gzip.open(shard, "rt") as f:
            for line in f:
                for item in json.loads(line).get("papers", ()):
                    p = (item.get("paper") or {}) if isinstance(item, dict) else {}  # a few entries are not objects
                    if p.get("id"):
                        out[p["id"]] = max(out.get(p["id"], 0), int(p.get("upvotes") or 0))
    return out


def id_order(arxiv_id: str) -> tuple[int, int]:
    head, _, tail = arxiv_id.partition(".")
    return int(head), int(tail)


# --- the proxy -----------------------------------------------------------------------------------
class Proxy:
    """Days, their listings, and each author's history."""

    def __init__(self, papers: dict[str, dict], upvotes: dict[str, int]):
        self.papers, self.upvotes = papers, upvotes
        self.by_day: dict[dt.date, list[str]] = collections.defaultdict(list)
        self.by_author: dict[str, list[str]] = collections.defaultdict(list)
        for pid, p in papers.items():
            self.by_day[p["date"]].append(pid)
            for a in p["authors"]:
                self.by_author[a].append(pid)
        # Trending order (most upvoted, then newest) is the pool's order, as on the site.
        for day in self.by_day:
            self.by_day[day].sort(key=lambda pid: (-upvotes.get(pid, 0), tuple(-x for x in id_order(pid))))

    def days(self, period: tuple[dt.date, dt.date]) -> list[dt.date]:
        return sorted(d for d in self.by_day if period[0] <= d <= period[1] and len(self.by_day[d]) >= 50)

    def users(self, day: dt.date) -> list[tuple[str, list[str], set[str]]]:
        """(author, liked ids, relevant ids on ``day``) for every qualifying author listed that day."""
        start = day - dt.timedelta(days=HISTORY_DAYS)
        out = []
        for a in sorted({a for pid in self.by_day[day] for a in self.papers[pid]["authors"]}):
            history = [p for p in self.by_author[a] if start <= self.papers[p]["date"] < day]
            if len(history) < MIN_HISTORY:
                continue
            circle = {a} | {b for p in history for b in self.papers[p]["authors"]}
            relevant = {p for p in self.by_day[day] if circle.intersection(self.papers[p]["authors"])}
            history.sort(key=lambda p: self.papers[p]["date"], reverse=True)
            out.append((a, history[:MAX_LIKES], relevant))
        return out

    def pool(self, day: dt.date) -> CandidatePool:
        ids = self.by_day[day]
        return CandidatePool([
            Candidate(i, self.papers[pid]["title"], self.papers[pid]["text"], self.papers[pid]["categories"],
                      float(self.upvotes.get(pid, 0)), "trending")
            for i, pid in enumerate(ids)
        ])


def ndcg10(order: list[str], relevant: set[str]) -> float:
    gains = sum(1 / np.log2(i + 2) for i, pid in enumerate(order[:10]) if pid in relevant)
    ideal = sum(1 / np.log2(i + 2) for i in range(min(10, len(relevant))))
    return gains / ideal if ideal else 0.0


def recall50(order: list[str], relevant: set[str]) -> float:
    return len(relevant.intersection(order[:50])) / len(relevant) if relevant else 0.0


def signals_of(proxy: Proxy, liked: list[str]) -> Signals:
    cats = collections.Counter(proxy.papers[p]["categories"][0] for p in liked)
    return Signals(
        liked=tuple(Liked(-1 - n, proxy.papers[p]["title"], proxy.papers[p]["text"]) for n, p in enumerate(liked)),
        categories=tuple(c for c, _ in cats.most_common(2)),
    )


def evaluate_day(proxy: Proxy, day: dt.date, users: list, weights_list: list[Weights], rng: random.Random) -> dict:
    """Mean metrics on one day for the baselines and each weight setting."""
    pool = proxy.pool(day)
    ids = proxy.by_day[day]
    newest = sorted(ids, key=id_order, reverse=True)
    sums: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0])
    for _author, liked, relevant in users:
        shuffled = ids[:]
        rng.shuffle(shuffled)
        orders = {"trending": ids, "newest": newest, "random": shuffled}
        signals = signals_of(proxy, liked)
        signals = dataclasses.replace(signals, liked_sims=liked_sims(pool, signals.liked))  # once per user
        for n, w in enumerate(weights_list):
            orders[f"ranker{n}"] = [ids[r.paper_id] for r in rank(pool, signals, NOW, limit=50, weights=w)]
        for name, order in orders.items():
            sums[name][0] += ndcg10(order, relevant)
            sums[name][1] += recall50(order, relevant)
    return {name: (a / len(users), b / len(users)) for name, (a, b) in sums.items()}


def sample(proxy: Proxy, period, days: int, users: int, seed: int) -> list[tuple[dt.date, list]]:
    rng = random.Random(seed)
    chosen = rng.sample(proxy.days(period), days)
    out = []
    for day in sorted(chosen):
        people = proxy.users(day)
        out.append((day, rng.sample(people, min(users, len(people)))))
    return out


def run_eval(args) -> None:
    t0 = time.perf_counter()
    proxy = Proxy(load_papers(), load_upvotes())
    print(f"loaded {len(proxy.papers):,} papers, {sum(1 for v in proxy.upvotes.values() if v):,} with upvotes "
          f"in {time.perf_counter() - t0:.1f} s")
    grid = [Weights(liked=a, centroid=b, category=c) for a, b, c in itertools.product(*GRID.values())]
    tune_days = sample(proxy, TUNE, args.days, args.users, seed=1000)
    scores = collections.defaultdict(list)
    for day, users in tune_days:
        for name, (nd, _r) in evaluate_day(proxy, day, users, grid, random.Random(0)).items():
            scores[name].append(nd)
    best_n = max(range(len(grid)), key=lambda n: statistics.mean(scores[f"ranker{n}"]))
    best = grid[best_n]
    print(f"tuned on {len(tune_days)} days of {TUNE[0]}..{TUNE[1]}: liked={best.liked} centroid={best.centroid} "
          f"category={best.category} (tune nDCG@10 {statistics.mean(scores[f'ranker{best_n}']):.3f}; "
          f"default {statistics.mean(scores[f'ranker{grid.index(Weights())}']):.3f})")
    per_seed: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    per_day: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    n_users = 0
    for seed in range(args.seeds):
        days = sample(proxy, REPORT, args.days, args.users, seed=seed)
        seed_rows = collections.defaultdict(list)
        for day, users in days:
            n_users += len(users)
            for name, pair in evaluate_day(proxy, day, users, [best], random.Random(seed)).items():
                name = "personal ranker" if name == "ranker0" else name
                seed_rows[name].append(pair)
                per_day[name].append(pair)
        for name, rows in seed_rows.items():
            per_seed[name].append((statistics.mean(r[0] for r in rows), statistics.mean(r[1] for r in rows)))
    print(f"\nreported on {REPORT[0]}..{REPORT[1]}: {args.seeds} seeds × {args.days} days, {n_users} user-days "
          f"({time.perf_counter() - t0:.0f} s in all)\n")
    print("| ranker | nDCG@10 | ± sd seeds | ± sd days | recall@50 | ± sd seeds | ± sd days |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in ("personal ranker", "trending", "newest", "random"):
        s, d = per_seed[name], per_day[name]
        sd = lambda xs: statistics.stdev(xs) if len(xs) > 1 else 0.0  # noqa: E731
        print(f"| {name} | {statistics.mean(x[0] for x in s):.3f} | {sd([x[0] for x in s]):.3f} | {sd([x[0] for x in d]):.3f} "
              f"| {statistics.mean(x[1] for x in s):.3f} | {sd([x[1] for x in s]):.3f} | {sd([x[1] for x in d]):.3f} |")


# --- speed ---------------------------------------------------------------------------------------
def percentile(xs: list[float], q: float) -> float:
    return float(np.percentile(np.array(xs), q))


def run_speed(args) -> None:
    papers = load_papers()
    ids = sorted(papers, key=id_order)
    print(f"catalogue: {len(ids):,} papers from ../shared/data")
    if args.only_compose:
        run_compose_speed(args, papers, ids)
        return
    rng = random.Random(7)
    window = ids[-args.pool:]  # the For-you pool: the latest window (PERSONAL_CANDIDATES)
    t = time.perf_counter()
    pool = CandidatePool([Candidate(i, papers[p]["title"], papers[p]["text"], papers[p]["categories"], 0.0, "trending",
                                    authors=papers[p]["authors"]) for i, p in enumerate(window)])
    print(f"pool of {len(pool)} papers vectorised once per process in {time.perf_counter() - t:.2f} s")
    liked_ids = rng.sample(ids[:-args.pool], args.votes)  # 500 votes spread over the catalogue
    liked = tuple(Liked(10**7 + n, papers[p]["title"], papers[p]["text"]) for n, p in enumerate(liked_ids))
    t = time.perf_counter()
    rows = liked_rows(pool, liked)
    first = time.perf_counter() - t
    sims = liked_sims(pool, liked, rows)
    print(f"{args.votes} liked papers: vectorised in {first * 1000:.0f} ms, closeness to the pool in "
          f"{(time.perf_counter() - t - first) * 1000:.0f} ms (first view after a vote or a pool rebuild; then cached)")
    follows = {papers[p]["authors"][0]: "x" for p in rng.sample(ids, 50) if papers[p]["authors"]}
    common = dict(liked=liked, followed_authors=follows, categories=("cs.CL",), topics=("retrieval augmented generation",),
                  not_authors={"nobody"}, exclude=set(range(0, 200, 3)))
    cases = (("baseline: trending only (no signals)", Signals()),
             (f"For you, {args.votes} votes, cached closeness", Signals(liked_sims=sims, **common)),
             (f"For you, {args.votes} votes, uncached (rows cached)", Signals(liked_matrix=rows, **common)))
    for label, sig in cases:
        times = []
        for _ in range(args.requests):
            t = time.perf_counter()
            rank(pool, sig, NOW, limit=50)
            times.append((time.perf_counter() - t) * 1000)
        print(f"{label}: p50 {percentile(times, 50):.1f} ms, p99 {percentile(times, 99):.1f} ms over {args.requests} rankings")
    run_compose_speed(args, papers, ids)


def run_compose_speed(args, papers: dict, ids: list[str]) -> None:
    import subprocess
    import types

    from paperfeed.digests.compose import Prefs, compose

    rng = random.Random(3)
    cands = [Candidate(i, papers[p]["title"], papers[p]["text"], papers[p]["categories"], float(200 - i), "trending")
             for i, p in enumerate(rng.sample(ids, 200))]
    topics = ["language models", "video diffusion", "robot learning", "graph neural networks", "speech recognition",
              "reinforcement learning", "retrieval", "medical imaging", "3d reconstruction", "code generation"]
    prefs = [Prefs(size=10, topics=tuple(rng.sample(topics, rng.randint(0, 2))),
                   include_categories=tuple(rng.sample(["cs.CL", "cs.CV", "cs.LG", "cs."], rng.randint(0, 1))))
             for _ in range(1000)]
    old_src = ""  # the last committed compose.py that still ranked on its own: the baseline
    commits = subprocess.run(["git", "rev-list", "HEAD", "--", "paperfeed/digests/compose.py"], capture_output=True,
                             text=True, cwd=REPO).stdout.split()
    for commit in commits:
        src = subprocess.run(["git", "show", f"{commit}:paperfeed/digests/compose.py"], capture_output=True, text=True,
                             cwd=REPO).stdout
        if "personal.ranker" not in src:
            old_src = src
            break
    runs = [("ranker (compose -> personal.rank)", compose, Prefs, CandidatePool(cands))]
    if "def profile_vector" in old_src and "personal.ranker" not in old_src:
        old = types.ModuleType("old_compose")
        sys.modules["old_compose"] = old  # dataclasses look their module up
        exec(compile(old_src, "old_compose", "exec"), old.__dict__)  # the composition this replaced, as a baseline
        old_pool = old.CandidatePool([old.Candidate(*dataclass_values(c)) for c in cands])
        runs.insert(0, ("baseline: the previous compose.py", old.compose, old.Prefs, old_pool))
    # Interleaved in chunks of 10,000, so that a busy machine slows every contender alike.
    totals = [0.0] * len(runs)
    for start in range(0, args.subscribers, 10_000):
        for r, (_label, fn, prefs_cls, pool) in enumerate(runs):
            t = time.perf_counter()
            for n in range(start, min(start + 10_000, args.subscribers)):
                p = prefs[n % len(prefs)]
                fn(pool, prefs_cls(size=p.size, topics=p.topics, include_categories=p.include_categories), (), NOW)
            totals[r] += time.perf_counter() - t
    for (label, *_), total in zip(runs, totals):
        print(f"{label}: {args.subscribers:,} subscribers composed in {total:.1f} s (budget 7 s)")


def dataclass_values(c: Candidate) -> tuple:
    return (c.paper_id, c.title, c.text, c.categories, c.score, c.reason, c.published_at)


# --- the For-you page over HTTP ---------------------------------------------------------------
def perturbed_copies(path: Path, count: int, *, seed: int = 11) -> None:
    """Write ``count`` perturbed copies of real papers (new ids, shuffled sentences, the original's listing day)."""
    folder = SHARED / "arxiv_abstracts"
    with gzip.open(folder / "manifest.tsv.gz", "rt") as f:
        dates = {row["id"]: row["listing_date"] for row in csv.DictReader(f, delimiter="\t")}
    records = []
    for shard in sorted(folder.glob("arxiv_api_records_*.jsonl.gz")):
        with gzip.open(shard, "rt") as f:
            records += [r for r in map(json.loads, f) if r["id"] in dates]
    rng = random.Random(seed)
    with gzip.open(path, "wt") as out:
        for n, r in enumerate(rng.sample(records, count)):
            sentences = r["summary"].split(". ")
            rng.shuffle(sentences)
            words = r["title"].split()
            cut = rng.randrange(len(words)) if words else 0
            copy = {**r, "id": f"1901.{n + 1:05d}", "title": " ".join(words[cut:] + words[:cut]),
                    "summary": ". ".join(sentences), "listing_date": dates[r["id"]],
                    "authors": rng.sample(r["authors"], len(r["authors"]))}
            out.write(json.dumps(copy) + "\n")


def build_catalogue(data: Path, env: dict, *, shards: int, papers: int) -> None:
    """Migrate and ingest the newest ``shards`` of ../shared/data, topped up to ``papers`` with perturbed copies (once)."""
    import subprocess

    from web import CLI

    if (data / "paperfeed.sqlite3").exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    files = sorted((SHARED / "arxiv_abstracts").glob("arxiv_api_records_*.jsonl.gz"))[-shards:]
    subprocess.run([*CLI, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=REPO)
    t = time.perf_counter()
    subprocess.run([*CLI, "ingest", "--no-progress", *map(str, files)], env=env, cwd=REPO)
    real = sum(1 for f in files for _ in gzip.open(f, "rt"))
    if papers > real:
        copies = data / "perturbed_copies.jsonl.gz"
        perturbed_copies(copies, papers - real)
        subprocess.run([*CLI, "ingest", "--no-progress", str(copies)], env=env, cwd=REPO)
    print(f"ingested {len(files)} shards (+ copies up to {papers:,}) in {time.perf_counter() - t:.0f} s")


def run_page(args) -> None:
    """``paperfeed serve`` (2 workers) of the baseline and of this tree over one catalogue; a reader with ``--votes`` votes."""
    import subprocess
    import urllib.request

    sys.path.insert(0, str(REPO / "bench"))
    from web import _descendants, _ms, cpu_seconds, free_port  # the web benchmark's helpers

    data = Path(args.dir)
    env = {**os.environ, "PAPERFEED_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
           "PAPERFEED_LOG_LEVEL": "ERROR", "PAPERFEED_PAGE_CACHE_SECONDS": "0"}
    os.environ.update(env)
    build_catalogue(data, env, shards=args.shards, papers=args.papers)
    cookie = bench_reader(args.votes)
    trees = [("new (this tree)", REPO)] + ([("baseline", Path(args.baseline))] if args.baseline else [])
    servers = []
    try:
        for label, tree in trees:
            port = free_port()
            proc = subprocess.Popen([sys.executable, "-m", "paperfeed.cli", "serve", "--port", str(port), "--workers", "2"],
                                    env={**env, "PYTHONPATH": str(tree)}, cwd=tree,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            servers.append((label, f"http://127.0.0.1:{port}", proc))
            wait_for(servers[-1][1], proc)  # one at a time: both collect static files into the data directory
        for label, url, proc in servers:
            request = urllib.request.Request(url + "/for-you", headers={"Cookie": cookie})
            for n in range(4):  # each worker builds its pool and the reader's ranking
                t = time.perf_counter()
                with urllib.request.urlopen(request, timeout=120) as resp:
                    assert b"pf-reasons" in resp.read(), "the For-you page has no reasons"
                print(f"{label}: view {n + 1} {(time.perf_counter() - t) * 1000:.0f} ms")
        results: dict[str, list[dict]] = {label: [] for label, _, _ in servers}
        for n in range(args.rounds + 1):  # alternate, so that a busy machine slows both alike; round 0 warms up
            for label, url, proc in servers:
                pids = _descendants(proc.pid)
                before = cpu_seconds(pids)
                out = subprocess.run(["wrk", "-t", "2", "-c", str(args.connections), "-d", f"{args.seconds}s", "--latency",
                                      "--timeout", "10s", "-H", f"Cookie: {cookie}", url + "/for-you"],
                                     capture_output=True, text=True, check=True).stdout
                if n == 0:  # every worker has built its pool and the reader's ranking now
                    continue
                total = int(re.search(r"(\d+) requests in", out)[1])
                bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
                results[label].append({"p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1]),
                                       "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1]), "requests": total,
                                       "bad": int(bad[1]) if bad else 0,
                                       "cpu_ms": (cpu_seconds(pids) - before) * 1000 / max(total, 1)})
        print(f"GET /for-you, {args.votes} votes, {args.connections} connections (wrk), 2 workers each, "
              f"{args.rounds} alternating rounds of {args.seconds} s:")
        for label, rows in results.items():
            print(f"  {label}: p50 {statistics.median(r['p50'] for r in rows):.1f} ms, "
                  f"p99 {statistics.median(r['p99'] for r in rows):.1f} ms (worst round {max(r['p99'] for r in rows):.1f}), "
                  f"CPU {statistics.median(r['cpu_ms'] for r in rows):.1f} ms/request, "
                  f"{sum(r['requests'] for r in rows)} requests, {sum(r['bad'] for r in rows)} non-2xx")
    finally:
        for _, _, proc in servers:
            proc.send_signal(2)  # SIGINT, like Ctrl-C
            proc.wait(timeout=30)
    view_cpu(requests=20)


def view_cpu(*, requests: int) -> None:
    """In this process (this tree): CPU per view with the reader's list kept, and after each of their writes."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from paperfeed.personal.models import ReadMark

    user = get_user_model().objects.get(username="bench-reader")
    client = Client()
    client.force_login(user)
    client.get("/for-you")
    spent = {"list kept": 0.0, "after a write (re-rank and re-render)": 0.0}
    for n in range(requests):
        t = time.process_time()
        client.get("/for-you")
        spent["list kept"] += time.process_time() - t
        if n % 2:  # a read mark on, then off: the write stamp changes every time
            ReadMark.objects.filter(user=user).delete()
        else:
            ReadMark.objects.create(user=user, paper_id=voted_paper(user))
        t = time.process_time()
        client.get("/for-you")
        spent["after a write (re-rank and re-render)"] += time.process_time() - t
    ReadMark.objects.filter(user=user).delete()
    print("in process, this tree, CPU per view: " + ", ".join(f"{k} {v * 1000 / requests:.1f} ms" for k, v in spent.items()))


def voted_paper(user) -> int:
    """Any paper the reader voted for (a read mark on it changes nothing else)."""
    from paperfeed.community.models import Vote

    return Vote.objects.filter(user=user).values_list("paper_id", flat=True).first()


def bench_reader(votes: int) -> str:
    """The bench reader (``votes`` votes over the whole catalogue, a category, a topic): their session cookie."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from paperfeed.catalog.models import Paper
    from paperfeed.community.models import Vote
    from paperfeed.personal.services import set_interests

    user, made = get_user_model().objects.get_or_create(username="bench-reader")
    if made or not Vote.objects.filter(user=user).exists():
        ids = list(Paper.objects.values_list("id", flat=True))
        Vote.objects.bulk_create([Vote(user=user, paper_id=pid) for pid in random.Random(5).sample(ids, votes)])
        set_interests(user, categories=["cs.CL"], topics=["retrieval augmented generation"], arxiv_text="")
    client = Client()
    client.force_login(user)
    client.get("/for-you/interests")  # sets the CSRF cookie a browser would send back
    print(f"catalogue: {Paper.objects.count():,} papers; reader with {Vote.objects.filter(user=user).count()} votes")
    return "; ".join(f"{name}={client.cookies[name].value}" for name in ("sessionid", "csrftoken"))


def wait_for(url: str, proc) -> None:
    """Wait until ``paperfeed serve`` answers (collectstatic and imports are slow on a busy machine)."""
    import urllib.request

    deadline = time.monotonic() + 300
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=60).read()
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                sys.exit(f"paperfeed serve at {url} did not answer")
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    e = sub.add_parser("eval", help="offline evaluation against baselines")
    e.add_argument("--seeds", type=int, default=3)
    e.add_argument("--days", type=int, default=6)
    e.add_argument("--users", type=int, default=40)
    s = sub.add_parser("speed", help="For-you ranking and digest composition speed")
    s.add_argument("--votes", type=int, default=500)
    s.add_argument("--pool", type=int, default=1500)
    s.add_argument("--requests", type=int, default=200)
    s.add_argument("--subscribers", type=int, default=100_000)
    s.add_argument("--only-compose", action="store_true", help="only the digest composition")
    g = sub.add_parser("page", help="the For-you page over HTTP (paperfeed serve, 2 workers)")
    g.add_argument("--votes", type=int, default=500)
    g.add_argument("--connections", type=int, default=8)
    g.add_argument("--seconds", type=int, default=10, help="length of one wrk round")
    g.add_argument("--rounds", type=int, default=3, help="rounds per server, alternating")
    g.add_argument("--baseline", default="", help="a checkout of the baseline (git worktree add /tmp/base HEAD)")
    g.add_argument("--shards", type=int, default=32, help="newest arXiv shards of ../shared/data to ingest (32: all)")
    g.add_argument("--papers", type=int, default=80_000, help="top the catalogue up to this many with perturbed copies")
    g.add_argument("--dir", default=str(REPO / "var" / "bench" / "personal"), help="data directory (reused)")
    args = parser.parse_args()
    {"eval": run_eval, "speed": run_speed, "page": run_page}[args.what](args)


if __name__ == "__main__":
    main()
