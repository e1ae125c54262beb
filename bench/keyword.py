"""Keyword backends side by side: tantivy vs SQLite FTS5 on the real arXiv abstracts.

    .venv/bin/python bench/keyword.py [--n 74728] [--queries 200] [--threads 2] [--no-fts5]

Builds both scratch indexes from ../shared/data/arxiv_abstracts (never the site database) in a
temporary folder (``--n`` above 74,728 adds perturbed copies as bench/search.py does: 15% of each
copy's abstract words dropped), prints build rate (papers/s), then p50/p95/p99 of ``search(limit=100)`` for
title queries (the first 10 words of random titles) and 2-word queries (two long title words),
each backend answering the same queries in the same run, plus the overlap of their top 10.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paperfeed.settings")

from django.conf import settings  # noqa: E402

import django  # noqa: E402

from paperfeed.conf import load  # noqa: E402

# The scratch indexes need no project database; only the catalogue's models must be importable.
settings.configure(**load(os.environ), INSTALLED_APPS=["paperfeed.catalog"])
django.setup()

from paperfeed.search.keyword.fts5 import Fts5KeywordIndex, fill_scratch  # noqa: E402
from paperfeed.search.keyword.tantivy import TantivyKeywordIndex  # noqa: E402

SHARED = Path(os.environ.get("PAPERFEED_SHARED_DATA", REPO.parent / "shared" / "data")) / "arxiv_abstracts"


def load(n: int) -> list[tuple[int, str, str, str]]:
    """(row id, title, abstract, authors) of the first ``n`` distinct real papers (all of them when fewer)."""
    rows, seen = [], set()
    for path in sorted(SHARED.glob("arxiv_api_records_*.jsonl.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                o = json.loads(line)
                if o["id"] in seen:
                    continue
                seen.add(o["id"])
                rows.append((len(rows), o["title"], o.get("summary") or "", ", ".join(o.get("authors") or [])))
                if len(rows) >= n:
                    return rows
    return rows


def with_copies(real: list[tuple[int, str, str, str]], n: int):
    """The real papers, then perturbed copies up to ``n`` (a generator: 1M texts need not sit in memory)."""
    rng = np.random.default_rng(3)
    for i in range(n):
        _, title, abstract, authors = real[i % len(real)]
        if i >= len(real):
            words = abstract.split()
            abstract = " ".join(w for w, keep in zip(words, rng.random(len(words)) > 0.15) if keep)
        yield i, title, abstract, authors


def queries(docs, count: int) -> dict[str, list[str]]:
    """Title queries (first 10 words) and 2-word queries (two long title words) from random papers."""
    rng = np.random.default_rng(4)
    picks = rng.choice(len(docs), size=count, replace=False)
    title = [" ".join(docs[i][1].split()[:10]) for i in picks]
    two = []
    for i in picks:
        words = [w.strip(":,.()") for w in docs[i][1].split() if len(w.strip(":,.()")) > 4] or docs[i][1].split()
        two.append(" ".join(words[:2]))
    return {"title (10 words)": title, "2 words": two}


def timed(fn, items) -> tuple[list[float], list]:
    seconds, out = [], []
    for item in items:
        start = time.perf_counter()
        out.append(fn(item))
        seconds.append(time.perf_counter() - start)
    return seconds, out


def pct(samples: list[float]) -> str:
    a = np.array(samples) * 1000
    return f"{np.percentile(a, 50):7.2f} {np.percentile(a, 95):7.2f} {np.percentile(a, 99):7.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=74_728, help="papers to index (default: all 74,728)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2, help="tantivy indexing threads")
    parser.add_argument("--no-fts5", action="store_true", help="measure tantivy only")
    args = parser.parse_args()
    real = load(args.n)
    print(f"{args.n:,} papers: {len(real):,} real from {SHARED}, {max(0, args.n - len(real)):,} perturbed copies")
    with tempfile.TemporaryDirectory(prefix="paperfeed-bench-keyword-") as tmp:
        start = time.perf_counter()
        tv = TantivyKeywordIndex.scratch(Path(tmp) / "tantivy", with_copies(real, args.n), threads=args.threads)
        tv_s = time.perf_counter() - start
        print(f"build: tantivy {args.n / tv_s:,.0f} papers/s ({tv_s:.1f}s, {args.threads} threads)")
        fts = conn = None
        if not args.no_fts5:
            conn = sqlite3.connect(Path(tmp) / "fts.sqlite3")
            conn.execute("PRAGMA journal_mode=OFF")
            start = time.perf_counter()
            fill_scratch(conn, with_copies(real, args.n))
            fts_s = time.perf_counter() - start
            fts = Fts5KeywordIndex(connection=conn)
            print(f"build: FTS5 {args.n / fts_s:,.0f} papers/s ({fts_s:.1f}s)")
        print(f"{'search(limit=100), ms':<34} {'p50':>7} {'p95':>7} {'p99':>7}")
        for kind, qs in queries(real, args.queries).items():
            tv.search(qs[0], limit=100)  # warm caches
            tv_t, tv_r = timed(lambda q: tv.search(q, limit=100), qs)
            print(f"{'tantivy  ' + kind:<34} {pct(tv_t)}")
            if fts is None:
                continue
            fts.search(qs[0], limit=100)
            fts_t, fts_r = timed(lambda q: fts.search(q, limit=100), qs)
            print(f"{'FTS5     ' + kind:<34} {pct(fts_t)}")
            overlap = np.mean([len({d for d, _ in a[:10]} & {d for d, _ in b[:10]}) / max(1, min(10, len(b)))
                               for a, b in zip(tv_r, fts_r)])
            print(f"  top-10 overlap tantivy/FTS5: {overlap:.2f}; p50 ratio FTS5/tantivy: "
                  f"{np.median(fts_t) / np.median(tv_t):.0f}x")
        if conn is not None:
            conn.close()


if __name__ == "__main__":
    main()
