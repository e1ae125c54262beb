"""The PostgreSQL objects behind the search backends, kept in step with the catalogue by triggers.

``search_pg_document`` holds one weighted tsvector per paper (title A, abstract B, authors C,
English stemming, Latin diacritics folded) with a GIN index and the paper's token count for
BM25 length normalisation. ``search_pg_embedding`` mirrors ``search_paperembedding`` as pgvector
``halfvec`` rows (the float16 bytes are decoded in SQL) with an HNSW cosine index for 384-dim
vectors. Neither table has a foreign key: insert, update, delete and TRUNCATE triggers keep them in
step, so Django's flush and ``loaddata`` need to know nothing about them. New papers get their
documents from one statement-level trigger (set-based, per INSERT or COPY); during a bulk load
(``paperfeed ingest``) it only records the new id ranges in ``search_pg_pending`` and
``fill_missing`` builds those documents when the load announces its end (receivers.py).
"""

from __future__ import annotations

import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor

from django.db import connections

DOC_TABLE = "search_pg_document"
VEC_TABLE = "search_pg_embedding"
PENDING_TABLE = "search_pg_pending"  # paper id ranges a bulk load left without documents
TS_CONFIG = "english"
HNSW_DIMS = (384,)  # the default model's dimension; other dimensions are searched exactly
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 128


def _fold_table() -> tuple[str, str]:
    """Accented lower-case Latin letters and their plain forms, for SQL ``translate``."""
    src, dst = [], []
    for code in range(0xC0, 0x250):
        char = chr(code)
        if char != char.lower():
            continue
        base = unicodedata.normalize("NFKD", char)[0]
        if base != char and base.isascii() and base.isalpha():
            src.append(char)
            dst.append(base.lower())
    src.append("ß")
    dst.append("s")
    return "".join(src), "".join(dst)


def fold(text: str) -> str:
    """Python twin of ``search_pg_fold``: lower-case and strip Latin diacritics."""
    src, dst = _fold_table()
    return (text or "").lower().translate(str.maketrans(src, dst))


_SRC, _DST = _fold_table()

FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION search_pg_fold(t text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
        $$ SELECT CASE WHEN octet_length(t) = char_length(t) THEN lower(t)
                       ELSE translate(lower(coalesce(t, '')), '{_SRC}', '{_DST}') END $$""",
    """CREATE OR REPLACE FUNCTION search_pg_authors(a jsonb) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
        $$ SELECT CASE jsonb_typeof(a)
             WHEN 'array' THEN (SELECT coalesce(string_agg(value, ', '), '') FROM jsonb_array_elements_text(a))
             WHEN 'string' THEN a #>> '{}'
             ELSE '' END $$""",
    f"""CREATE OR REPLACE FUNCTION search_pg_tsvector(title text, abstract text, authors text) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
        $$ SELECT setweight(to_tsvector('{TS_CONFIG}'::regconfig, search_pg_fold(title)), 'A')
               || setweight(to_tsvector('{TS_CONFIG}'::regconfig, search_pg_fold(abstract)), 'B')
               || setweight(to_tsvector('{TS_CONFIG}'::regconfig, search_pg_fold(authors)), 'C') $$""",
    """CREATE OR REPLACE FUNCTION search_pg_doclen(v tsvector) RETURNS integer
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
        $$ SELECT coalesce(sum(coalesce(array_length(positions, 1), 1)), 0)::integer FROM unnest(v) $$""",
    f"""CREATE OR REPLACE FUNCTION search_pg_document_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE v tsvector;
        BEGIN
          IF TG_OP = 'DELETE' THEN
            DELETE FROM {DOC_TABLE} WHERE paper_id = OLD.id;
            RETURN NULL;
          END IF;
          v := search_pg_tsvector(NEW.title, NEW.abstract, search_pg_authors(NEW.authors::jsonb));
          INSERT INTO {DOC_TABLE}(paper_id, document, doclen) VALUES (NEW.id, v, search_pg_doclen(v))
          ON CONFLICT (paper_id) DO UPDATE SET document = EXCLUDED.document, doclen = EXCLUDED.doclen;
          RETURN NULL;
        END $$""",
    # New papers, set-based, once per statement (a COPY of a whole ingest batch is one statement).
    # During a bulk load (catalog's ``paperfeed.bulk_load`` session setting) it leaves them to
    # DOC_FILL_MISSING, which the ``papers_ingested(final=True)`` receiver runs (receivers.py).
    f"""CREATE OR REPLACE FUNCTION search_pg_document_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF current_setting('paperfeed.bulk_load', true) = 'on' THEN
            INSERT INTO {PENDING_TABLE}(lo, hi) SELECT min(id), max(id) FROM search_pg_new_papers HAVING count(*) > 0;
            RETURN NULL;
          END IF;
          INSERT INTO {DOC_TABLE}(paper_id, document, doclen)
          SELECT n.id, v, search_pg_doclen(v) FROM search_pg_new_papers n,
                 LATERAL search_pg_tsvector(n.title, n.abstract, search_pg_authors(n.authors::jsonb)) AS v
          ON CONFLICT (paper_id) DO UPDATE SET document = EXCLUDED.document, doclen = EXCLUDED.doclen;
          RETURN NULL;
        END $$""",
    f"""CREATE OR REPLACE FUNCTION search_pg_document_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN TRUNCATE {DOC_TABLE}; RETURN NULL; END $$""",
    # A changed title or abstract makes the stored embedding stale: drop it so the embed job redoes it.
    """CREATE OR REPLACE FUNCTION search_pg_embedding_stale() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN DELETE FROM search_paperembedding WHERE paper_id = OLD.id; RETURN NULL; END $$""",
]

DOC_DDL = [
    f"""CREATE TABLE IF NOT EXISTS {DOC_TABLE} (
        paper_id bigint PRIMARY KEY,
        document tsvector NOT NULL,
        doclen integer NOT NULL)""",
    f"CREATE INDEX IF NOT EXISTS {DOC_TABLE}_gin ON {DOC_TABLE} USING gin (document)",
    f"""CREATE TABLE IF NOT EXISTS {PENDING_TABLE} (
        id bigserial PRIMARY KEY,
        lo bigint NOT NULL,
        hi bigint NOT NULL)""",
    "DROP TRIGGER IF EXISTS search_pg_doc_ins ON catalog_paper",
    "DROP TRIGGER IF EXISTS search_pg_doc_upd ON catalog_paper",
    "DROP TRIGGER IF EXISTS search_pg_doc_del ON catalog_paper",
    "DROP TRIGGER IF EXISTS search_pg_doc_trunc ON catalog_paper",
    "DROP TRIGGER IF EXISTS search_pg_emb_stale ON catalog_paper",
    """CREATE TRIGGER search_pg_doc_ins AFTER INSERT ON catalog_paper
        REFERENCING NEW TABLE AS search_pg_new_papers
        FOR EACH STATEMENT EXECUTE FUNCTION search_pg_document_insert()""",
    """CREATE TRIGGER search_pg_doc_upd AFTER UPDATE OF title, abstract, authors ON catalog_paper
        FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.abstract IS DISTINCT FROM NEW.abstract
                           OR OLD.authors::text IS DISTINCT FROM NEW.authors::text)
        EXECUTE FUNCTION search_pg_document_sync()""",
    """CREATE TRIGGER search_pg_doc_del AFTER DELETE ON catalog_paper
        FOR EACH ROW EXECUTE FUNCTION search_pg_document_sync()""",
    """CREATE TRIGGER search_pg_doc_trunc AFTER TRUNCATE ON catalog_paper
        FOR EACH STATEMENT EXECUTE FUNCTION search_pg_document_truncate()""",
    """CREATE TRIGGER search_pg_emb_stale AFTER UPDATE OF title, abstract ON catalog_paper
        FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.abstract IS DISTINCT FROM NEW.abstract)
        EXECUTE FUNCTION search_pg_embedding_stale()""",
]

# Search confirms its candidates (a few hundred primary keys per query) against the visible
# papers. Past shared_buffers that read one heap page per candidate (6 ms p50, 13 ms p95 for the
# keyword side at 1M papers); this index of the visible papers' ids answers from the index alone
# (an index-only scan: 1.3 ms for 100 ids not in memory), once (auto)vacuum has marked the pages.
# Created by migration 0004 only: ``install`` runs inside ``reindex``'s transaction, where a
# CREATE INDEX on catalog_paper fails while the insert trigger has events pending.
VISIBLE_DDL = ["CREATE INDEX IF NOT EXISTS search_pg_visible_ids ON catalog_paper (id) WHERE NOT hidden"]

DOC_FILL = (
    f"INSERT INTO {DOC_TABLE}(paper_id, document, doclen) "
    f"SELECT p.id, v, search_pg_doclen(v) FROM catalog_paper p, "
    f"LATERAL search_pg_tsvector(p.title, p.abstract, search_pg_authors(p.authors::jsonb)) AS v "
    f"ON CONFLICT (paper_id) DO UPDATE SET document = EXCLUDED.document, doclen = EXCLUDED.doclen"
)

# Papers without a document in a range a bulk load left (PENDING_TABLE), one id window at a time:
# %(lo)s, %(hi)s bound paper ids.
DOC_FILL_MISSING = (
    f"INSERT INTO {DOC_TABLE}(paper_id, document, doclen) "
    f"SELECT p.id, v, search_pg_doclen(v) FROM catalog_paper p, "
    f"LATERAL search_pg_tsvector(p.title, p.abstract, search_pg_authors(p.authors::jsonb)) AS v "
    f"WHERE p.id >= %(lo)s AND p.id < %(hi)s "
    f"AND NOT EXISTS (SELECT 1 FROM {DOC_TABLE} d WHERE d.paper_id = p.id) "
    f"ON CONFLICT (paper_id) DO NOTHING"
)
FILL_WINDOW = 50_000  # paper ids per DOC_FILL_MISSING transaction
# Windows filled at once after a bulk load: two cores of the database host (a load of 1M papers
# spends about 240 s of its CPU stemming; bench/scale.py).
FILL_WORKERS = 2

VECTOR_FUNCTIONS = [
    # Little-endian IEEE float16 bytes (PaperEmbedding.pack) -> halfvec, exactly (every f16 is a real).
    """CREATE OR REPLACE FUNCTION search_pg_f16(b bytea) RETURNS halfvec
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT array_agg(
                 (CASE WHEN h >= 32768 THEN -1.0 ELSE 1.0 END)::float8 *
                 CASE WHEN ((h >> 10) & 31) = 0 THEN (h & 1023) * power(2::float8, -24)
                      WHEN ((h >> 10) & 31) = 31 THEN 65504::float8
                      ELSE (1024 + (h & 1023)) * power(2::float8, ((h >> 10) & 31) - 25) END
                 ORDER BY i)::real[]::halfvec
        FROM (SELECT i, get_byte(b, 2 * i) + (get_byte(b, 2 * i + 1) << 8) AS h
              FROM generate_series(0, length(b) / 2 - 1) AS i) AS s $$""",
    f"""CREATE OR REPLACE FUNCTION search_pg_embedding_sync() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP <> 'INSERT' THEN
            DELETE FROM {VEC_TABLE} WHERE embedding_id = OLD.id;
          END IF;
          IF TG_OP <> 'DELETE' AND length(NEW.vector) >= 2 THEN
            INSERT INTO {VEC_TABLE}(embedding_id, paper_id, model, dim, embedding)
            VALUES (NEW.id, NEW.paper_id, NEW.model, length(NEW.vector) / 2, search_pg_f16(NEW.vector));
          END IF;
          RETURN NULL;
        END $$""",
    f"""CREATE OR REPLACE FUNCTION search_pg_embedding_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN TRUNCATE {VEC_TABLE}; RETURN NULL; END $$""",
]

VEC_DDL = [
    f"""CREATE TABLE IF NOT EXISTS {VEC_TABLE} (
        embedding_id bigint PRIMARY KEY,
        paper_id bigint NOT NULL,
        model varchar(200) NOT NULL,
        dim integer NOT NULL,
        embedding halfvec NOT NULL)""",
    f"CREATE INDEX IF NOT EXISTS {VEC_TABLE}_model ON {VEC_TABLE} (model, dim)",
    f"CREATE INDEX IF NOT EXISTS {VEC_TABLE}_paper ON {VEC_TABLE} (paper_id)",  # vectors(ids)
    *[
        f"""CREATE INDEX IF NOT EXISTS {VEC_TABLE}_hnsw{dim} ON {VEC_TABLE}
            USING hnsw ((embedding::halfvec({dim})) halfvec_cosine_ops)
            WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION}) WHERE dim = {dim}"""
        for dim in HNSW_DIMS
    ],
    "DROP TRIGGER IF EXISTS search_pg_emb_sync ON search_paperembedding",
    "DROP TRIGGER IF EXISTS search_pg_emb_trunc ON search_paperembedding",
    """CREATE TRIGGER search_pg_emb_sync AFTER INSERT OR DELETE OR UPDATE OF id, paper_id, model, vector
        ON search_paperembedding FOR EACH ROW EXECUTE FUNCTION search_pg_embedding_sync()""",
    """CREATE TRIGGER search_pg_emb_trunc AFTER TRUNCATE ON search_paperembedding
        FOR EACH STATEMENT EXECUTE FUNCTION search_pg_embedding_truncate()""",
]

VEC_FILL = (
    f"INSERT INTO {VEC_TABLE}(embedding_id, paper_id, model, dim, embedding) "
    f"SELECT id, paper_id, model, length(vector) / 2, search_pg_f16(vector) FROM search_paperembedding "
    f"WHERE length(vector) >= 2 ON CONFLICT (embedding_id) DO NOTHING"
)

DROP = [
    "DROP TRIGGER IF EXISTS search_pg_emb_sync ON search_paperembedding",
    "DROP TRIGGER IF EXISTS search_pg_emb_trunc ON search_paperembedding",
    "DROP TRIGGER IF EXISTS search_pg_doc_ins ON catalog_paper",
    "DROP TRIGGER IF EXISTS search_pg_doc_upd ON catalog_paper",
    "DROP TRIGGER IF EXISTS search_pg_doc_del ON catalog_paper",
    "DROP TRIGGER IF EXISTS search_pg_doc_trunc ON catalog_paper",
    "DROP TRIGGER IF EXISTS search_pg_emb_stale ON catalog_paper",
    f"DROP TABLE IF EXISTS {VEC_TABLE}",
    f"DROP TABLE IF EXISTS {DOC_TABLE}",
    f"DROP TABLE IF EXISTS {PENDING_TABLE}",
    "DROP FUNCTION IF EXISTS search_pg_embedding_sync()",
    "DROP FUNCTION IF EXISTS search_pg_embedding_truncate()",
    "DROP FUNCTION IF EXISTS search_pg_f16(bytea)",
    "DROP FUNCTION IF EXISTS search_pg_document_sync()",
    "DROP FUNCTION IF EXISTS search_pg_document_insert()",
    "DROP FUNCTION IF EXISTS search_pg_document_truncate()",
    "DROP FUNCTION IF EXISTS search_pg_embedding_stale()",
    "DROP FUNCTION IF EXISTS search_pg_doclen(tsvector)",
    "DROP FUNCTION IF EXISTS search_pg_tsvector(text, text, text)",
    "DROP FUNCTION IF EXISTS search_pg_authors(jsonb)",
    "DROP FUNCTION IF EXISTS search_pg_fold(text)",
]


def has_pgvector(cursor) -> bool:
    """Whether the ``vector`` extension is installed, or can be installed now, in this database."""
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
    if cursor.fetchone():
        return True
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
    if not cursor.fetchone():
        return False
    cursor.execute("SAVEPOINT search_pg_vector")
    try:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except Exception:  # not allowed (needs a superuser before PostgreSQL 13's trusted extensions)
        cursor.execute("ROLLBACK TO SAVEPOINT search_pg_vector")
        return False
    cursor.execute("RELEASE SAVEPOINT search_pg_vector")
    return True


def install(cursor, *, fill: bool = True) -> bool:
    """Create (or re-create) every object and optionally fill them; return whether vectors are on.

    Idempotent: run by the migration and by ``paperfeed reindex``.
    """
    for stmt in FUNCTIONS + DOC_DDL:
        cursor.execute(stmt)
    if fill:
        cursor.execute(DOC_FILL)
    vectors = has_pgvector(cursor)
    if vectors:
        for stmt in VECTOR_FUNCTIONS + VEC_DDL:
            cursor.execute(stmt)
        if fill:
            cursor.execute(VEC_FILL)
    return vectors


def fill_missing(cursor, *, workers: int = 1) -> int:
    """Build the documents a bulk load left for later (PENDING_TABLE); return how many were added.

    One id window per statement: outside a transaction each commits on its own, and the pending
    ranges are cleared only at the end, so an interrupted fill is redone (skipping what it did).
    ``workers`` > 1 (outside a transaction only) fills that many windows at once, each on a
    connection of its own: PostgreSQL builds one statement's documents on one core, and stemming
    is nearly all of the cost (about 240 us a paper).
    """
    cursor.execute(f"SELECT max(id), min(lo), max(hi) FROM {PENDING_TABLE}")
    last, lo, hi = cursor.fetchone()
    if last is None:
        return 0
    starts = range(lo, hi + 1, FILL_WINDOW)
    if workers > 1 and len(starts) > 1 and not cursor.db.in_atomic_block:
        added = _fill_windows_in_parallel(cursor.db.alias, starts, workers)
    else:
        added = 0
        for start in starts:
            cursor.execute(DOC_FILL_MISSING, {"lo": start, "hi": start + FILL_WINDOW})
            added += max(cursor.rowcount, 0)
    cursor.execute(f"DELETE FROM {PENDING_TABLE} WHERE id <= %s", [last])
    if added:
        cursor.execute(f"ANALYZE {DOC_TABLE}")  # word frequencies for IDF, as after a rebuild
    return added


def _fill_windows_in_parallel(alias: str, starts: range, workers: int) -> int:
    """Run DOC_FILL_MISSING over ``starts`` from ``workers`` threads (Django gives each its own connection)."""
    todo, lock, failed = iter(starts), threading.Lock(), threading.Event()

    def work() -> int:
        added, connection = 0, connections[alias]
        try:
            with connection.cursor() as cursor:
                while not failed.is_set():
                    with lock:
                        start = next(todo, None)
                    if start is None:
                        break
                    cursor.execute(DOC_FILL_MISSING, {"lo": start, "hi": start + FILL_WINDOW})
                    added += max(cursor.rowcount, 0)
        except BaseException:
            failed.set()  # the other threads stop after their window; result() re-raises this
            raise
        finally:
            connection.close()
        return added

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="search-pg-fill") as pool:
        futures = [pool.submit(work) for _ in range(workers)]
    return sum(future.result() for future in futures)


def unindexed(cursor) -> int:
    """Papers a bulk load left without a keyword document so far (the PostgreSQL keyword index lag)."""
    cursor.execute(
        f"SELECT count(*) FROM {PENDING_TABLE} r JOIN catalog_paper p ON p.id BETWEEN r.lo AND r.hi "
        f"WHERE NOT EXISTS (SELECT 1 FROM {DOC_TABLE} d WHERE d.paper_id = p.id)"
    )
    return int(cursor.fetchone()[0])


def uninstall(cursor) -> None:
    """Drop every object (the migration's backwards step)."""
    for stmt in DROP:
        cursor.execute(stmt)
