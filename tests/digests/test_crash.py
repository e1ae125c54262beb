"""Crash test: SIGKILL `paperfeed digest send` midway through 1,000 subscribers, run it again
(twice at once, so concurrent senders are covered too);
count messages at the SMTP server by recipient. Runs in subprocesses against a temporary
PAPERFEED_DATA_DIR with its own migrated SQLite file (test databases are invisible to them).

Guarantee proven (docs/digests.md): every subscriber receives the period's digest, and exactly
one distinct digest (one Message-ID). A second *copy* is possible only for a delivery that was
in ``sending`` at the kill — at most one per SMTP connection — and it carries the same Message-ID.
"""

from __future__ import annotations

import collections
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.digests.subprocess_env import sender_env
from tests.smtp import smtp_server

REPO = Path(__file__).resolve().parents[2]
N = 1000
NOW = "2026-11-27T08:00:00Z"


def env_for(data_dir: Path, port: int) -> dict[str, str]:
    # Its own SQLite file even under `make test-postgres` (see subprocess_env.sender_env).
    return sender_env(data_dir, port)


def send(env: dict[str, str], now: str = NOW) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "paperfeed.cli", "digest", "send", "--now", now, "--no-progress"]
    return subprocess.Popen(cmd, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def statuses(data_dir: Path) -> collections.Counter:
    with sqlite3.connect(data_dir / "paperfeed.sqlite3") as db:
        return collections.Counter(s for (s,) in db.execute("SELECT status FROM digests_delivery"))


@pytest.mark.parametrize("fail_every", [0, 5], ids=["kill", "kill+4xx-every-5th"])
def test_sigkill_midway_then_rerun_delivers_each_digest_once(tmp_path, fail_every):
    with smtp_server(fail_every=fail_every) as (handler, port):
        env = env_for(tmp_path, port)
        t0 = time.monotonic()
        subprocess.run([sys.executable, "-m", "tests.digests.crash_setup", str(N)], env=env, cwd=REPO, check=True)
        timings = [f"setup {time.monotonic() - t0:.1f}s"]
        t0 = time.monotonic()

        proc = send(env)
        deadline = time.monotonic() + 60
        while len(handler.messages) < N // 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed_at = len(handler.messages)
        timings.append(f"until kill {time.monotonic() - t0:.1f}s")
        assert 0 < killed_at < N, f"the kill must land midway (had {killed_at} messages)"
        in_flight = statuses(tmp_path)
        assert in_flight["sent"] < N

        resent = 0
        hour = 8
        for _ in range(12):  # re-run (later each time, so 4xx retries come due) until all are sent
            # Two senders at once first: claims must keep them from sending anything twice.
            t0 = time.monotonic()
            procs = [send(env, now=f"2026-11-27T{hour:02d}:00:00Z") for _ in range(2 if hour == 8 else 1)]
            for proc in procs:
                out, _ = proc.communicate(timeout=120)
                assert proc.returncode == 0, out
                resent += int(re.search(r"resent after crash (\d+)", out).group(1))
            timings.append(f"rerun {time.monotonic() - t0:.1f}s")
            if statuses(tmp_path)["sent"] == N:
                break
            hour += 1

    assert statuses(tmp_path) == {"sent": N}
    by_rcpt: dict[str, list[str]] = collections.defaultdict(list)
    for msg, (_, rcpts) in zip(handler.messages, handler.envelopes):
        for r in rcpts:
            by_rcpt[r].append(msg["Message-ID"])
    assert len(by_rcpt) == N  # nobody lost
    assert all(len(set(ids)) == 1 for ids in by_rcpt.values())  # exactly one digest each
    copies = sum(len(ids) - 1 for ids in by_rcpt.values())
    assert copies <= resent <= 1, (copies, resent)  # a same-Message-ID copy only for the in-flight row
    if fail_every:
        assert handler.attempts > len(handler.messages)  # refusals happened and were retried
    print(f"killed after {killed_at} accepted; in flight {dict(in_flight)}; ambiguous resends {resent}; extra copies {copies}; {', '.join(timings)}")
