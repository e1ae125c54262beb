"""Scale benchmark: a catalogue of --n papers (default 1,000,000) on SQLite and on PostgreSQL.

    .venv/bin/python bench/scale.py [--n 1000000] [--backends sqlite,postgres] [--database-url postgres://…]
        [--baseline-n 20000] [--duration 10] [--connections 16] [--queries 200] [--skip-web]

1. Corpus (written once under var/bench/scale/corpus-N/, gzipped arXiv API JSON lines): the 74,728
   real papers of ../shared/data/arxiv_abstracts with their listing dates, then perturbed copies
   until N: each copy drops ~15% of its title and abstract words (as bench/search.py does), keeps
   the real authors, categories and comment, and gets a listing date 28 weeks earlier per round
   (plus 0-4 weeks, moved off weekends; wrapping around to stay in January 2015 or later, the first
   month of five-digit numbers) and a new arXiv id in that month (numbers from 50000, so no copy takes a
   real id).
2. For each backend, a fresh catalogue through the site's own code: ``paperfeed migrate``, then
   ``paperfeed ingest CORPUS`` (the path operators use). Reported: the ingest rate (the command's
   own figure), the keyword index build that the command runs after the load (tantivy's catch-up
   on SQLite; the deferred keyword documents on PostgreSQL), the database size on disk, search
   latency through the site's ``search()`` (keyword only: no vectors are built, so no query is
   embedded; result cache off), and the daily page and paper pages under ``wrk`` with 2
   ``paperfeed serve`` workers and the page cache off (every request reads the database).
3. Baseline: committed code (a ``git worktree`` of --baseline-rev, default HEAD, at /tmp/base-scale, removed after
   the run) ingests the first --baseline-n papers on both backends, beside the new code on the same papers, in the
   same run.

Work folder: var/bench/scale/ (PAPERFEED_BENCH_SCALE_DIR overrides). PostgreSQL: --database-url, else a throw-away server from scripts/pg.sh on PAPERFEED_PG_PORT
(default 54368), stopped at the end. Figures depend on what else the machine runs; CPU time per
request does not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import itertools
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import web  # noqa: E402  (bench/web.py: server start/stop, wrk and its fallback client)

REPO = web.REPO
WORK = Path(os.environ.get("PAPERFEED_BENCH_SCALE_DIR", REPO / "var" / "bench" / "scale"))
SHARED = web.SHARED / "arxiv_abstracts"
BASE_TREE = Path("/tmp/base-scale")
SHARD = 100_000  # records per corpus file
DROP = 0.15  # share of title and abstract words a copy loses
FIRST_DAY = dt.date(2015, 1, 5)  # a Monday of 1501, the first month of arXiv's five-digit numbers


def log(message: str) -> None:
    web.log(message)


# --- the corpus -------------------------------------------------------------------------------


def _real_papers() -> list[dict]:
    """The real papers in shard order, each with its listing date from the manifest."""
    dates: dict[str, str] = {}
    with gzip.open(SHARED / "manifest.tsv.gz", "rt", encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        id_col, date_col = header.index("id"), header.index("listing_date")
        for line in handle:
            cols = line.rstrip("\n").split("\t")
            dates[cols[id_col]] = cols[date_col]
    papers, seen = [], set()
    for path in sorted(SHARED.glob("arxiv_api_records_*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                o = json.loads(line)
                if o["id"] not in seen:
                    seen.add(o["id"])
                    papers.append({"id": o["id"], "title": o["title"], "summary": o["summary"], "authors": o["authors"],
                                   "categories": o["categories"], "comment": o.get("comment"),
                                   "listing_date": dates.get(o["id"])})
    return papers


def _drop_words(words: list[str], rng: np.random.Generator, keep_at_least: int) -> str:
    kept = list(itertools.compress(words, rng.random(len(words)) > DROP))
    return " ".join(kept if len(kept) >= min(keep_at_least, len(words)) else words)


def _copies(real: list[dict], count: int) -> itertools.chain:
    """``count`` perturbed copies, round after round over the real papers (deterministic)."""
    rng = np.random.default_rng(15)
    split = [(p["title"].split(), p["summary"].split()) for p in real]
    numbers: dict[str, int] = {}
    for c in range(count):
        i, rounds = c % len(real), c // len(real) + 1
        paper = real[i]
        listed = dt.date.fromisoformat(paper["listing_date"] or "2026-01-05")
        weeks, span = 28 * rounds + int(rng.integers(0, 5)), max(1, (listed - FIRST_DAY).days // 7)
        # Past January 2015 the copies wrap around: older months had four-digit numbers only.
        day = max(FIRST_DAY, listed - dt.timedelta(weeks=weeks % span if weeks > span else weeks))
        day -= dt.timedelta(days=max(0, day.weekday() - 4))  # a Saturday or Sunday listing becomes Friday's
        month = day.strftime("%y%m")
        numbers[month] = numbers.get(month, 49_999) + 1
        if numbers[month] > 99_999:
            raise SystemExit(f"more than 50,000 copies in {month}: use fewer papers")
        title, abstract = split[i]
        yield {**paper, "id": f"{month}.{numbers[month]:05d}", "title": _drop_words(title, rng, 2),
               "summary": _drop_words(abstract, rng, 5), "listing_date": day.isoformat()}


def ensure_corpus(n: int) -> Path:
    """The corpus folder of ``n`` papers (written once; a stamp marks it complete)."""
    folder = WORK / f"corpus-{n}"
    if (folder / "complete.stamp").is_file():
        log(f"Reusing the corpus in {folder}")
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    real = _real_papers()
    records = itertools.islice(itertools.chain(real, _copies(real, max(0, n - len(real)))), n)
    for number in itertools.count():
        chunk = list(itertools.islice(records, SHARD))
        if not chunk:
            break
        with gzip.open(folder / f"scale_{number:03d}.jsonl.gz", "wt", encoding="utf-8", compresslevel=1) as out:
            out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in chunk)
    (folder / "complete.stamp").write_text(json.dumps({"n": n}))
    log(f"Wrote the corpus of {n:,} papers to {folder} in {time.perf_counter() - started:.0f} s")
    return folder


# --- databases --------------------------------------------------------------------------------


def start_postgres(port: str) -> tuple[str, dict]:
    env = {**os.environ, "PAPERFEED_PG_PORT": port, "PAPERFEED_PG_DIR": str(WORK / f"pg-{port}")}
    out = subprocess.run(["scripts/pg.sh", "start"], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1], env


def fresh_pg_database(server_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server; return its URL."""
    import psycopg

    with psycopg.connect(server_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return server_url.rpartition("/")[0] + f"/{name}"


def postmaster_pid(url: str) -> int:
    """The server's postmaster process id, when it runs on this machine (else 0: no server CPU figures)."""
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        folder = conn.execute("SHOW data_directory").fetchone()[0]
    try:
        return int((Path(folder) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


class Target:
    """One catalogue: a backend, a code tree (today's or the baseline) and where its data lives."""

    def __init__(self, *, label: str, backend: str, tree: Path, data_dir: Path, url: str = "") -> None:
        self.label, self.backend, self.tree, self.data_dir, self.url = label, backend, tree, data_dir, url
        self.postmaster = postmaster_pid(url) if url else 0
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)

    def env(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, "PAPERFEED_DATA_DIR": str(self.data_dir), "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
               "PAPERFEED_LOG_LEVEL": "ERROR", "PYTHONUNBUFFERED": "1", "PAPERFEED_SEARCH_CACHE_SECONDS": "0", **extra}
        env.pop("DATABASE_URL", None)
        if self.url:
            env["DATABASE_URL"] = self.url
        return env

    def cli(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        # ``python -m`` puts the tree first on sys.path: the baseline worktree runs its own code.
        return subprocess.run([sys.executable, "-m", "paperfeed.cli", *args], env=self.env(), cwd=self.tree, **kwargs)

    def size_bytes(self) -> int:
        if self.backend == "sqlite":
            return sum(p.stat().st_size for p in self.data_dir.rglob("*") if p.is_file())
        out = self.cli("shell", "-c", "from django.db import connection\nwith connection.cursor() as c:\n"
                       "    c.execute('SELECT pg_database_size(current_database())'); print(c.fetchone()[0])",
                       capture_output=True, text=True, check=True)
        return int(out.stdout.split()[-1])


def _stat_seconds(pid: int, *, reaped: bool) -> float:
    """User + system CPU seconds of ``pid`` (with ``reaped``: and of its children it has waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(f) for f in fields[11 : 15 if reaped else 13]) / os.sysconf("SC_CLK_TCK")


def server_cpu(target: Target) -> float:
    """CPU seconds the PostgreSQL server has used so far: postmaster, its reaped and live processes."""
    if target.backend != "postgres" or not target.postmaster:
        return 0.0
    pids = web._descendants(target.postmaster)
    return _stat_seconds(target.postmaster, reaped=True) + sum(_stat_seconds(p, reaped=False) for p in pids[1:])


def ingest(target: Target, corpus: Path) -> dict:
    """Migrate, then ``paperfeed ingest``: the load's own rate, the index build after it, and the
    CPU seconds both took (the command with its parsing child, plus the PostgreSQL server)."""
    target.cli("migrate", "--noinput", "-v", "0", check=True)
    started, server0, command0 = time.perf_counter(), server_cpu(target), _children_cpu()
    proc = subprocess.Popen([sys.executable, "-m", "paperfeed.cli", "ingest", "--no-progress", str(corpus)],
                            env=target.env(), cwd=target.tree, stdout=subprocess.PIPE, text=True)
    loaded_at, lines, load_cpu = None, [], 0.0
    for line in proc.stdout:
        lines.append(line.rstrip())
        if loaded_at is None and " records/s)" in line:
            loaded_at = time.perf_counter()  # the load is done; what follows is the final announcement
            load_cpu = _stat_seconds(proc.pid, reaped=True) + server_cpu(target) - server0
    if proc.wait() not in (0, 1):
        raise SystemExit(f"{target.label}: ingest failed:\n" + "\n".join(lines))
    ended = time.perf_counter()
    total_cpu = _children_cpu() - command0 + server_cpu(target) - server0
    summary = next(line for line in lines if " records/s)" in line)
    seconds = float(summary.rsplit(" s, ", 1)[0].rsplit(", ", 1)[-1])
    papers = int(summary.split(" new,")[0].replace(",", ""))
    log(f"{target.label}: " + " | ".join(lines))
    return {"papers": papers, "ingest_s": seconds, "index_s": ended - loaded_at, "wall_s": ended - started,
            "load_cpu": load_cpu, "index_cpu": max(0.0, total_cpu - load_cpu)}


def _children_cpu() -> float:
    """CPU seconds of this process's finished children (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --- probes run inside a catalogue (a subprocess with its settings) ----------------------------


def probe(queries: int) -> None:
    """Print JSON: search latencies through ``search()`` and paper paths for the page load."""
    import django

    django.setup()
    from paperfeed.catalog.models import Paper
    from paperfeed.search.services import search
    from paperfeed.search.text import STOPWORDS, words

    top = Paper.objects.order_by("-id").values_list("id", flat=True).first() or 0
    rng = random.Random(0)
    picks = list(Paper.objects.filter(id__in=[rng.randint(1, top) for _ in range(queries * 3)])
                 .values_list("arxiv_id", "title")[: queries * 2])
    texts = []
    for _, title in picks:
        kept = [w for w in words(title) if w not in STOPWORDS and len(w) > 2]
        if len(kept) >= 3:
            start = rng.randrange(len(kept) - 2)
            texts.append(" ".join(kept[start : start + 3]))
    texts = texts[:queries]
    for q in texts[:5]:
        search(query=q)  # warm-up: connections, statistics, the index reader
    walls, cpus, found = [], [], 0
    for q in texts:
        w, c = time.perf_counter(), time.process_time()
        results = search(query=q)
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
        found += bool(results.hits)
    print(json.dumps({"walls": walls, "cpus": cpus, "found": found, "queries": len(texts),
                      "papers": [f"/papers/{a}" for a, _ in picks[:200]]}))


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def measure_search(target: Target, queries: int) -> dict:
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--probe", "--queries", str(queries)],
                         env=target.env(), cwd=target.tree, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{target.label}: search probe failed:\n{out.stderr[-3000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return {"p50": pct(data["walls"], 50), "p95": pct(data["walls"], 95), "cpu": float(np.mean(data["cpus"])),
            "found": f"{data['found']}/{data['queries']}", "papers": data["papers"]}


def measure_pages(target: Target, papers: list[str], args) -> dict:
    """The daily page and paper pages under load, page cache off, 2 workers."""
    web.BENCH_DIR = target.data_dir  # bench_env's data dir, and where wrk's path script goes
    env = {k: v for k, v in target.env(PAPERFEED_PAGE_CACHE_SECONDS="0").items() if k in
           ("DATABASE_URL", "PAPERFEED_SEARCH_CACHE_SECONDS")}
    server = web.Server(port=web.free_port(), workers=args.workers, cache_seconds="0", env=env)
    try:
        server.wait_ready("/", timeout=180)
        out = {}
        for name, path, paths in (("daily", "/", None), ("paper", papers[0], papers)):
            log(f"{target.label}: {name} page, {args.client}, {args.connections} connections, {args.duration:.0f} s")
            out[name] = web.measure(server.url + path, client=args.client, duration=args.duration,
                                    connections=args.connections, server_pid=server.proc.pid, paths=paths)
        return out
    finally:
        server.stop()


# --- main -------------------------------------------------------------------------------------


def report(rows: list[tuple[Target, dict]], args) -> None:
    log("")
    log(f"Scale benchmark — {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end; "
        f"pages: {args.workers} workers, page cache off, {args.connections} connections, {args.client}; "
        "search: site search(), keyword only (no vectors built), result cache off")
    head = (f"{'catalogue':<40}{'papers':>10}{'ingest s':>10}{'papers/s':>10}{'/CPU-s':>8}{'index s':>9}{'/CPU-s':>8}"
            f"{'size MB':>9}"
            f"{'search p50/p95 ms':>19}{'daily req/s p99 ms CPU ms':>28}{'paper req/s p99 ms CPU ms':>28}")
    log(head)
    for target, r in rows:
        line = (f"{target.label:<40}{r['papers']:>10,}{r['ingest_s']:>10.1f}{r['papers'] / r['ingest_s']:>10,.0f}"
                f"{r['papers'] / max(r['load_cpu'], 1e-9):>8,.0f}{r['index_s']:>9.1f}"
                f"{r['papers'] / max(r['index_cpu'], 1e-9):>8,.0f}{r.get('size', 0) / 1e6:>9,.0f}")
        if "search" in r:
            s = r["search"]
            line += f"{s['p50']:>10.1f} /{s['p95']:>7.1f}"
        for name in ("daily", "paper"):
            if name in r.get("pages", {}):
                p = r["pages"][name]
                line += f"{p['rps']:>10,.0f}{p['p99']:>9.1f}{p['cpu_ms']:>9.2f}"
        log(line)
    log("papers/s: the ingest command's own rate (load only); /CPU-s: papers per CPU second of the command, its "
        "parsing process and the PostgreSQL server together (what an idle machine bounds); index s: the keyword index build the command runs "
        "after the load (SQLite: tantivy's catch-up; PostgreSQL: the deferred keyword documents, set-based, "
        "unless the baseline's code builds them row by row during the load)")


def run_baseline(args, corpus: Path, pg_server: str | None) -> list[tuple[Target, dict]]:
    """Committed code (a worktree of ``--baseline-rev``, removed afterwards) and the working tree, on the same papers."""
    log(f"Creating the baseline worktree at {BASE_TREE} (git worktree add, {args.baseline_rev})")
    subprocess.run(["git", "worktree", "remove", "--force", str(BASE_TREE)], cwd=REPO, capture_output=True)
    subprocess.run(["git", "worktree", "add", "--detach", str(BASE_TREE), args.baseline_rev], cwd=REPO, check=True,
                   capture_output=True)
    try:
        return _baseline_rows(args, corpus, pg_server)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(BASE_TREE)], cwd=REPO, capture_output=True)


def _baseline_rows(args, corpus: Path, pg_server: str | None) -> list[tuple[Target, dict]]:
    rows = []
    for backend in args.backends:
        for code, tree in ((f"baseline ({args.baseline_rev})", BASE_TREE), ("new", REPO)):
            slug = "base" if tree == BASE_TREE else "new"
            url = fresh_pg_database(pg_server, f"paperfeed_scale_{slug}_small") if backend == "postgres" else ""
            target = Target(label=f"{backend} {code} n={args.baseline_n:,}", backend=backend, tree=tree,
                            data_dir=WORK / f"{backend}-{slug}-small", url=url)
            result = ingest(target, corpus)
            result["size"] = target.size_bytes()
            rows.append((target, result))
    report(rows, args)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="Papers in the catalogue (default 1,000,000; arXiv: ~2,800,000).")
    parser.add_argument("--backends", default="sqlite,postgres", help="Comma-separated: sqlite, postgres.")
    parser.add_argument("--database-url", default="", help="A PostgreSQL server to create the bench databases on.")
    parser.add_argument("--baseline-n", type=int, default=20_000, help="Papers for the baseline comparison (0: skip it).")
    parser.add_argument("--baseline-rev", default="HEAD", help="The commit to compare against (default HEAD).")
    parser.add_argument("--duration", type=float, default=10, help="Seconds of load per page (default 10).")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--queries", type=int, default=200, help="Search queries per backend (default 200).")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--skip-web", action="store_true", help="Skip the page load (ingest, size and search only).")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.queries)
        return
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "python")
    if not SHARED.is_dir():
        sys.exit(f"Shared data not found at {SHARED} (set PAPERFEED_SHARED_DATA).")
    WORK.mkdir(parents=True, exist_ok=True)
    # Each catalogue gets its own settings: a DATABASE_URL in the environment only names the server.
    pg_server, pg_env = args.database_url or os.environ.pop("DATABASE_URL", ""), None
    if "postgres" in args.backends and not pg_server:
        pg_server, pg_env = start_postgres(os.environ.get("PAPERFEED_PG_PORT", "54368"))
    try:
        rows = run_baseline(args, ensure_corpus(args.baseline_n), pg_server) if args.baseline_n else []
        corpus = ensure_corpus(args.n)
        for backend in args.backends:
            url = fresh_pg_database(pg_server, "paperfeed_scale") if backend == "postgres" else ""
            target = Target(label=f"{backend} new n={args.n:,}", backend=backend, tree=REPO,
                            data_dir=WORK / f"{backend}-{args.n}", url=url)
            result = ingest(target, corpus)
            result["size"] = target.size_bytes()
            result["search"] = measure_search(target, args.queries)
            log(f"{target.label}: search {result['search']['p50']:.1f} / {result['search']['p95']:.1f} ms "
                f"(p50/p95), {result['search']['cpu']:.1f} ms CPU, hits for {result['search']['found']} queries")
            if not args.skip_web:
                result["pages"] = measure_pages(target, result["search"]["papers"], args)
            rows.append((target, result))
            report(rows, args)  # after each catalogue: a long run that is stopped keeps what it measured
        if not rows:
            report(rows, args)
    finally:
        if pg_env:
            subprocess.run(["scripts/pg.sh", "stop"], env=pg_env, cwd=REPO, check=False)


if __name__ == "__main__":
    main()
