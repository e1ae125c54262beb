"""PostgreSQL search backends behind the search app's interfaces.

* ``PgKeywordIndex`` (a ``KeywordIndex``, keyword/base.py): BM25 over the weighted tsvector in ``search_pg_document``.
  Candidates come from the GIN index (any query term matches); each term's weighted, saturating
  frequency comes from ``ts_rank`` (title counts three times, as in the FTS5 backend), and is scored
  with BM25's IDF and length normalisation (k1 = 1.2, b = 0.75), so scores behave like the SQLite
  backend's and the same fusion weights apply.
* ``PgVectorLiveIndex`` (the live index the search service asks for): pgvector HNSW over
  ``search_pg_embedding``; every web worker shares the one index in the database, so nothing is
  loaded into process memory and a new embedding is found as soon as it is committed.
* ``PgVectorIndex`` (a ``VectorIndex``): a scratch pgvector table for evaluations and benchmarks.

Every user string is reduced to word terms by ``query_terms`` and each term is passed as a bound
parameter to ``plainto_tsquery``, so no query text is ever parsed as tsquery syntax.
"""

from __future__ import annotations

import math
import threading
import time

import numpy as np
from django.conf import settings
from django.db import connections, transaction

from paperfeed.search.keyword.base import KeywordIndex
from paperfeed.search.text import query_terms
from paperfeed.search.vectors import LiveVectorIndex

from .ddl import DOC_FILL, DOC_TABLE, HNSW_DIMS, TS_CONFIG, VEC_TABLE, install

# BM25 parameters, tuned on SciFact *train* (809 queries; docs/deployment.md): ts_rank's term
# frequency already saturates, so a softer length normalisation and a larger scale fit best.
K1 = 1.2
B = 0.6
# ts_rank weights {D, C (authors), B (abstract), A (title)}: the title counts three times, as in
# the FTS5 backend (ts_rank caps weights at 1, so the others get 1/3). ts_rank divides by pi^2/6,
# so 3 * pi^2/6 turns one abstract occurrence into a frequency of 1; the tuned 1.5 comes on top.
TITLE_WEIGHT = 3
RANK_WEIGHTS = "{%.6f, %.6f, %.6f, 1.0}" % ((1 / TITLE_WEIGHT,) * 3)
TF_SCALE = 1.5 * TITLE_WEIGHT * 1.6449340668
STATS_SECONDS = 60.0
# Above this many postings (summed document frequencies) candidates come from the rarest query
# terms only (still scored with every term): one common word must not make a query score most of
# the catalogue. Same idea as the FTS5 backend's pruning; measured in bench/search_postgres.py.
PRUNE_POSTINGS = 5_000
EF_SEARCH = 100  # hnsw.ef_search floor; raised to k for deeper searches (recall@10 >= 0.95)


def _vector_literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{float(x):.6g}" for x in np.asarray(vector, dtype=np.float32).reshape(-1)) + "]"


class PgKeywordIndex(KeywordIndex):
    """BM25-scored PostgreSQL full-text search over ``table`` (default: the site's papers)."""

    _stats: dict[tuple[str, str], tuple[float, int, float, dict[str, float]]] = {}
    _stats_lock = threading.Lock()

    def __init__(self, using: str = "default", *, table: str = DOC_TABLE) -> None:
        self.using = using
        self.table = table

    def _corpus_stats(self, cursor) -> tuple[int, float, dict[str, float]]:
        """(documents, average length, {common lexeme: share of documents}), cached for a minute.

        The common lexemes and their shares come from the planner's statistics (``pg_stats``,
        kept by ANALYZE/autovacuum), so the IDF of a frequent word costs no scan at query time.
        """
        key = (self.using, self.table)
        now = time.monotonic()
        with self._stats_lock:
            cached = self._stats.get(key)
        if cached and now - cached[0] < STATS_SECONDS:
            return cached[1], cached[2], cached[3]
        cursor.execute(f"SELECT count(*), coalesce(avg(doclen), 0) FROM {self.table}")
        count, avgdl = cursor.fetchone()
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = %s AND attname = 'document' AND most_common_elems IS NOT NULL",
            [self.table.rpartition(".")[2]],
        )
        row = cursor.fetchone()
        common = dict(zip(row[0], row[1])) if row else {}
        with self._stats_lock:
            self._stats[key] = (now, int(count), float(avgdl), common)
        return int(count), float(avgdl), common

    @classmethod
    def forget_stats(cls) -> None:
        """Drop cached corpus statistics (after bulk loads and in tests)."""
        with cls._stats_lock:
            cls._stats.clear()

    def _term_queries(self, cursor, terms: list[str], count: int, common: dict[str, float]) -> list[tuple[str, int]]:
        """Each distinct term's tsquery text and document frequency (terms that stem to nothing drop out).

        Frequent lexemes take their frequency from the statistics; the rest are counted (the
        GIN index makes counting a rare word cheap).
        """
        cursor.execute(
            f"SELECT DISTINCT q::text FROM unnest(%s::text[]) AS t, "
            f"LATERAL plainto_tsquery('{TS_CONFIG}', search_pg_fold(t)) AS q WHERE numnode(q) > 0",
            [terms],
        )
        queries = sorted(r[0] for r in cursor.fetchall())
        dfs: dict[str, int] = {}
        for q in queries:
            lexeme = q[1:-1] if q.count("'") == 2 and q.startswith("'") and q.endswith("'") else None
            if lexeme is not None and lexeme in common:
                dfs[q] = max(1, round(common[lexeme] * count))
        rest = [q for q in queries if q not in dfs]
        if rest:
            cursor.execute(
                f"SELECT q, (SELECT count(*) FROM {self.table} d WHERE d.document @@ q::tsquery) FROM unnest(%s::text[]) AS q",
                [rest],
            )
            dfs.update({q: int(df) for q, df in cursor.fetchall()})
        return [(q, dfs[q]) for q in queries if dfs.get(q)]

    def _ranked(self, query: str, *, restrict_sql: str, restrict_params: list, limit: int | None) -> list[tuple[int, float]]:
        terms = query_terms(query)
        if not terms or (limit is not None and limit <= 0):
            return []
        with connections[self.using].cursor() as cursor:
            count, avgdl, common = self._corpus_stats(cursor)
            queries = self._term_queries(cursor, terms, count, common)
            if not queries:
                return []
            count = max(count, max(df for _, df in queries))
            idfs = [max(math.log((count - df + 0.5) / (df + 0.5)), 1e-6) for _, df in queries]
            candidates = [q for q, _ in queries]
            if limit is not None and sum(df for _, df in queries) > PRUNE_POSTINGS:
                candidates, postings = [], 0
                for q, df in sorted(queries, key=lambda pair: (pair[1], pair[0])):
                    if candidates and postings + df > PRUNE_POSTINGS:
                        break
                    candidates.append(q)
                    postings += df
            sql = (
                f"SELECT d.paper_id, sum(t.idf * f.tf * {K1 + 1} / (f.tf + {K1} * ({1 - B} + {B} * d.doclen / %s))) AS score "
                f"FROM {self.table} d CROSS JOIN unnest(%s::tsquery[], %s::float8[]) AS t(q, idf) "
                f"CROSS JOIN LATERAL (SELECT ts_rank('{RANK_WEIGHTS}', d.document, t.q) * {TF_SCALE} AS tf) AS f "
                f"WHERE d.document @@ %s::tsquery {restrict_sql} GROUP BY d.paper_id ORDER BY score DESC, d.paper_id"
            )
            params: list = [max(avgdl, 1.0), [q for q, _ in queries], idfs, " | ".join(f"({q})" for q in candidates),
                            *restrict_params]
            if limit is not None:
                sql += " LIMIT %s"
                params.append(int(limit))
            cursor.execute(sql, params)
            return [(int(pid), float(score)) for pid, score in cursor.fetchall()]

    def search(self, query: str, *, limit: int = 200, where_sql: str = "", where_params: tuple = ()) -> list[tuple[int, float]]:
        """Return (paper id, BM25 score) pairs for the sanitised ``query``, best first."""
        restrict = f"AND d.paper_id IN ({where_sql})" if where_sql else ""
        return self._ranked(query, restrict_sql=restrict, restrict_params=list(where_params), limit=limit)

    def score(self, query: str, ids: list[int]) -> dict[int, float]:
        """BM25 scores (same scale as ``search``) of those papers in ``ids`` that match the query."""
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        return dict(self._ranked(query, restrict_sql="AND d.paper_id = ANY(%s)", restrict_params=[ids], limit=None))

    def rebuild(self) -> int:
        """Re-create the tables, functions and triggers and refill them from the catalogue."""
        with transaction.atomic(using=self.using), connections[self.using].cursor() as cursor:
            install(cursor, fill=False)
            cursor.execute(f"TRUNCATE {DOC_TABLE}")
            cursor.execute(DOC_FILL)
            cursor.execute(f"SELECT count(*) FROM {DOC_TABLE}")
            count = int(cursor.fetchone()[0])
            cursor.execute(f"ANALYZE {DOC_TABLE}")  # word frequencies for IDF (see _corpus_stats)
        self.forget_stats()
        return count


def _nearest(cursor, *, table: str, where: str, params: list, query: np.ndarray, k: int,
             dim: int, cast: str) -> tuple[np.ndarray, np.ndarray]:
    """Run one cosine top-``k`` query on ``embedding{cast}`` (the cast picks the HNSW expression index)."""
    cursor.execute("SELECT set_config('hnsw.ef_search', %s, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)",
                   [str(min(max(EF_SEARCH, k), 1000))])
    cursor.execute(
        f"SELECT paper_id, embedding{cast} <=> %s::halfvec({int(dim)}) AS distance FROM {table} "
        f"WHERE dim = {int(dim)} {where} ORDER BY distance LIMIT %s",
        [_vector_literal(query), *params, int(k)],
    )
    rows = sorted(cursor.fetchall(), key=lambda r: (r[1], r[0]))  # relaxed order: re-sort
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    return ids, (1.0 - np.array([r[1] for r in rows], dtype=np.float32))


class PgVectorLiveIndex:
    """The search service's live vector index, answered by pgvector in the shared database.

    Falls back to the in-process ``LiveVectorIndex`` where the pgvector objects are absent.
    """

    def __init__(self, model: str, *, using: str = "default") -> None:
        self.model = model
        self.using = using
        self.dim = 0
        self._checked = 0.0
        self._fallback = None
        self._probed = False

    def _probe(self) -> None:
        if self._probed:
            return
        with connections[self.using].cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [VEC_TABLE])
            present = bool(cursor.fetchone()[0])
        if not present:
            self._fallback = LiveVectorIndex(self.model, using=self.using)
        self._probed = True

    def refresh(self, *, force: bool = False) -> None:
        """Learn the stored vectors' dimension (cheap; re-checked every few seconds)."""
        self._probe()
        if self._fallback is not None:
            self._fallback.refresh(force=force)
            self.dim = self._fallback.dim
            return
        now = time.monotonic()
        if not force and self.dim and now - self._checked < settings.SEARCH_REFRESH_SECONDS:
            return
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"SELECT dim FROM {VEC_TABLE} WHERE model = %s LIMIT 1", [self.model])
            row = cursor.fetchone()
        self.dim, self._checked = (int(row[0]) if row else 0), now

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the ``k`` nearest paper ids and their cosine scores, best first."""
        self.refresh()
        if self._fallback is not None:
            return self._fallback.search(query, k)
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        if k <= 0 or not self.dim or query.shape[0] != self.dim:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        with transaction.atomic(using=self.using), connections[self.using].cursor() as cursor:
            cast = f"::halfvec({self.dim})" if self.dim in HNSW_DIMS else ""
            return _nearest(cursor, table=VEC_TABLE, where="AND model = %s", params=[self.model],
                            query=query, k=k, dim=self.dim, cast=cast)

    def vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Return the stored vectors of those papers in ``ids`` that have one under this model."""
        self.refresh()
        if self._fallback is not None:
            return self._fallback.vectors(ids)
        if not ids:
            return {}
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"SELECT paper_id, embedding::real[] FROM {VEC_TABLE} WHERE model = %s AND paper_id = ANY(%s)",
                           [self.model, [int(i) for i in ids]])
            return {int(pid): np.asarray(values, dtype=np.float32) for pid, values in cursor.fetchall()}


class PgVectorIndex:
    """A ``VectorIndex`` in its own pgvector table (scratch indexes for evaluations and benchmarks).

    ``add`` inserts rows; the HNSW index is built once, on the first search after adding
    (bulk-building is several times faster than inserting into a live graph).
    """

    def __init__(self, dim: int, *, using: str = "default", table: str = "search_pg_scratch_vectors",
                 exact: bool = False) -> None:
        self.dim, self.using, self.table, self.exact = int(dim), using, table, exact
        self._size = 0
        self._indexed = True
        with connections[using].cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} (paper_id bigint PRIMARY KEY, dim integer NOT NULL, "
                           f"embedding halfvec({self.dim}) NOT NULL)")

    def __len__(self) -> int:
        return self._size

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Insert rows (ids must be new)."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        rows = [(int(i), self.dim, _vector_literal(v)) for i, v in zip(ids, vectors)]
        with connections[self.using].cursor() as cursor:
            cursor.executemany(f"INSERT INTO {self.table}(paper_id, dim, embedding) VALUES (%s, %s, %s::halfvec)", rows)
        self._size += len(rows)
        self._indexed = self.exact

    def _build(self) -> None:
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"DROP INDEX IF EXISTS {self.table}_hnsw")
            cursor.execute(f"CREATE INDEX {self.table}_hnsw ON {self.table} USING hnsw (embedding halfvec_cosine_ops) "
                           f"WITH (m = 16, ef_construction = 128)")
            cursor.execute(f"ANALYZE {self.table}")
        self._indexed = True

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, cosine scores) of the ``k`` nearest rows, best first."""
        if k <= 0 or not self._size:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if not self._indexed:
            self._build()
        with transaction.atomic(using=self.using), connections[self.using].cursor() as cursor:
            if self.exact:
                cursor.execute("SET LOCAL enable_indexscan = off")
            return _nearest(cursor, table=self.table, where="", params=[], query=query, k=k, dim=self.dim, cast="")

    def vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        """Return stored vectors by id."""
        if not ids:
            return {}
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"SELECT paper_id, embedding::real[] FROM {self.table} WHERE paper_id = ANY(%s)", [[int(i) for i in ids]])
            return {int(pid): np.asarray(values, dtype=np.float32) for pid, values in cursor.fetchall()}

    def drop(self) -> None:
        """Drop the scratch table."""
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
