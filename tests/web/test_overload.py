"""The real server under load: bounded queue, clients that hung up or queued too long are not served, long queries get a message."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from paperfeed.search.forms import MAX_QUERY_LENGTH
from paperfeed.web.shedding import ShedGoneClients, client_gone, queued_seconds
from tests.smtp import free_port

REPO = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`paperfeed serve --workers 1` on a migrated, empty catalogue: (base URL, gunicorn master pid)."""
    data = tmp_path_factory.mktemp("serve")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERFEED_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update({"PAPERFEED_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "paperfeed.settings"})
    subprocess.run([sys.executable, "-m", "paperfeed.cli", "migrate", "--noinput"], cwd=REPO, env=env,
                   check=True, capture_output=True, timeout=300)
    port = free_port()
    output = (data / "serve.log").open("w")  # the console mail backend prints here
    proc = subprocess.Popen([sys.executable, "-m", "paperfeed.cli", "serve", "--skip-collectstatic",
                             "--port", str(port), "--workers", "1"],
                            cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, (data / "serve.log").read_text()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        yield base, _children(proc.pid)[0], port
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        output.close()


def test_mails_link_to_the_port_the_demo_serves_on(server):
    base, master, _ = server
    env = Path(f"/proc/{master}/environ").read_bytes().split(b"\0")
    assert f"PAPERFEED_SITE_URL={base}".encode() in env  # serve --port set it for its children
    with httpx.Client(base_url=base, timeout=10) as client:
        client.get("/subscribe")
        client.post("/subscribe", data={"email": "ada@example.org", "csrfmiddlewaretoken": client.cookies["csrftoken"]})
    log = Path(env[[e.startswith(b"PAPERFEED_DATA_DIR=") for e in env].index(True)].split(b"=", 1)[1].decode())
    mail = (log / "serve.log").read_text()
    assert f"{base}/digests/confirm/" in mail and "http://127.0.0.1:8000" not in mail


def test_backlog_and_request_line_are_configured(server):
    _, master, _ = server
    args = Path(f"/proc/{master}/cmdline").read_bytes().decode().split("\0")
    assert args[args.index("--backlog") + 1] == "64"  # WEB_QUEUE_PER_WORKER, one worker
    assert args[args.index("--limit-request-line") + 1] == "8190"
    assert int(args[args.index("--timeout") + 1]) <= 30


def test_a_request_whose_client_left_while_queued_is_not_served(server):
    base, master, port = server
    [worker] = _children(master)
    os.kill(worker, signal.SIGSTOP)  # the only worker is busy: the request waits in the queue
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /search?q=queued HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.shutdown(socket.SHUT_WR)  # the client gives up (its half of the connection closes)
    finally:
        os.kill(worker, signal.SIGCONT)
    answer = b""
    while chunk := sock.recv(4096):
        answer += chunk
    sock.close()
    assert answer.startswith(b"HTTP/1.1 499 ")
    assert httpx.get(f"{base}/search?q=fresh", timeout=10).status_code == 200


def test_a_request_nginx_received_too_long_ago_is_answered_503_unserved(server):
    base, _, _ = server
    late = httpx.get(f"{base}/search?q=late", headers={"X-Request-Start": f"t={time.time() - 6:.3f}"}, timeout=10)
    assert late.status_code == 503 and late.headers["Retry-After"] == "1"
    fresh = httpx.get(f"{base}/search?q=late", headers={"X-Request-Start": f"t={time.time():.3f}"}, timeout=10)
    assert fresh.status_code == 200


def test_long_query_gets_a_message_not_a_bare_414(server):
    base, _, _ = server
    resp = httpx.get(f"{base}/search", params={"q": "é" * 1200}, timeout=10)  # ~7 KB request line
    assert resp.status_code == 200
    assert f"searches use at most {MAX_QUERY_LENGTH}" in resp.text


def test_client_gone_peeks_without_consuming():
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert not client_gone(ours)
        theirs.sendall(b"body")
        assert not client_gone(ours) and ours.recv(4) == b"body"
        theirs.shutdown(socket.SHUT_WR)
        assert client_gone(ours)
    assert not client_gone(None)


def test_shedding_answers_499_without_running_the_app():
    ours, theirs = socket.socketpair()
    theirs.close()
    called, statuses = [], []
    app = ShedGoneClients(lambda environ, start: called.append(1) or [b"page"])
    body = app({"gunicorn.socket": ours}, lambda status, headers: statuses.append(status))
    ours.close()
    assert (called, statuses, body) == ([], ["499 Client Closed Request"], [b""])


def test_queued_seconds_reads_nginx_and_apache_stamps():
    assert queued_seconds("t=1000.250", 1002.0) == 1.75  # nginx: seconds.milliseconds ($msec)
    assert queued_seconds("t=1000250000", 1002.0) is None  # not a plausible stamp: ignored
    assert queued_seconds("t=1000000000000000", 1000000001.5) == 1.5  # Apache: microseconds
    for odd in (None, "", "t=", "t=soon", "t=nan"):
        assert queued_seconds(odd, 1002.0) is None
    assert queued_seconds("t=1003", 1002.0) is None  # from the future (clocks apart): ignored


def test_shedding_answers_503_to_a_request_that_queued_too_long(settings):
    settings.WEB_QUEUE_TIMEOUT = 5
    called, statuses = [], []
    app = ShedGoneClients(lambda environ, start: called.append(1) or [b"page"])
    body = app({"HTTP_X_REQUEST_START": f"t={time.time() - 9:.3f}"}, lambda status, headers: statuses.append(status))
    assert (called, statuses) == ([], ["503 Service Unavailable"]) and b"busy" in body[0]
    assert app({"HTTP_X_REQUEST_START": f"t={time.time() - 1:.3f}"}, lambda status, headers: None) == [b"page"]
    settings.WEB_QUEUE_TIMEOUT = 0
    assert ShedGoneClients(lambda environ, start: [b"page"])({"HTTP_X_REQUEST_START": "t=1"}, None) == [b"page"]


def test_demo_site_url_follows_the_served_address(settings, monkeypatch):
    from paperfeed.web.management.commands.serve import demo_site_url

    monkeypatch.delenv("PAPERFEED_SITE_URL", raising=False)
    settings.PRODUCTION = False
    assert demo_site_url("127.0.0.1", 8313) == "http://127.0.0.1:8313"
    assert demo_site_url("0.0.0.0", 8313) == "http://127.0.0.1:8313"
    assert demo_site_url("::1", 8313) == "http://[::1]:8313"
    monkeypatch.setenv("PAPERFEED_SITE_URL", "https://papers.example.org")
    assert demo_site_url("127.0.0.1", 8313) == ""  # configured: kept
    monkeypatch.delenv("PAPERFEED_SITE_URL")
    settings.PRODUCTION = True
    assert demo_site_url("127.0.0.1", 8313) == ""  # production names its public URL itself
