"""Vector indexes: exact vs HNSW agreement, and the live index following stored embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from paperfeed.search.embedding.base import normalise
from paperfeed.search.embedding.hashing import HashingEmbedder
from paperfeed.search.models import PaperEmbedding
from paperfeed.search.vectors import ExactIndex, LiveVectorIndex, UsearchIndex, make_index
from tests.factories import make_paper


def _data(n=3000, dim=32, seed=7):
    rng = np.random.default_rng(seed)
    return np.arange(n) + 100, normalise(rng.standard_normal((n, dim)))


def test_exact_index_is_exact():
    ids, vecs = _data(500)
    index = ExactIndex(vecs.shape[1])
    index.add(ids, vecs)
    got_ids, got_scores = index.search(vecs[10], 5)
    assert got_ids[0] == ids[10]
    assert got_scores[0] == pytest.approx(1.0, abs=1e-5)
    assert list(got_scores) == sorted(got_scores, reverse=True)
    assert len(index.search(vecs[0], 10_000)[0]) == 500
    assert len(ExactIndex(4).search(np.ones(4), 3)[0]) == 0


def test_hnsw_recall_against_exact():
    ids, vecs = _data()
    exact, ann = ExactIndex(vecs.shape[1]), UsearchIndex(vecs.shape[1])
    exact.add(ids, vecs)
    ann.add(ids, vecs)
    queries = normalise(np.random.default_rng(1).standard_normal((50, vecs.shape[1])))
    recall = np.mean([len(set(exact.search(q, 10)[0]) & set(ann.search(q, 10)[0])) / 10 for q in queries])
    assert recall >= 0.95
    top_ids, top_scores = ann.search(vecs[3], 1)
    assert top_ids[0] == ids[3] and top_scores[0] == pytest.approx(1.0, abs=1e-2)


def test_make_index_threshold(settings):
    settings.ANN_THRESHOLD = 100
    assert isinstance(make_index(8, 99), ExactIndex)
    assert isinstance(make_index(8, 100), UsearchIndex)
    settings.VECTOR_BACKEND = "paperfeed.search.vectors.ExactIndex"
    assert isinstance(make_index(8, 10**6), ExactIndex)


def _store(paper, vector, model="hashing-256"):
    return PaperEmbedding.objects.create(paper=paper, model=model, dim=len(vector), vector=PaperEmbedding.pack(vector))


@pytest.mark.django_db
def test_live_index_adds_new_rows_and_rebuilds_on_delete():
    emb = HashingEmbedder()
    a, b = make_paper(title="alpha"), make_paper(title="beta")
    _store(a, emb.embed(["alpha"])[0])
    live = LiveVectorIndex("hashing-256")
    assert list(live.search(emb.embed(["alpha"])[0], 5)[0]) == [a.id]
    _store(b, emb.embed(["beta"])[0])
    assert list(live.search(emb.embed(["beta"])[0], 1)[0]) == [b.id]  # appended without a rebuild
    b.delete()
    assert b.id not in live.search(emb.embed(["beta"])[0], 5)[0]  # count fell: rebuilt


@pytest.mark.django_db
def test_stale_embedding_dropped_when_text_changes():
    paper = make_paper(title="Old title")
    _store(paper, HashingEmbedder().embed(["old"])[0])
    paper.title = "New title"
    paper.save()
    assert not PaperEmbedding.objects.filter(paper=paper).exists()


def test_usearch_then_onnxruntime_does_not_crash_the_process():
    # The native-library order clash documented in vectors._load_onnxruntime_first: run it in a
    # subprocess, since a regression would be a segfault, not an exception.
    import subprocess
    import sys

    code = "from paperfeed.search.vectors import UsearchIndex; UsearchIndex(4); import onnxruntime; print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr[-2000:]
