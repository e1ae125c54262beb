"""Web workers never load torch: every page, searches included, served by a real `paperfeed serve` worker.

torch loads libtorch (~400 MB) into the process that imports it; the worker's memory map shows
it. Semantic search runs (onnxruntime is mapped) without it.
"""

from __future__ import annotations

import gzip
import itertools
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.smtp import free_port

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "paperfeed" / "catalog" / "data" / "demo_papers.jsonl.gz"
SKIP = re.compile(r"logout|delete|remove|revoke|unsubscribe|/admin/|\.bib$|\.json$|^/static/")
MAX_PAGES = 150


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _mapped(pid: int, library: str) -> bool:
    return library in Path(f"/proc/{pid}/maps").read_text()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A served catalogue of 60 demo papers with embeddings: (base URL, gunicorn worker pid, env)."""
    data = tmp_path_factory.mktemp("site")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAPERFEED_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update(PAPERFEED_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="paperfeed.settings", PAPERFEED_RATELIMIT_ENABLE="0")
    papers = data / "papers.jsonl"
    with gzip.open(DEMO, "rt") as fh:
        papers.write_text("".join(itertools.islice(fh, 60)))

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "paperfeed.cli", *args], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    cli("migrate", "--noinput")
    cli("ingest", str(papers))
    cli("embed")
    cli("shell", "-c", "from tests.factories import make_user; make_user(username='ada', password='correct horse battery')")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "paperfeed.cli", "serve", "--skip-collectstatic",
                             "--port", str(port), "--workers", "1"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # the first start exports the ONNX query model
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.5)
        [master] = _children(proc.pid)
        [worker] = _children(master)
        yield base, worker
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def crawl(client: httpx.Client, start: list[str]) -> dict[str, int]:
    """GET every same-site page reachable from ``start`` (up to MAX_PAGES); returns path -> status."""
    seen: dict[str, int] = {}
    queue = list(start)
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        resp = client.get(path)
        seen[path] = resp.status_code
        if "html" in resp.headers.get("content-type", ""):
            for href in re.findall(r'href="(/[^"#]*)"', resp.text):
                href = href.replace("&amp;", "&")
                if href not in seen and not SKIP.search(href):
                    queue.append(href)
    return seen


def test_web_worker_never_loads_torch(site):
    base, worker = site
    starts = ["/", "/trending", "/search?q=graph+neural+networks", "/search?q=stochastic+games",
              "/api/papers/search?q=language+models", "/api/daily_papers", "/api/openapi.json", "/status",
              "/feeds/daily.rss", "/subscribe", "/accounts/signup/", "/accounts/login/", "/collections/"]
    with httpx.Client(base_url=base, timeout=60) as anonymous:
        pages = crawl(anonymous, starts)
    with httpx.Client(base_url=base, timeout=60) as reader:
        reader.get("/accounts/login/")
        reader.post("/accounts/login/", data={"username": "ada", "password": "correct horse battery",
                                              "csrfmiddlewaretoken": reader.cookies["csrftoken"]},
                    headers={"Referer": f"{base}/accounts/login/"})
        pages.update({f"{p} (logged in)": s for p, s in crawl(reader, [*starts, "/for-you", "/accounts/profile/",
                                                                          "/digests/preferences/", "/notifications/"]).items()})
    assert len(pages) > 60
    assert pages["/search?q=graph+neural+networks"] == 200
    assert _mapped(worker, "onnxruntime"), "semantic search should have run in the worker (through ONNX)"
    assert not _mapped(worker, "libtorch"), "a web worker loaded torch"
    assert [p for p, s in pages.items() if s >= 500] == []


def test_the_job_worker_beside_the_server_embeds_through_onnx(settings):
    from paperfeed.web.management.commands.serve import ONNX_EMBEDDER, TORCH_EMBEDDER, worker_settings

    settings.EMBEDDER, settings.QUERY_EMBEDDER, settings.EMBEDDING_QUANTIZE = TORCH_EMBEDDER, "onnx", ""
    assert worker_settings() == {"PAPERFEED_EMBEDDER": ONNX_EMBEDDER}  # same model name, same vectors
    settings.EMBEDDING_QUANTIZE = "int8"  # another model name: stored embeddings would not match
    assert worker_settings() == {}
    settings.EMBEDDING_QUANTIZE, settings.EMBEDDER = "", "paperfeed.search.embedding.hashing.HashingEmbedder"
    assert worker_settings() == {}


@pytest.mark.django_db
def test_without_the_exported_graph_a_web_worker_searches_by_keyword(monkeypatch, settings, tmp_path):
    from paperfeed.search import embedding, services

    settings.DATA_DIR = tmp_path  # no exported ONNX graph here
    monkeypatch.setattr(embedding, "_torch_allowed", False)  # what forbid_torch() does in serving.py
    embedding.forget_embedders()
    try:
        with pytest.raises(embedding.QueryModelNotReady):
            embedding.get_query_embedder()  # never exports (torch), never falls back to the torch model
        assert services.search(query="graph").hits == []  # keyword search still answers
    finally:
        embedding.forget_embedders()
