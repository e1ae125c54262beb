"""The eval runner: a BEIR dataset through the site's search code, in scratch indexes (``paperfeed eval beir``)."""

from __future__ import annotations

import dataclasses
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from django.conf import settings

from paperfeed.search import fusion
from paperfeed.search.embedding.base import Embedder, document_text
from paperfeed.search.hybrid import Candidates, rank, retrieve
from paperfeed.search.keyword.base import KeywordIndex
from paperfeed.search.keyword.fts5 import Fts5KeywordIndex, fill_scratch
from paperfeed.search.keyword.tantivy import TantivyKeywordIndex
from paperfeed.search.vectors import ExactIndex

from .beir import BeirDataset
from .embedcache import cached_embed
from .metrics import mean_metric, ndcg_at_k, recall_at_k

DEPTH = 100
KEYWORD_BACKENDS = ("fts5", "tantivy")


def site_keyword_backend() -> str:
    """"tantivy" when the site's ``KEYWORD_BACKEND`` is the tantivy index, else "fts5"."""
    return "tantivy" if "tantivy" in settings.KEYWORD_BACKEND.lower() else "fts5"


@dataclasses.dataclass
class EvalRun:
    """Per-query candidate lists for one dataset, ready to be fused any number of ways."""

    doc_ids: list[str]
    queries: dict[str, str]
    keyword: dict[str, list[tuple[int, float]]]
    semantic: dict[str, list[tuple[int, float]]]
    seconds: float
    candidates: dict[str, Candidates] | None = None  # with the re-scored union (None: fuse the two lists)
    texts: list[str] | None = None  # doc texts by position, for proximity re-ranking


class QueryLookup:
    """An embedder that returns precomputed query vectors (the queries were embedded in one batch)."""

    def __init__(self, name: str, table: dict[str, np.ndarray]) -> None:
        self.name, self._table = name, table
        self.dim = next(iter(table.values())).shape[0] if table else 0

    def embed(self, texts: list[str], **kwargs) -> np.ndarray:
        """The stored vectors of ``texts`` (each must have been embedded beforehand)."""
        return np.stack([self._table[t] for t in texts])


def _scratch_keyword(kind: str, folder: Path, docs: list[tuple[int, str, str, str]]) -> tuple[KeywordIndex, Callable[[], None]]:
    """A scratch keyword index of ``kind`` ("fts5" or "tantivy") in ``folder``, and how to close it."""
    if kind == "tantivy":
        return TantivyKeywordIndex.scratch(folder / "tantivy", docs), lambda: None
    conn = sqlite3.connect(folder / "scratch.sqlite3")
    fill_scratch(conn, docs)
    return Fts5KeywordIndex(connection=conn), conn.close


def collect(dataset: BeirDataset, *, embedder: Embedder, cache_dir: Path, depth: int = DEPTH,
            log: Callable[[str], None] = print, keyword_backend: str = "fts5") -> EvalRun:
    """Index the corpus in a scratch keyword index (``keyword_backend``: fts5 or tantivy) and vector index;
    retrieve for every query."""
    doc_ids = list(dataset.corpus)
    t0 = time.perf_counter()
    corpus_texts = [document_text(*dataset.corpus[d]) for d in doc_ids]  # embedded, and read by proximity
    doc_vecs, hit = cached_embed(embedder, corpus_texts,
                                 cache_dir=cache_dir, progress=True)
    rate = "" if hit else f", {len(doc_ids) / (time.perf_counter() - t0):.1f} docs/s"
    log(f"Corpus: {len(doc_ids)} docs, embeddings {'from cache' if hit else 'computed'}{rate}")
    qids = list(dataset.queries)
    texts = [dataset.queries[q] for q in qids]
    q_vecs, _ = cached_embed(embedder, texts, cache_dir=cache_dir)
    lookup = QueryLookup(embedder.name, {t[:2000]: v for t, v in zip(texts, q_vecs)})
    index = ExactIndex(doc_vecs.shape[1])  # evaluate retrieval quality, not ANN error
    index.add(np.arange(len(doc_ids)), doc_vecs)
    with tempfile.TemporaryDirectory(prefix="paperfeed-beir-") as tmp:
        keyword_index, close = _scratch_keyword(keyword_backend, Path(tmp), [(n, *dataset.corpus[d], "") for n, d in enumerate(doc_ids)])
        try:
            start = time.perf_counter()
            candidates = {
                qid: retrieve(text, keyword_index=keyword_index, embedder=lookup, vectors=index, depth=depth)
                for qid, text in zip(qids, texts)
            }
            seconds = time.perf_counter() - start
        finally:
            close()
    keyword = {q: c.keyword for q, c in candidates.items()}
    semantic = {q: c.semantic for q, c in candidates.items()}
    return EvalRun(doc_ids, dataset.queries, keyword, semantic, seconds, candidates, corpus_texts)


def fused_runs(run: EvalRun) -> dict[str, dict[str, list[tuple[str, float]]]]:
    """Return ranked (doc id, score) lists per method: keyword, semantic, rrf, fusion."""
    out: dict[str, dict[str, list[tuple[str, float]]]] = {m: {} for m in ("keyword", "semantic", "rrf", "fusion")}
    ids = run.doc_ids
    for qid in run.queries:
        c = run.candidates[qid] if run.candidates else Candidates(
            run.keyword[qid], run.semantic[qid], run.keyword[qid], run.semantic[qid])
        out["keyword"][qid] = [(ids[d], s) for d, s in c.keyword]
        out["semantic"][qid] = [(ids[d], s) for d, s in c.semantic]
        out["rrf"][qid] = [(ids[f.doc], f.score) for f in fusion.rrf(c.keyword, c.semantic)][:DEPTH]
        texts = (lambda docs: {d: run.texts[d] for d in docs}) if run.texts else None
        fused = rank(c, run.queries[qid], texts=texts)
        out["fusion"][qid] = [(ids[f.doc], f.score) for f in fused][:DEPTH]
    return out


def score(ranked: dict[str, list[tuple[str, float]]], qrels: dict[str, dict[str, int]]) -> tuple[float, float]:
    """Return (nDCG@10, recall@100) of one method's run."""
    docs = {q: [d for d, _ in r] for q, r in ranked.items()}
    return mean_metric(docs, qrels, ndcg_at_k, k=10), mean_metric(docs, qrels, recall_at_k, k=100)


def report_lines(run: EvalRun, runs: dict[str, dict[str, list[tuple[str, float]]]],
                 qrels: dict[str, dict[str, int]]) -> list[str]:
    """The table ``paperfeed eval`` prints: nDCG@10 and recall@100 per method, then the query time."""
    labels = {"keyword": "keyword only (BM25)", "semantic": "semantic only", "rrf": "RRF k=60 (baseline)",
              "fusion": "paperfeed fusion"}
    lines = [f"{'method':<22} {'nDCG@10':>8} {'R@100':>7}"]
    for method, label in labels.items():
        ndcg, recall = score(runs[method], qrels)
        lines.append(f"{label:<22} {ndcg:>8.4f} {recall:>7.4f}")
    per_query_ms = 1000 * run.seconds / max(len(run.queries), 1)
    lines.append(f"retrieval: {per_query_ms:.1f} ms/query (both retrievers, excluding query embedding)")
    return lines


def write_trec(path: Path, ranked: dict[str, list[tuple[str, float]]], tag: str) -> None:
    """Write a TREC run file: ``qid Q0 docid rank score tag``."""
    with open(path, "w", encoding="utf-8") as handle:
        for qid, pairs in ranked.items():
            for rank, (doc, value) in enumerate(pairs, 1):
                handle.write(f"{qid} Q0 {doc} {rank} {value:.6f} {tag}\n")
