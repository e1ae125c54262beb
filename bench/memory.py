"""Memory of the embedded deployment: total RSS of `paperfeed serve --workers 2 --with-worker` on the demo.

    .venv/bin/python bench/memory.py [--searches 200] [--extra 300] [--data-dir var/bench/memory]

1. Builds (once) the demo catalogue under --data-dir (``paperfeed migrate``, ``demo_setup``) plus
   ``--extra`` papers without bundled embeddings, so the job worker's embed run loads the model.
2. Starts ``paperfeed serve --workers 2 --with-worker`` and waits until every paper is embedded.
3. Sends ``--searches`` searches (pages and API, both workers) and opens some paper pages.
4. Prints each process's RSS (serve, gunicorn master, web workers, job worker), the total against
   the 1 GB target, and whether any web worker has libtorch mapped (it must not).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "paperfeed.cli"]
TARGET_MB = 1024
WORDS = ["graph", "neural", "language", "models", "diffusion", "reinforcement", "learning", "robust",
         "vision", "transformer", "sparse", "attention", "agents", "retrieval", "causal", "quantum"]


def rss_mb(pid: int) -> float:
    """Resident set size of ``pid`` in MB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")


def build(env: dict[str, str], data: Path, extra: int) -> None:
    """The demo catalogue plus ``extra`` papers the worker must embed itself (once per data dir)."""
    if (data / ".built").exists():
        return
    subprocess.run([*CLI, "migrate", "--noinput", "-v0"], env=env, check=True)
    subprocess.run([*CLI, "demo_setup"], env=env, check=True)
    with gzip.open(REPO / "paperfeed/catalog/data/demo_papers.jsonl.gz", "rt") as fh:
        demo = [json.loads(line) for _, line in zip(range(extra), fh)]
    extra_file = data / "extra.jsonl"
    extra_file.write_text("".join(json.dumps({**p, "id": f"2612.9{i:04d}"}) + "\n" for i, p in enumerate(demo)))
    subprocess.run([*CLI, "ingest", str(extra_file)], env=env, check=True)
    (data / ".built").touch()


def pending_embeddings(env: dict[str, str]) -> int:
    code = ("from paperfeed.catalog.models import Paper; from paperfeed.search.embedding import get_embedder; "
            "print(Paper.objects.exclude(embeddings__model=get_embedder().name).count())")
    out = subprocess.run([*CLI, "shell", "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--extra", type=int, default=300)
    parser.add_argument("--port", type=int, default=8391)
    parser.add_argument("--data-dir", type=Path, default=REPO / "var" / "bench" / "memory")
    args = parser.parse_args()
    data = args.data_dir.resolve()
    data.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PAPERFEED_DATA_DIR": str(data), "PAPERFEED_HARVEST_ENABLED": "0",
           "PAPERFEED_EMBED_INTERVAL_SECONDS": "2", "PAPERFEED_RATELIMIT_ENABLE": "0"}
    env.pop("DATABASE_URL", None)
    build(env, data, args.extra)
    # An embed run every time: the extra papers lose their embeddings, the job worker embeds them again.
    forget = ("from paperfeed.search.models import PaperEmbedding; "
              "PaperEmbedding.objects.filter(paper__arxiv_id__startswith='2612.9').delete()")
    subprocess.run([*CLI, "shell", "-c", forget], env=env, check=True, capture_output=True)
    serve = subprocess.Popen([*CLI, "serve", "--workers", "2", "--with-worker", "--port", str(args.port)], env=env)
    base = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.monotonic() + 600
        while pending_embeddings(env):
            assert time.monotonic() < deadline and serve.poll() is None, "the worker did not embed the papers"
            time.sleep(3)
        rng = random.Random(1)
        start = time.perf_counter()
        for i in range(args.searches):
            query = urllib.parse.quote(" ".join(rng.sample(WORDS, 2)))
            path = f"/search?q={query}" if i % 2 else f"/api/papers/search?q={query}"
            urllib.request.urlopen(base + path, timeout=60).read()
            if i % 10 == 0:
                urllib.request.urlopen(f"{base}/papers/2612.9{i % args.extra:04d}", timeout=60).read()
        print(f"{args.searches} searches in {time.perf_counter() - start:.1f} s")
        report(serve.pid)
    finally:
        serve.terminate()
        serve.wait(timeout=30)


def report(serve_pid: int) -> None:
    """Print the process tree's RSS and the total against the target."""
    rows = [("serve", serve_pid)]
    for child in children(serve_pid):
        if "gunicorn" in cmdline(child):
            rows.append(("gunicorn master", child))
            rows += [("web worker", w) for w in children(child)]
        else:
            rows.append(("job worker", child))
    total = 0.0
    for name, pid in rows:
        mb = rss_mb(pid)
        total += mb
        torch = "libtorch" in Path(f"/proc/{pid}/maps").read_text()
        print(f"{name:16} pid {pid:>7}  {mb:7.0f} MB{'  (torch loaded)' if torch else ''}")
    print(f"{'total':16} {'':11}  {total:7.0f} MB  (target {TARGET_MB} MB: {'met' if total <= TARGET_MB else 'MISSED'})")


if __name__ == "__main__":
    sys.exit(main())
