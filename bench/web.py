"""Web benchmark: requests/s and latency of the daily page under the production server.

    .venv/bin/python bench/web.py [--duration 10] [--connections 16] [--workers 2] [--client auto|wrk|python]

1. Builds (once) a database with the full shared set under var/bench/web/ by running
   ``paperfeed ingest ../shared/data/arxiv_abstracts ../shared/data/hf_daily_papers``; later runs
   reuse it.
2. Starts ``paperfeed serve`` (gunicorn, ``--workers`` sync workers) twice on 127.0.0.1: with the
   anonymous page cache (``PAPERFEED_PAGE_CACHE_SECONDS``, default 2) and, as the baseline, with it
   off. Each run is loaded for ``--duration`` seconds by ``--connections`` concurrent clients (wrk
   when installed, else a small asyncio client in this file) after a short warm-up.
3. Prints requests/s, p50 and p99 latency for both, and the ratio.
4. Checks freshness: adds a paper with many votes to the latest day while the cached server runs
   and reports how many seconds pass before the home page shows it.

Search under load: bench/web_search.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PAPERFEED_SHARED_DATA", REPO.parent / "shared" / "data"))
BENCH_DIR = REPO / "var" / "bench" / "web"
SOURCES = ["arxiv_abstracts", "hf_daily_papers"]
CLI = [sys.executable, "-m", "paperfeed.cli"]


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(cache_seconds: str) -> dict[str, str]:
    return {**os.environ, "PAPERFEED_DATA_DIR": str(BENCH_DIR), "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
            "PAPERFEED_PAGE_CACHE_SECONDS": cache_seconds, "PAPERFEED_LOG_LEVEL": "ERROR"}


# --- the database -----------------------------------------------------------------------------


def _fingerprint(paths: list[Path]) -> list[list]:
    return sorted([str(p.relative_to(SHARED)), p.stat().st_size] for d in paths for p in d.rglob("*") if p.is_file())


def ensure_database() -> None:
    """Migrate and ingest the full shared set once; a stamp records what was loaded."""
    sources = [SHARED / name for name in SOURCES]
    missing = [str(p) for p in sources if not p.is_dir()]
    if missing:
        sys.exit(f"Shared data not found: {', '.join(missing)} (set PAPERFEED_SHARED_DATA).")
    stamp = BENCH_DIR / "loaded.json"
    wanted = _fingerprint(sources)
    if stamp.exists() and json.loads(stamp.read_text()) == wanted and (BENCH_DIR / "paperfeed.sqlite3").exists():
        log(f"Reusing the loaded database in {BENCH_DIR}")
        return
    if BENCH_DIR.exists():
        shutil.rmtree(BENCH_DIR)
    BENCH_DIR.mkdir(parents=True)
    env = bench_env("0")
    log("Creating the benchmark database (once): migrate + ingest of the full shared set…")
    subprocess.run([*CLI, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=REPO)
    started = time.perf_counter()
    result = subprocess.run([*CLI, "ingest", "--no-progress", *map(str, sources)], env=env, cwd=REPO)
    if result.returncode not in (0, 1):  # 1: some lines skipped, which the ingest reports itself
        sys.exit(f"ingest failed with exit code {result.returncode}")
    log(f"Loaded in {time.perf_counter() - started:.0f} s")
    stamp.write_text(json.dumps(wanted))


def _django(data_dir: Path) -> None:
    """Set up Django in this process against ``data_dir`` (the catalogue the servers use)."""
    os.environ.update({"PAPERFEED_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "paperfeed.settings"})
    import django

    django.setup()


class Server:
    """``paperfeed serve`` in a child process, stopped with SIGINT like a Ctrl-C."""

    def __init__(self, *, port: int, workers: int, cache_seconds: str, env: dict[str, str] | None = None,
                 cwd: Path = REPO) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.proc = subprocess.Popen(  # python -m from ``cwd``: that tree's paperfeed is imported
            [*CLI, "serve", "--port", str(port), "--workers", str(workers)],
            env={**bench_env(cache_seconds), **(env or {})}, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )

    def wait_ready(self, path: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"paperfeed serve exited early:\n{self.proc.stderr.read()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=30) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        sys.exit("paperfeed serve did not answer in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- server CPU time ----------------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (those still alive)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


# --- load generators --------------------------------------------------------------------------


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    value, unit = float(m[1]), m[2]
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _wrk_script(paths: list[str]) -> list[str]:
    """wrk arguments for a Lua script that cycles through ``paths`` (none for one fixed URL)."""
    if not paths:
        return []
    script = BENCH_DIR / "paths.lua"
    quoted = ", ".join(json.dumps(p) for p in paths)  # JSON strings are valid Lua strings here (ASCII)
    script.write_text(f"paths = {{{quoted}}}\ni = 0\nrequest = function()\n  i = i % #paths + 1\n"
                      f"  return wrk.format(\"GET\", paths[i])\nend\n")
    return ["-s", str(script)]


def load_wrk(url: str, *, duration: float, connections: int, paths: list[str] | None = None) -> dict:
    """Run wrk with its latency distribution; returns req/s, p50, p99 (ms), requests, errors."""
    return run_wrk(url, duration=duration, connections=connections, script=_wrk_script(paths or []))


def run_wrk(url: str, *, duration: float, connections: int, script: list[str]) -> dict:
    """wrk (2 threads, ``script`` its ``-s FILE`` arguments or none); req/s, p50, p99 (ms), requests, errors."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration:.0f}s", "--latency", "--timeout", "10s",
         *script, url],
        capture_output=True, text=True, check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M)[1])
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M)[1])
    total = int(re.search(r"(\d+) requests in", out)[1])
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "p50": p50, "p99": p99, "requests": total,
            "errors": int(errors[1]) if errors else 0, "socket_errors": socket_errors[1] if socket_errors else ""}


async def _one_client(host: str, port: int, requests: list[bytes], until: float, latencies: list,
                      errors: list) -> None:
    while time.perf_counter() < until:
        request = requests[len(latencies) % len(requests)]  # shared count: the clients walk the list together
        started = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            await writer.drain()
            data = await reader.read()
            writer.close()
        except OSError as exc:
            errors.append(str(exc))
            continue
        if not data.startswith(b"HTTP/1.1 200"):
            errors.append(data[:40].decode(errors="replace"))
        latencies.append((time.perf_counter() - started) * 1000)


def load_python(url: str, *, duration: float, connections: int, paths: list[str] | None = None) -> dict:
    """A bounded asyncio load generator: ``connections`` clients, one request per connection."""
    m = re.match(r"http://([^:/]+):(\d+)(.*)", url)
    host, port = m[1], int(m[2])
    requests = [f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()
                for path in (paths or [m[3] or "/"])]
    latencies: list[float] = []
    errors: list[str] = []

    async def run() -> None:
        until = time.perf_counter() + duration
        await asyncio.gather(*(_one_client(host, port, requests, until, latencies, errors) for _ in range(connections)))

    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pick(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")

    return {"rps": len(latencies) / elapsed, "p50": pick(0.50), "p99": pick(0.99), "requests": len(latencies),
            "errors": len(errors), "socket_errors": ""}


def measure(url: str, *, client: str, duration: float, connections: int, server_pid: int | None = None,
            paths: list[str] | None = None) -> dict:
    """Warm up, then load ``url`` (or cycle through ``paths`` on its server); with ``server_pid``,
    adds the server's CPU ms per request (``cpu_ms``)."""
    load = load_wrk if client == "wrk" else load_python
    load(url, duration=min(2.0, duration), connections=connections, paths=paths)  # warm-up: workers, caches, pages
    pids = _descendants(server_pid) if server_pid else []
    before = cpu_seconds(pids)
    result = load(url, duration=duration, connections=connections, paths=paths)
    result["cpu_ms"] = (cpu_seconds(pids) - before) * 1000 / max(result["requests"], 1) if pids else float("nan")
    return result


# --- freshness --------------------------------------------------------------------------------


def freshness(server: Server, path: str, timeout: float = 30) -> float:
    """Seconds until a newly added top paper shows on the cached page (then it is removed)."""
    os.environ.update({"PAPERFEED_DATA_DIR": str(BENCH_DIR), "DJANGO_SETTINGS_MODULE": "paperfeed.settings"})
    import django

    django.setup()
    from paperfeed.catalog.models import Paper
    from paperfeed.catalog.services import latest_listing_date

    marker = f"Freshness probe {time.time_ns()}"
    with urllib.request.urlopen(server.url + path) as resp:
        assert marker.encode() not in resp.read()
    paper = Paper.objects.create(arxiv_id=f"9999.{time.time_ns() % 10**5:05d}", title=marker,
                                 listing_date=latest_listing_date(), imported_upvotes=10**6)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            with urllib.request.urlopen(server.url + path) as resp:
                if marker.encode() in resp.read():
                    return time.perf_counter() - started
            time.sleep(0.05)
        return float("inf")
    finally:
        paper.delete()


# --- main -------------------------------------------------------------------------------------


def run_mode(name: str, *, cache_seconds: str, args, client: str) -> tuple[dict, float | None]:
    server = Server(port=free_port(), workers=args.workers, cache_seconds=cache_seconds)
    try:
        server.wait_ready(args.path)
        duration = args.duration if cache_seconds != "0" else min(args.duration, args.baseline_duration)
        log(f"{name}: {client}, {args.connections} connections, {duration:.0f} s on {server.url}{args.path}")
        result = measure(server.url + args.path, client=client, duration=duration, connections=args.connections,
                         server_pid=server.proc.pid)
        fresh = freshness(server, args.path) if cache_seconds != "0" else None
        return result, fresh
    finally:
        server.stop()


def main() -> None:
    global BENCH_DIR
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="Seconds of load per run (default 10).")
    parser.add_argument("--baseline-duration", type=float, default=10, help="Seconds for the uncached run.")
    parser.add_argument("--connections", type=int, default=16, help="Concurrent clients (default 16).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2).")
    parser.add_argument("--cache-seconds", default=os.environ.get("PAPERFEED_PAGE_CACHE_SECONDS", "2"))
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--path", default="/", help="Page to load (default: the daily page, /).")
    parser.add_argument("--data-dir", type=Path, help="An existing, embedded catalogue to use instead of building one.")
    args = parser.parse_args()
    client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "python")
    if args.data_dir:
        BENCH_DIR = args.data_dir.resolve()

    if client == "python":
        log("Load by the built-in asyncio client, which needs a CPU core of its own on a small machine; "
            "install wrk (apt-get install wrk) for figures that measure the server rather than the client.")
    if not args.data_dir:
        ensure_database()
    cached, fresh = run_mode("cached", cache_seconds=args.cache_seconds, args=args, client=client)
    baseline, _ = run_mode("baseline (page cache off)", cache_seconds="0", args=args, client=client)

    log("")
    load1 = os.getloadavg()[0]
    log(f"Daily page {args.path} — {args.workers} gunicorn workers, {os.cpu_count()} CPUs "
        f"(load average {load1:.1f} before the report), {args.connections} connections, load by {client}")
    log(f"{'':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}{'errors':>8}{'CPU ms/req':>12}")
    for name, r in ((f"cached ({args.cache_seconds} s)", cached), ("baseline (no page cache)", baseline)):
        log(f"{name:<28}{r['rps']:>10.0f}{r['p50']:>10.1f}{r['p99']:>10.1f}{r['requests']:>10}{r['errors']:>8}"
            f"{r['cpu_ms']:>12.2f}" + (f"  socket errors: {r['socket_errors']}" if r["socket_errors"] else ""))
    log(f"ratio (cached / baseline req/s): {cached['rps'] / max(baseline['rps'], 1e-9):.1f}x")
    log(f"freshness: a new top paper appeared on the cached page after {fresh:.2f} s "
        f"(limit: PAPERFEED_PAGE_CACHE_SECONDS={args.cache_seconds})")
    # CPU time per request does not depend on what else the machine runs; req/s and p99 do.
    log(f"server CPU per cached request {cached['cpu_ms']:.2f} ms: about "
        f"{args.workers * 1000 / max(cached['cpu_ms'], 1e-9):,.0f} req/s "
        f"if {args.workers} cores were free for the workers")
    ok = cached["rps"] >= 1000 and cached["p99"] <= 50
    log(f"target (>= 1,000 req/s and p99 <= 50 ms): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
