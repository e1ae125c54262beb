"""Web benchmark, PostgreSQL vs SQLite in one run: the daily page under 4 gunicorn workers.

    .venv/bin/python bench/web_postgres.py [--database-url postgres://…] [--workers 4] [--duration 10]

Reuses bench/web.py (server start/stop, load generators). For each database it builds once a
catalogue of the full shared set (``paperfeed ingest`` of arxiv_abstracts and hf_daily_papers:
SQLite under var/bench/web-sqlite/, PostgreSQL in the database ``paperfeed_bench_web``), starts
``paperfeed serve --workers N`` and loads the daily page, first with the anonymous page cache off
(every request renders from the database: this is the comparison of the databases) and then with
it on (the default, 2 s). Without ``--database-url``/DATABASE_URL a throw-away PostgreSQL 16 +
pgvector is started with scripts/pg.sh on port 54359 and stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import web  # noqa: E402  (bench/web.py)

REPO = web.REPO
BENCH_DB = "paperfeed_bench_web"
PG_PORT = "54359"


def pg_url(server_url: str) -> str:
    """Create the bench database on the server if needed; return its URL."""
    import psycopg

    with psycopg.connect(server_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return server_url.rpartition("/")[0] + f"/{BENCH_DB}"


def ensure_postgres(url: str) -> None:
    """Migrate and ingest the shared set into the PostgreSQL bench database once."""
    env = {**web.bench_env("0"), "DATABASE_URL": url}
    subprocess.run([*web.CLI, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=REPO)
    count = subprocess.run([*web.CLI, "shell", "-c", "from paperfeed.catalog.models import Paper; print(Paper.objects.count())"],
                           env=env, cwd=REPO, capture_output=True, text=True, check=True).stdout.split()[-1]
    if int(count) >= 70_000:
        web.log(f"Reusing the loaded PostgreSQL database ({int(count):,} papers)")
        return
    web.log("Loading the full shared set into PostgreSQL (once)…")
    sources = [str(web.SHARED / name) for name in web.SOURCES]
    result = subprocess.run([*web.CLI, "ingest", "--no-progress", *sources], env=env, cwd=REPO)
    if result.returncode not in (0, 1):
        sys.exit(f"ingest failed with exit code {result.returncode}")
    subprocess.run([*web.CLI, "dbshell", "--", "-c", "VACUUM ANALYZE"], env=env, cwd=REPO, check=False)


def run(name: str, *, cache_seconds: str, args, client: str) -> dict:
    server = web.Server(port=web.free_port(), workers=args.workers, cache_seconds=cache_seconds)
    try:
        server.wait_ready(args.path)
        web.log(f"{name}: {client}, {args.connections} connections, {args.duration:.0f} s")
        return web.measure(server.url + args.path, client=client, duration=args.duration, connections=args.connections)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: DATABASE_URL, else a throw-away one).")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4).")
    parser.add_argument("--duration", type=float, default=10, help="Seconds of load per run (default 10).")
    parser.add_argument("--connections", type=int, default=16, help="Concurrent clients (default 16).")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--path", default="/", help="Page to load (default: the daily page, /).")
    parser.add_argument("--cache-seconds", default="2", help="Page cache for the cached runs (default 2).")
    args = parser.parse_args()
    client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "python")
    server = args.database_url or os.environ.pop("DATABASE_URL", "")
    os.environ.pop("DATABASE_URL", None)
    started = False
    if not server:
        env = {**os.environ, "PAPERFEED_PG_PORT": PG_PORT}
        server = subprocess.run([str(REPO / "scripts" / "pg.sh"), "start"], env=env, cwd=REPO, check=True,
                                capture_output=True, text=True).stdout.strip().splitlines()[-1]
        started = True
    results = {}
    try:
        web.BENCH_DIR = REPO / "var" / "bench" / "web-sqlite"
        web.ensure_database()
        for mode, seconds in (("no page cache", "0"), (f"page cache {args.cache_seconds} s", args.cache_seconds)):
            results[("SQLite", mode)] = run(f"SQLite, {mode}", cache_seconds=seconds, args=args, client=client)
        url = pg_url(server)
        web.BENCH_DIR = REPO / "var" / "bench" / "web-postgres"
        web.BENCH_DIR.mkdir(parents=True, exist_ok=True)
        ensure_postgres(url)
        os.environ["DATABASE_URL"] = url
        for mode, seconds in (("no page cache", "0"), (f"page cache {args.cache_seconds} s", args.cache_seconds)):
            results[("PostgreSQL", mode)] = run(f"PostgreSQL, {mode}", cache_seconds=seconds, args=args, client=client)
    finally:
        os.environ.pop("DATABASE_URL", None)
        if started:
            subprocess.run([str(REPO / "scripts" / "pg.sh"), "stop"], env={**os.environ, "PAPERFEED_PG_PORT": PG_PORT}, cwd=REPO)

    web.log("")
    web.log(f"Daily page {args.path}: {args.workers} gunicorn workers, {os.cpu_count()} CPUs "
            f"(load average {os.getloadavg()[0]:.1f}), {args.connections} connections, load by {client}")
    web.log(f"{'':<36}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}{'errors':>8}")
    for (db, mode), r in results.items():
        web.log(f"{db + ', ' + mode:<36}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}{r['requests']:>10}{r['errors']:>8}")
    base = results[("SQLite", "no page cache")]["rps"]
    pg = results[("PostgreSQL", "no page cache")]["rps"]
    web.log(f"PostgreSQL / SQLite requests/s without the page cache: {pg / base:.2f}")


if __name__ == "__main__":
    main()
