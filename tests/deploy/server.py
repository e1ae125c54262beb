"""Start the real ``paperfeed serve`` (gunicorn) from the repository or an installed venv, for tests."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.smtp import free_port

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    """A running server: its base URL and the file its output goes to."""

    url: str
    log: Path
    proc: subprocess.Popen

    def lines(self) -> list[str]:
        """Everything the server and its children printed so far."""
        return self.log.read_text().splitlines()


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a paperfeed process with its own data dir (and none of the test run's DB)."""
    # Nothing of the test run's own: its database, and Playwright's DJANGO_ALLOW_ASYNC_UNSAFE,
    # which `check --deploy` rightly refuses.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PAPERFEED_") and k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"PAPERFEED_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "paperfeed.settings",
                "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    env.update(extra)
    return env


def paperfeed(args: list[str], env: dict[str, str], *, command: list[str] | None = None,
              cwd: Path = REPO, timeout: float = 180) -> subprocess.CompletedProcess:
    """Run a paperfeed command to the end; fail with its output if it fails."""
    cmd = (command or [sys.executable, "-m", "paperfeed.cli"]) + args
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


@contextlib.contextmanager
def serving(env: dict[str, str], *args: str, command: list[str] | None = None, cwd: Path = REPO,
            log: Path, ready_path: str = "/api/openapi.json") -> Iterator[Server]:
    """``paperfeed serve`` on a free port until the block ends (then SIGINT, as Ctrl-C)."""
    port = free_port()
    cmd = (command or [sys.executable, "-m", "paperfeed.cli"]) + [
        "serve", "--skip-collectstatic", "--port", str(port), *args]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, text=True)
    server = Server(f"http://127.0.0.1:{port}", log, proc)
    try:
        _wait_until_up(server, ready_path)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_until_up(server: Server, path: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            httpx.get(server.url + path, timeout=10)
            return
        except httpx.TransportError:
            assert server.proc.poll() is None, "server exited:\n" + server.log.read_text()
            assert time.monotonic() < deadline, "server did not start:\n" + server.log.read_text()
            time.sleep(0.3)


def csrf_token(client: httpx.Client, path: str) -> str:
    """GET ``path`` and return the CSRF token of its form (the cookie is kept by the client)."""
    page = client.get(path)
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)
