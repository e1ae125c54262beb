"""Rankings kept in the shared search cache: reused by every worker while the watermark holds, with the papers read afresh."""

from __future__ import annotations

import pytest

from paperfeed.catalog.models import Paper
from paperfeed.search import services
from paperfeed.search.cache import Generation
from paperfeed.search.services import search
from tests.factories import make_paper

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def kept(settings, monkeypatch, shared_cache):
    settings.SEARCH_CACHE_SECONDS = 30
    settings.SEARCH_RANKING_SECONDS = 600
    monkeypatch.setattr(services, "GENERATION", Generation(settle=0))
    services.RESULTS.clear()
    yield
    services.RESULTS.clear()


def _ranks(monkeypatch) -> list[int]:
    """Count the searches that rank (retrieve and fuse) instead of reusing a kept ranking."""
    calls: list[int] = []
    rank = services._rank
    monkeypatch.setattr(services, "_rank", lambda *a, **k: calls.append(1) or rank(*a, **k))
    return calls


def _another_worker() -> None:
    services.RESULTS.clear()


def test_another_worker_reuses_the_ranking_with_the_votes_of_now(monkeypatch):
    paper = make_paper(title="Graph neural networks for molecules")
    ranks = _ranks(monkeypatch)
    first = search(query="graph neural networks")
    Paper.objects.filter(pk=paper.pk).update(vote_count=7)  # a vote edits no paper: the watermark holds
    _another_worker()
    again = search(query="graph neural networks")
    assert len(ranks) == 1 and not again.remembered
    assert [h.paper.id for h in again.hits] == [h.paper.id for h in first.hits] == [paper.id]
    assert (again.hits[0].paper.upvotes, again.total, again.terms) == (7, first.total, first.terms)


def test_a_sort_by_votes_orders_a_kept_ranking_by_the_votes_of_now(monkeypatch):
    older = make_paper(title="Graph neural networks for molecules")
    newer = make_paper(title="Graph neural networks for proteins")
    Paper.objects.filter(pk=older.pk).update(vote_count=3)
    ranks = _ranks(monkeypatch)
    assert search(query="graph neural networks", sort="votes").hits[0].paper.id == older.id
    Paper.objects.filter(pk=newer.pk).update(vote_count=9)
    _another_worker()
    assert [h.paper.id for h in search(query="graph neural networks", sort="votes").hits] == [newer.id, older.id]
    assert len(ranks) == 1


def test_a_paper_added_is_found_though_the_same_search_kept_its_ranking(monkeypatch):
    make_paper(title="Graph neural networks for molecules")
    assert search(query="spin glass annealing").hits == []
    _another_worker()
    paper = make_paper(title="Spin glass annealing schedules")
    assert [h.paper.id for h in search(query="spin glass annealing").hits] == [paper.id]


def test_other_pages_and_filters_are_other_rankings(monkeypatch):
    for n in range(25):
        make_paper(title=f"Graph neural networks, part {n}", categories=["cs.LG"] if n % 2 else ["math.CO"])
    ranks = _ranks(monkeypatch)
    first, second = search(query="graph neural networks"), search(query="graph neural networks", offset=20)
    only_lg = search(query="graph neural networks", filters={"category": "cs.LG"})
    assert len(ranks) == 3
    assert not {h.paper.id for h in first.hits} & {h.paper.id for h in second.hits}
    assert {h.paper.primary_category for h in only_lg.hits} == {"cs.LG"}


def test_zero_seconds_keeps_no_ranking(settings, monkeypatch):
    settings.SEARCH_RANKING_SECONDS = 0
    make_paper(title="Graph neural networks for molecules")
    ranks = _ranks(monkeypatch)
    search(query="graph neural networks")
    _another_worker()
    search(query="graph neural networks")
    assert len(ranks) == 2


def test_an_entry_of_another_shape_is_ranked_anew(monkeypatch):
    make_paper(title="Graph neural networks for molecules")
    planned = services.plan(query="graph neural networks")
    services.shared_set(services.shared_key("ranking", planned.key), {"written by": "another version"}, 60)
    ranks = _ranks(monkeypatch)
    assert len(search(query="graph neural networks").hits) == 1 and len(ranks) == 1
