"""Python BM25 (for re-scoring and pruned queries) agrees with SQLite FTS5's bm25()."""

from __future__ import annotations

import random
import sqlite3

import pytest

from paperfeed.search.keyword import bm25, fts5
from paperfeed.search.keyword.fts5 import FTS_TABLE, Fts5KeywordIndex, fill_scratch
from paperfeed.search.text import query_terms

WORDS = ("graph network networks learning model models diffusion images image segmentation "
         "medical robot policy study studies happy happiness café résumé x_y under_score").split()


@pytest.fixture
def index():
    rng = random.Random(5)
    conn = sqlite3.connect(":memory:")
    docs = [(i, " ".join(rng.choices(WORDS, k=rng.randint(2, 6))), " ".join(rng.choices(WORDS, k=rng.randint(5, 40))),
             "Ada Lovelace, José Müller") for i in range(1, 400)]
    fill_scratch(conn, docs)
    yield Fts5KeywordIndex(connection=conn)
    conn.close()


def test_varints_roundtrip():
    assert bm25.varints(bytes([0x83, 0x86, 0x50])) == [50000]
    assert bm25.varints(bytes([0x05, 0x7F, 0x81, 0x00])) == [5, 127, 128]


@pytest.mark.parametrize("query", ["graph", "networks learning", "diffusion images segmentation", "happy studies café",
                                   "x_y", "lovelace muller", "robot policy model"])
def test_python_scores_equal_fts5(index, query):
    expected = dict(index._fts5_ranked(query_terms(query), 1000, "", ()))
    got = index.score(query, list(expected) + [10_000])
    assert set(got) == set(expected)
    for rowid, value in expected.items():
        assert got[rowid] == pytest.approx(value, rel=1e-6)


def test_pruned_search_agrees_with_full_ranking(index, monkeypatch):
    query = "model networks medical happy"
    full = index._fts5_ranked(query_terms(query), 20, "", ())
    monkeypatch.setattr(fts5, "PRUNE_POSTINGS", 50)
    pruned = index.search(query, limit=20)
    # The pruned pool is drawn from the rarest terms, so it may miss a few common-term-only rows,
    # but every row it returns carries its full-query score.
    assert {pid for pid, _ in pruned} & {pid for pid, _ in full}
    full_scores = dict(index._fts5_ranked(query_terms(query), 1000, "", ()))
    for pid, value in pruned:
        assert value == pytest.approx(full_scores[pid], rel=1e-6)


def test_stats_follow_inserts(index):
    stats = index.stats
    stats.refresh()
    before = stats.rows
    assert index.stats.df(["zygomorph"]) == {"zygomorph": 0}
    index.raw.execute(f"INSERT INTO {FTS_TABLE}(rowid, title, abstract, authors) VALUES (5000, 'Zygomorphic', '', '')")
    index.raw.commit()
    assert index.stats.df(["zygomorph"]) == {"zygomorph": 1}  # absent terms are never cached
    assert stats.rows == before + 1
