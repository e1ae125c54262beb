"""pgvector backends: the live index follows stored embeddings, HNSW answers 384-dim queries."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection

from paperfeed.search.embedding.base import normalise
from paperfeed.search.embedding.hashing import HashingEmbedder
from paperfeed.search.models import PaperEmbedding
from paperfeed.search.postgres.backends import PgVectorIndex, PgVectorLiveIndex
from paperfeed.search.postgres.ddl import VEC_TABLE
from paperfeed.search.postgres.replica import ReplicaVectorIndex
from paperfeed.search.vectors import ExactIndex, get_live_index
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


def _store(paper, vector, model="hashing-256"):
    return PaperEmbedding.objects.create(paper=paper, model=model, dim=len(vector), vector=PaperEmbedding.pack(vector))


def test_service_gets_the_replica_which_pgvector_serves_without_a_graph():
    live = get_live_index("hashing-256")
    live.refresh(force=True)
    assert isinstance(live, ReplicaVectorIndex) and isinstance(live._fallback, PgVectorLiveIndex) and live._use_fallback


def test_float16_bytes_decode_exactly():
    rng = np.random.default_rng(3)
    vec = np.concatenate([rng.standard_normal(380) * 0.1, [6e-8, -6e-5, 65504.0, -0.0]]).astype(np.float32)
    row = _store(make_paper(), vec, model="raw")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT embedding::text, dim FROM {VEC_TABLE} WHERE embedding_id = %s", [row.id])
        text, dim = cursor.fetchone()
    decoded = np.array([float(x) for x in text.strip("[]").split(",")], dtype=np.float32)
    assert dim == 384
    np.testing.assert_allclose(decoded, row.as_array(), rtol=1e-3, atol=1e-7)


def test_live_index_follows_inserts_updates_and_deletes():
    emb = HashingEmbedder()
    a, b = make_paper(title="alpha"), make_paper(title="beta")
    _store(a, emb.embed(["alpha"])[0])
    live = PgVectorLiveIndex("hashing-256")
    assert list(live.search(emb.embed(["alpha"])[0], 5)[0]) == [a.id]
    _store(b, emb.embed(["beta"])[0])
    ids, scores = live.search(emb.embed(["beta"])[0], 2)
    assert list(ids) == [b.id, a.id] and scores[0] == pytest.approx(1.0, abs=1e-3)
    got = live.vectors([a.id, b.id, 10**9])
    assert set(got) == {a.id, b.id}
    np.testing.assert_allclose(got[b.id], emb.embed(["beta"])[0], atol=1e-3)
    b.delete()  # cascade removes the embedding row; the trigger removes the vector
    assert b.id not in live.search(emb.embed(["beta"])[0], 5)[0]
    a.title = "changed"
    a.save()  # stale embedding dropped by the trigger, and its vector with it
    assert not PaperEmbedding.objects.filter(paper=a).exists()
    assert len(live.search(emb.embed(["alpha"])[0], 5)[0]) == 0


def test_other_models_and_dimensions_are_ignored():
    emb = HashingEmbedder()
    a = make_paper(title="alpha")
    _store(a, emb.embed(["alpha"])[0], model="other-model")
    live = PgVectorLiveIndex("hashing-256")
    live.refresh(force=True)
    assert live.dim == 0
    assert len(live.search(emb.embed(["alpha"])[0], 5)[0]) == 0
    _store(a, emb.embed(["alpha"])[0])
    live.refresh(force=True)
    assert live.dim == 256
    assert len(live.search(np.ones(17, dtype=np.float32), 5)[0]) == 0  # wrong dimension: nothing


def test_hnsw_on_384_dims_agrees_with_exact():
    rng = np.random.default_rng(11)
    vecs = normalise(rng.standard_normal((400, 384)))
    papers = [make_paper() for _ in range(len(vecs))]
    PaperEmbedding.objects.bulk_create(
        [PaperEmbedding(paper=p, model="m384", dim=384, vector=PaperEmbedding.pack(v)) for p, v in zip(papers, vecs)]
    )
    exact = ExactIndex(384)
    exact.add(np.array([p.id for p in papers]), vecs.astype(np.float16).astype(np.float32))
    with connection.cursor() as cursor:
        # A 400-row table is cheaper to sort than to walk a graph: make the planner use HNSW as on a
        # real catalogue (the test transaction's rollback undoes these SETs).
        cursor.execute("SET enable_seqscan = off; SET enable_sort = off")
    live = PgVectorLiveIndex("m384")
    queries = normalise(rng.standard_normal((20, 384)))
    recall = np.mean([len(set(exact.search(q, 10)[0]) & set(live.search(q, 10)[0])) / 10 for q in queries])
    assert recall >= 0.95
    ids, scores = live.search(vecs[7], 3)
    assert ids[0] == papers[7].id and scores[0] == pytest.approx(1.0, abs=1e-2)
    assert list(scores) == sorted(scores, reverse=True)
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN SELECT paper_id FROM {VEC_TABLE} WHERE dim = 384 AND model = 'm384' "
            f"ORDER BY embedding::halfvec(384) <=> %s::halfvec(384) LIMIT 10", ["[" + ",".join(["0.1"] * 384) + "]"]
        )
        assert "hnsw384" in " ".join(r[0] for r in cursor.fetchall())


def test_scratch_vector_index_matches_exact():
    rng = np.random.default_rng(5)
    vecs = normalise(rng.standard_normal((300, 384)))
    index = PgVectorIndex(384, table="search_pg_test_scratch")
    try:
        index.add(np.arange(300), vecs)
        assert len(index) == 300
        ids, scores = index.search(vecs[42], 5)
        assert ids[0] == 42 and scores[0] == pytest.approx(1.0, abs=1e-2)
        assert len(index.search(vecs[0], 0)[0]) == 0
        np.testing.assert_allclose(index.vectors([42])[42], vecs[42], atol=1e-3)
    finally:
        index.drop()
