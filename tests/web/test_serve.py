"""``paperfeed serve``: gunicorn answers, static files are served, Ctrl-C stops every process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.smtp import free_port

REPO = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def _serve(tmp_path: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PAPERFEED_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "paperfeed.settings"}
    return subprocess.Popen(
        [sys.executable, "-m", "paperfeed.cli", "serve", "--skip-collectstatic", *args],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def test_serve_answers_and_ctrl_c_stops_everything(tmp_path):
    port = free_port()
    proc = _serve(tmp_path, "--port", str(port), "--workers", "1")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        assert resp.status_code == 200 and "/api/daily_papers" in resp.json()["paths"]
        static = httpx.get(f"http://127.0.0.1:{port}/static/vendor/katex/katex.min.js", timeout=5)
        assert static.status_code == 200 and b"katex" in static.content[:2000]
        family = _children(proc.pid)
        family += [g for c in family for g in _children(c)]
        assert family, "gunicorn should be running"
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
        time.sleep(0.5)
        assert not [pid for pid in family if _alive(pid)]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_serve_refuses_a_busy_port_with_a_message(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = _serve(tmp_path, "--port", str(port))
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert f"127.0.0.1:{port} is in use" in out
