"""BEIR evaluation through the PostgreSQL backends, in scratch tables of the configured database.

The twin of ``paperfeed.search.evaluation.runner.collect`` (scratch SQLite FTS5 + exact vectors): the
corpus goes into a scratch tsvector table searched by ``PgKeywordIndex`` and a scratch pgvector
table searched by ``PgVectorIndex`` (HNSW, as on the site); queries run through the same
``retrieve`` and are fused by the same code, so nDCG@10 compares backends and nothing else.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.db import connections

from paperfeed.search.embedding.base import Embedder, document_text
from paperfeed.search.hybrid import retrieve
from paperfeed.search.postgres.backends import PgKeywordIndex, PgVectorIndex

from .beir import BeirDataset
from .embedcache import cached_embed
from .runner import DEPTH, EvalRun, QueryLookup


def fill_scratch_docs(table: str, docs: list[tuple[int, str, str, str]], *, using: str = "default") -> None:
    """Create ``table`` shaped like ``search_pg_document`` and load (id, title, abstract, authors) rows."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TABLE {table} (paper_id bigint PRIMARY KEY, document tsvector NOT NULL, doclen integer NOT NULL)")
        for start in range(0, len(docs), 5000):
            chunk = docs[start : start + 5000]
            cursor.execute(
                f"INSERT INTO {table}(paper_id, document, doclen) SELECT u.id, v, search_pg_doclen(v) "
                f"FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS u(id, title, abstract, authors), "
                f"LATERAL search_pg_tsvector(u.title, u.abstract, u.authors) AS v",
                [[d[0] for d in chunk], [d[1] for d in chunk], [d[2] for d in chunk], [d[3] for d in chunk]],
            )
        cursor.execute(f"CREATE INDEX {table}_gin ON {table} USING gin (document)")
        cursor.execute(f"ANALYZE {table}")


def collect_pg(dataset: BeirDataset, *, embedder: Embedder, cache_dir: Path, depth: int = DEPTH,
               using: str = "default", log: Callable[[str], None] = print) -> EvalRun:
    """Index the corpus in scratch PostgreSQL tables; retrieve for every query (tables dropped after)."""
    doc_ids = list(dataset.corpus)
    corpus_texts = [document_text(*dataset.corpus[d]) for d in doc_ids]  # embedded, and read by proximity
    doc_vecs, hit = cached_embed(embedder, corpus_texts,
                                 cache_dir=cache_dir, progress=True)
    log(f"Corpus: {len(doc_ids)} docs, embeddings {'from cache' if hit else 'computed'} (PostgreSQL backends)")
    qids = list(dataset.queries)
    texts = [dataset.queries[q] for q in qids]
    q_vecs, _ = cached_embed(embedder, texts, cache_dir=cache_dir)
    lookup = QueryLookup(embedder.name, {t[:2000]: v for t, v in zip(texts, q_vecs)})
    suffix = f"{os.getpid()}"
    doc_table = f"search_pg_eval_docs_{suffix}"
    vectors = PgVectorIndex(doc_vecs.shape[1], using=using, table=f"search_pg_eval_vectors_{suffix}")
    try:
        fill_scratch_docs(doc_table, [(n, *dataset.corpus[d], "") for n, d in enumerate(doc_ids)], using=using)
        vectors.add(np.arange(len(doc_ids)), doc_vecs)
        keyword_index = PgKeywordIndex(using, table=doc_table)
        vectors.search(q_vecs[0], 1)  # builds the HNSW index outside the timed loop
        start = time.perf_counter()
        candidates = {
            qid: retrieve(text, keyword_index=keyword_index, embedder=lookup, vectors=vectors, depth=depth)
            for qid, text in zip(qids, texts)
        }
        seconds = time.perf_counter() - start
    finally:
        vectors.drop()
        with connections[using].cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {doc_table}")
        PgKeywordIndex.forget_stats()
    keyword = {q: c.keyword for q, c in candidates.items()}
    semantic = {q: c.semantic for q, c in candidates.items()}
    return EvalRun(doc_ids, dataset.queries, keyword, semantic, seconds, candidates, corpus_texts)
