"""Discussions benchmark: a paper page with 200 comments (anonymous and signed in) and the daily
page signed in, each next to today's page read anonymously in the same run, under the production
server (``paperfeed serve``, gunicorn with ``--workers`` sync workers, page cache as configured).

    .venv/bin/python bench/discussions.py [--duration 3] [--connections 4] [--workers 2] [--papers 60]
        [--readers 50] [--baseline /tmp/base] [--rounds 2]

Builds a throw-away SQLite database in a temporary folder: ``--papers`` papers listed today, one
of them with 200 comments (50 top-level, 150 replies, votes on them) from 40 verified readers; a
signed-in reader with a session (unread notifications, so the bell counts; votes and read marks on
a few of today's papers). Then loads each page for ``--duration`` seconds with ``--connections``
concurrent clients (wrk when installed, cycling through the readers' session cookies; else an
asyncio client in this process) after a short warm-up, and prints requests/s, p50, p99 and the server's CPU time per
request (all worker processes; the figure that stays meaningful on a busy machine). Each signed-in
page is loaded twice: as served (a page shared by signed-in readers, web/slots.py, where its view
allows) and as a full render for the same reader (a messages cookie bypasses the page cache).
Signed-in requests rotate through ``--readers`` sessions of different users, so no figure depends on
one session being remembered.

``--baseline DIR``: a checkout of another revision (``git worktree add /tmp/base HEAD``) serves a
copy of the same database beside this tree's server, and the signed-in daily page is loaded on
each in turn, ``--rounds`` times: the server CPU per request of both, the load generator's own CPU
per request, and the request rate that CPU allows on 2 otherwise idle cores (2,000 / CPU ms).
Targets: 200-comment page p99 ≤ 50 ms signed in on 2 workers; the signed-in daily page ≥ 1,000 req/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
CLI = [sys.executable, "-m", "paperfeed.cli"]

from bench.web import _descendants, cpu_seconds, run_wrk  # noqa: E402  (server CPU per request, as bench/web.py)


def log(message: str) -> None:
    print(message, flush=True)


def build(data_dir: Path, papers: int, readers: int = 1) -> tuple[str, list[str]]:
    """Create the database; returns the 200-comment paper's path and ``readers`` session keys (the
    first of the reader with votes, read marks and notifications)."""
    os.environ.update({"PAPERFEED_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
                       "PAPERFEED_LOG_LEVEL": "ERROR"})
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone

    from paperfeed.accounts.models import Profile
    from paperfeed.catalog.models import Paper
    from paperfeed.community.models import Vote
    from paperfeed.community.services import recount_votes
    from paperfeed.discussions import rendering, services
    from paperfeed.discussions.models import Comment, CommentVote
    from paperfeed.notifications.models import Kind, Notification
    from paperfeed.personal.models import ReadMark

    call_command("migrate", "--noinput", verbosity=0)
    now, today = timezone.now(), timezone.now().date()
    Paper.objects.bulk_create([
        Paper(arxiv_id=f"2606.{i:05d}", title=f"Paper {i}: about $x^{i}$", abstract="word " * 150,
              authors=["A. Author", "B. Author"], categories=["cs.LG"], listing_date=today, submitted_at=now)
        for i in range(1, papers + 1)
    ])
    paper = Paper.objects.get(arxiv_id="2606.00001")
    User = get_user_model()
    users = User.objects.bulk_create([User(username=f"u{i}", email=f"u{i}@example.org")
                                      for i in range(max(40, readers))])
    Profile.objects.bulk_create([Profile(user=u, email_confirmed_at=now) for u in users])
    body = "A comment with **Markdown**, $\\alpha_i$ math and a [link](https://example.org). " * 3
    html = rendering.render(body)
    tops = Comment.objects.bulk_create([
        Comment(paper=paper, author=users[i % 40], body=body, body_html=html, created_at=now - dt.timedelta(minutes=i))
        for i in range(50)])
    Comment.objects.bulk_create([
        Comment(paper=paper, parent=tops[i % 50], author=users[(i + 7) % 40], body=body, body_html=html,
                created_at=now - dt.timedelta(seconds=i)) for i in range(150)])
    reader = users[0]
    CommentVote.objects.bulk_create([CommentVote(comment=c, user=reader) for c in tops[:20]])
    Notification.objects.bulk_create([Notification(user=reader, kind=Kind.REPLY, comment=c, paper=paper)
                                      for c in Comment.objects.filter(parent__isnull=False)[:30]])
    services.recount(paper.pk)
    # The reader's own marks on the daily page: votes and read marks on a few of its papers.
    listed = list(Paper.objects.order_by("pk").values_list("pk", flat=True)[:10])
    Vote.objects.bulk_create([Vote(user=reader, paper_id=pk) for pk in listed[::2]])
    recount_votes(listed[::2])
    ReadMark.objects.bulk_create([ReadMark(user=reader, paper_id=pk) for pk in listed[1::3]])
    keys = []
    for user in users[:max(1, readers)]:
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return paper.get_absolute_url(), keys


async def _client(host, port, requests: list[bytes], until: float, latencies: list, errors: list) -> None:
    while time.perf_counter() < until:
        request = requests[(len(latencies) + len(errors)) % len(requests)]  # the clients walk the list together
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


def load(url: str, *, duration: float, connections: int, cookies: list[str] | tuple[str, ...] = ("",)) -> dict:
    """The page loaded by wrk when it is installed (the figure of the server), else by ``load_python``."""
    if shutil.which("wrk"):
        return load_wrk(url, duration=duration, connections=connections, cookies=cookies)
    return load_python(url, duration=duration, connections=connections, cookies=cookies)


def load_wrk(url: str, *, duration: float, connections: int, cookies: list[str] | tuple[str, ...]) -> dict:
    """wrk, each request carrying the next of ``cookies``; ``client_ms`` is wrk's CPU per request."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        quoted = ", ".join(json.dumps(c) for c in cookies)  # JSON strings are valid Lua strings (ASCII)
        script.write(f"cookies = {{{quoted}}}\ni = 0\nrequest = function()\n  i = i % #cookies + 1\n"
                     "  if cookies[i] == '' then return wrk.format('GET') end\n"
                     "  return wrk.format('GET', nil, {['Cookie'] = cookies[i]})\nend\n")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        result = run_wrk(url, duration=duration, connections=connections, script=["-s", script.name])
    finally:
        os.unlink(script.name)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    n = max(result["requests"], 1)
    return {**result, "n": result["requests"], "errors": result["errors"], "client_ms": used * 1000 / n}


def load_python(url: str, *, duration: float, connections: int, cookies: list[str] | tuple[str, ...] = ("",)) -> dict:
    """``connections`` asyncio clients, one request per connection, cycling through ``cookies``.

    ``client_ms`` is this process's CPU per request: the load generator's share of the machine.
    """
    m = re.match(r"http://([^:/]+):(\d+)(.*)", url)
    host, port, path = m[1], int(m[2]), m[3] or "/"
    requests = [f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{_cookie_header(c)}Connection: close\r\n\r\n".encode()
                for c in cookies]
    latencies: list[float] = []
    errors: list[str] = []

    async def run() -> None:
        until = time.perf_counter() + duration
        await asyncio.gather(*(_client(host, port, requests, until, latencies, errors) for _ in range(connections)))

    started, cpu = time.perf_counter(), time.process_time()
    asyncio.run(run())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    latencies.sort()

    def pick(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")

    return {"rps": len(latencies) / elapsed, "p50": pick(0.5), "p99": pick(0.99), "n": len(latencies),
            "errors": len(errors), "client_ms": cpu * 1000 / max(len(latencies), 1)}


def _cookie_header(cookie: str) -> str:
    return f"Cookie: {cookie}\r\n" if cookie else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--papers", type=int, default=60)
    parser.add_argument("--readers", type=int, default=50, help="signed-in sessions the requests rotate through")
    parser.add_argument("--baseline", type=Path, help="a checkout of the revision to compare the signed-in daily page with")
    parser.add_argument("--rounds", type=int, default=2, help="with --baseline: alternate loads of each server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pf-bench-discussions-") as tmp:
        paper_path, keys = build(Path(tmp) / "this", args.papers, args.readers)
        servers = {"this tree": _serve(REPO, Path(tmp) / "this", args.workers)}
        if args.baseline:
            servers["baseline"] = _serve(args.baseline.resolve(), _copy_data(Path(tmp) / "this", Path(tmp) / "base"),
                                         args.workers)
        try:
            for server, base in servers.values():
                _wait(base)
            results = _rows(servers["this tree"], paper_path, keys, args)
            compared = _compare(servers, keys, args) if args.baseline else []
        finally:
            for server, _ in servers.values():
                server.terminate()
                server.wait(timeout=20)
    _report(results, compared, args)


def _serve(repo: Path, data_dir: Path, workers: int) -> tuple[subprocess.Popen, str]:
    """``paperfeed serve`` of the checkout ``repo`` on ``data_dir``; returns the process and its URL."""
    port = _free_port()
    env = {**os.environ, "PAPERFEED_DATA_DIR": str(data_dir), "PAPERFEED_LOG_LEVEL": "ERROR", "PYTHONPATH": str(repo)}
    server = subprocess.Popen([*CLI, "serve", "--port", str(port), "--workers", str(workers)], env=env,
                              cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return server, f"http://127.0.0.1:{port}"


def _copy_data(source: Path, target: Path) -> Path:
    """A copy of the built SQLite database, for the baseline's server."""
    from django.db import connections

    connections.close_all()
    target.mkdir(parents=True)
    for path in source.glob("paperfeed.sqlite3*"):
        shutil.copy(path, target / path.name)
    return target


def _measure(server: subprocess.Popen, url: str, args, cookies: list[str]) -> dict:
    """A warm-up, then one load; adds the servers' CPU per request (all worker processes)."""
    load(url, duration=min(1.0, args.duration), connections=args.connections, cookies=cookies)
    pids = _descendants(server.pid)
    before = cpu_seconds(pids)
    result = load(url, duration=args.duration, connections=args.connections, cookies=cookies)
    result["cpu_ms"] = (cpu_seconds(pids) - before) * 1000 / max(result["n"], 1)
    return result


def _rows(served: tuple[subprocess.Popen, str], paper_path: str, keys: list[str], args) -> list[tuple[str, dict]]:
    """Every page of the benchmark on this tree's server."""
    server, base = served
    cookies = [f"sessionid={key}" for key in keys]
    # A messages cookie (here an invalid one: no message to show) makes the page cache give
    # the same reader a full render: the signed-in figure before shared pages, in the same run.
    full = [f"{c}; messages=x" for c in cookies]
    rows = [("today's page, anonymous (baseline)", "/", [""]), ("today's page, signed in", "/", cookies),
            ("today's page, signed in, full render", "/", full),
            ("paper with 200 comments, anonymous", paper_path, [""]),
            ("paper with 200 comments, signed in", paper_path, cookies),
            ("paper with 200 comments, full render", paper_path, full)]
    return [(name, _measure(server, base + path, args, c)) for name, path, c in rows]


def _compare(servers: dict, keys: list[str], args) -> list[tuple[str, dict]]:
    """The signed-in daily page on the baseline's server and this tree's, alternately."""
    cookies = [f"sessionid={key}" for key in keys]
    out = []
    for round_ in range(1, args.rounds + 1):
        for label in ("baseline", "this tree"):
            server, base = servers[label]
            out.append((f"signed-in daily page, {label}, round {round_}", _measure(server, base + "/", args, cookies)))
    return out


def _report(results: list, compared: list, args) -> None:
    baseline = results[0][1]["rps"]
    client = "wrk" if shutil.which("wrk") else "python"
    log(f"{args.workers} workers, {args.connections} connections, {args.duration:.0f} s each, {client} client, "
        f"{args.readers} signed-in sessions")
    log(f"{'page':40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>10} {'errors':>7} {'vs baseline':>12}")
    for name, r in results:
        log(f"{name:40} {r['rps']:8.0f} {r['p50']:8.1f} {r['p99']:8.1f} {r['cpu_ms']:10.2f} {r['errors']:7d} "
            f"{r['rps'] / baseline:11.2f}x")
    if not compared:
        return
    log("\nThe signed-in daily page, baseline checkout against this tree (server CPU: all worker processes;")
    log("client CPU: this load generator; on 2 idle cores: 2,000 / server CPU ms)")
    log(f"{'run':44} {'req/s':>8} {'p99 ms':>8} {'server CPU ms/req':>18} {'client CPU ms/req':>18} "
        f"{'req/s on 2 idle cores':>22} {'errors':>7}")
    for name, r in compared:
        log(f"{name:44} {r['rps']:8.0f} {r['p99']:8.1f} {r['cpu_ms']:18.2f} {r['client_ms']:18.2f} "
            f"{2000 / max(r['cpu_ms'], 1e-9):22.0f} {r['errors']:7d}")
    for label in ("baseline", "this tree"):
        runs = [r for name, r in compared if f", {label}," in name]
        cpu = sum(r["cpu_ms"] * r["n"] for r in runs) / max(sum(r["n"] for r in runs), 1)
        log(f"{label}: {cpu:.2f} ms server CPU per request over {len(runs)} rounds, "
            f"{2000 / max(cpu, 1e-9):.0f} req/s on 2 idle cores")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(base: str, timeout: float = 90) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/", timeout=30) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    sys.exit("paperfeed serve did not answer in time")


if __name__ == "__main__":
    main()
