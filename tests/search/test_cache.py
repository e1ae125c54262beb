"""The per-process search memos: results keyed by the catalogue's watermark, query vectors by text."""

from __future__ import annotations

import numpy as np
import pytest

from paperfeed.catalog.signals import announce_ingested
from paperfeed.search import services
from paperfeed.search.cache import Generation, MemoEmbedder, TtlLru
from paperfeed.search.services import catalogue_generation, embed_pending, search
from tests.factories import make_paper


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_max_age():
    clock = Clock()
    memo = TtlLru(4, clock=clock)
    memo.put("q", 1)
    clock.now += 1.9
    assert memo.get("q", max_age=2) == 1
    clock.now += 0.1
    assert memo.get("q", max_age=2) is None
    assert len(memo) == 0


def test_the_least_recently_used_entry_goes_first():
    memo = TtlLru(2, clock=Clock())
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a", max_age=5) == 1  # "b" is now the oldest use
    memo.put("c", 3)
    assert memo.get("b", max_age=5) is None
    assert (memo.get("a", max_age=5), memo.get("c", max_age=5)) == (1, 3)
    memo.clear()
    assert len(memo) == 0


def test_a_put_drops_the_expired_entries_at_the_old_end():
    clock = Clock()
    memo = TtlLru(100, clock=clock)
    memo.put("a", 1)
    memo.put("b", 2)
    clock.now += 1.0
    memo.put("c", 3)
    assert memo.get("a", max_age=5) == 1  # used again: now at the recent end
    clock.now += 1.5
    memo.put("d", 4, max_age=2)  # "b" is 2.5 s old and least recently used: dropped at once
    assert len(memo) == 3
    assert [memo.get(k, max_age=99) for k in "acd"] == [1, 3, 4]


def test_a_put_with_no_time_to_live_keeps_nothing():
    memo = TtlLru(4, clock=Clock())
    memo.put("a", 1, max_age=0)
    assert len(memo) == 0


class CountingEmbedder:
    name, dim, device = "counting", 2, "cpu"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts, *, batch_size=64, progress=False):
        self.calls += 1
        return np.array([[float(len(t)), 1.0] for t in texts], dtype=np.float32)


def test_a_query_is_embedded_once_and_batches_pass_through():
    base = CountingEmbedder()
    memo = MemoEmbedder(base, TtlLru(8))
    first = memo.embed(["graph networks"])
    again = memo.embed(["graph networks"])
    assert base.calls == 1 and np.array_equal(first, again)
    assert not again.flags.writeable  # shared across requests
    memo.embed(["a", "b"])
    memo.embed(["a", "b"])
    assert base.calls == 3


def test_a_new_watermark_settles_before_results_are_remembered():
    clock = Clock()
    generation = Generation(settle=1.5, clock=clock)
    assert generation.observe(("2026-01-01", 7, 0)) and not generation.settled()
    assert not generation.observe(("2026-01-01", 7, 0))
    clock.now += 1.5
    assert generation.settled()
    assert generation.observe(("2026-01-02", 7, 0)) and not generation.settled()


@pytest.fixture
def cached(settings, monkeypatch):
    settings.SEARCH_CACHE_SECONDS = 30
    monkeypatch.setattr(services, "GENERATION", Generation(settle=0))
    services.RESULTS.clear()
    services.QUERY_VECTORS.clear()
    yield
    services.RESULTS.clear()
    services.QUERY_VECTORS.clear()


@pytest.mark.django_db
def test_a_repeated_search_is_answered_from_the_memo(cached, monkeypatch):
    make_paper(title="Graph neural networks for molecules", abstract="Message passing on molecular graphs.")
    embed_pending()
    first = search(query="graph neural networks")
    monkeypatch.setattr(services, "_search", lambda *a, **k: pytest.fail("not served from the memo"))
    again = search(query="graph neural networks")
    assert [h.paper.id for h in again.hits] == [h.paper.id for h in first.hits] and again.hits
    assert again.hits is not first.hits  # callers get their own lists


@pytest.mark.django_db
def test_other_filters_sorts_and_pages_are_other_entries(cached):
    make_paper(title="Graph neural networks for molecules", categories=["cs.LG"])
    search(query="graph networks")
    search(query="graph networks", sort="date")
    search(query="graph networks", offset=20)
    search(query="graph networks", filters={"category": "cs.LG"})
    assert len(services.RESULTS) == 4


@pytest.mark.django_db
def test_a_paper_added_after_a_search_is_found_by_the_same_search_at_once(cached):
    make_paper(title="Graph neural networks for molecules")
    assert len(search(query="quantum annealing schedules").hits) == 0
    assert len(services.RESULTS) == 1
    # Added by another process (no signal here): the watermark moved, so the memo is not used.
    make_paper(title="Quantum annealing schedules for spin glasses")
    assert [h.paper.title for h in search(query="quantum annealing schedules").hits][:1] == [
        "Quantum annealing schedules for spin glasses"]


@pytest.mark.django_db
def test_an_edited_paper_is_found_by_its_new_words(cached):
    paper = make_paper(title="Graph neural networks for molecules")
    assert search(query="zeolite crystallography").hits == []
    paper.title = "Zeolite crystallography for molecules"
    paper.save()
    assert [h.paper.id for h in search(query="zeolite crystallography").hits] == [paper.id]


@pytest.mark.django_db
def test_new_vectors_and_ingests_move_the_watermark(cached):
    make_paper(title="Graph neural networks for molecules")
    before = catalogue_generation()
    embed_pending()
    assert catalogue_generation() != before  # a semantic neighbour may have arrived
    search(query="graph neural networks")
    announce_ingested(sender=None, count=1, final=True)
    assert len(services.RESULTS) == 0  # an ingest here drops this process's memo at once


@pytest.mark.django_db
def test_results_are_not_remembered_until_the_watermark_settles(settings, monkeypatch):
    settings.SEARCH_CACHE_SECONDS = 30
    clock = Clock()
    monkeypatch.setattr(services, "GENERATION", Generation(settle=1.5, clock=clock))
    services.RESULTS.clear()
    make_paper(title="Graph neural networks for molecules")
    assert search(query="graph neural networks").cache_key is None
    assert len(services.RESULTS) == 0  # a tantivy reader may not have reloaded yet
    clock.now += 2
    assert search(query="graph neural networks").cache_key is not None
    assert len(services.RESULTS) == 1
    services.RESULTS.clear()


@pytest.mark.django_db
def test_spacing_does_not_make_another_entry(cached):
    make_paper(title="Graph neural networks for molecules")
    search(query="graph  neural networks ")
    search(query=" graph neural\tnetworks")
    assert len(services.RESULTS) == 1


@pytest.mark.django_db
def test_zero_seconds_turns_the_memos_off(settings):
    settings.SEARCH_CACHE_SECONDS = 0
    services.RESULTS.clear()
    make_paper(title="Graph neural networks for molecules")
    search(query="graph neural networks")
    assert len(services.RESULTS) == 0
