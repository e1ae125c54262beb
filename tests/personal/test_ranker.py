"""The personal ranker is pure: signals + pool + now -> ranked papers with reasons (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from paperfeed.personal.ranker import Liked, Signals, liked_rows, rank
from paperfeed.personal.textmodel import Candidate, CandidatePool

NOW = dt.datetime(2026, 11, 27, 7, 0, tzinfo=dt.UTC)


def cand(pid, title, cats=("cs.LG",), abstract="", authors=(), people=(), **kw) -> Candidate:
    return Candidate(pid, title, f"{title}\n{abstract}", tuple(cats), float(100 - pid), f"popular: {100 - pid} votes",
                     authors=tuple(authors), people=tuple(people), **kw)


PAPERS = [
    cand(1, "Scaling laws for language models", ("cs.CL", "cs.LG"), authors=("ada-lovelace",)),
    cand(2, "Video diffusion with temporal attention", ("cs.CV",), "We train diffusion models for video generation.",
         authors=("grace-hopper",)),
    cand(3, "A tensor compiler for sparse workloads", ("cs.PL",), "Our compiler lowers sparse tensor programs."),
    cand(4, "Robot grasping from pixels", ("cs.RO",), people=(7,)),
    cand(5, "Graph neural networks for molecules", ("cs.LG", "q-bio.BM"), "Message passing on molecular graphs."),
    cand(6, "Quantum error correction codes", ("quant-ph",), authors=("grace-hopper",)),
]
LIKED = (Liked(99, "Sparse tensor algebra compilation", "Sparse tensor algebra compilation\nA compiler for sparse tensor programs."),)


def ids(ranked) -> list[int]:
    return [r.paper_id for r in ranked]


@pytest.fixture(scope="module")
def pool() -> CandidatePool:
    return CandidatePool(PAPERS)


def test_empty_pool_and_no_signals(pool):
    assert rank(CandidatePool([]), Signals(), NOW) == []
    ranked = rank(pool, Signals(), NOW, limit=3)
    assert ids(ranked) == [1, 2, 3]  # trending order
    assert ranked[0].reasons[0].key == "trending" and ranked[0].reasons[0].text == "popular: 99 votes"
    assert rank(pool, Signals(), NOW, limit=0) == []


def test_liked_paper_pulls_close_papers_up_with_its_title(pool):
    ranked = rank(pool, Signals(liked=LIKED), NOW, limit=3)
    assert ranked[0].paper_id == 3
    assert ranked[0].reasons[0].text == "close to Sparse tensor algebra compilation, which you upvoted"
    assert ranked[0].reasons[0].key == "liked:99"


def test_precomputed_liked_rows_give_the_same_ranking(pool):
    rows = liked_rows(pool, LIKED)
    assert rank(pool, Signals(liked=LIKED, liked_matrix=rows), NOW) == rank(pool, Signals(liked=LIKED), NOW)


def test_dropping_a_reason_removes_its_signal(pool):
    ranked = rank(pool, Signals(liked=LIKED, dropped=frozenset({"liked:99"})), NOW, limit=3)
    assert ids(ranked) == [1, 2, 3] and all(r.reasons[0].key == "trending" for r in ranked)


def test_followed_author_and_person(pool):
    ranked = rank(pool, Signals(followed_authors={"grace-hopper": "Grace Hopper"}, followed_people={7: "alice"}), NOW)
    assert ids(ranked)[:3] == [2, 4, 6]
    assert ranked[0].reasons[0].text == "by Grace Hopper, whom you follow"
    assert ranked[1].reasons[0].text == "picked by alice, whom you follow"


def test_saved_search_matches(pool):
    ranked = rank(pool, Signals(saved_searches={"quantum": {6, 12345}}), NOW, limit=2)
    assert ids(ranked) == [6, 1]
    assert ranked[0].reasons[0].text == "matches your saved search 'quantum'"


def test_topics_and_categories_for_cold_start(pool):
    ranked = rank(pool, Signals(topics=("video diffusion",), categories=("cs.RO",)), NOW, limit=3)
    assert ids(ranked) == [2, 4, 1]
    assert ranked[0].reasons[0].text == "matches your topic 'video diffusion'"
    assert ranked[1].reasons[0].text == "in cs.RO, which you chose"
    prefix = rank(pool, Signals(categories=("q-bio.",)), NOW, limit=1)
    assert ids(prefix) == [5] and prefix[0].reasons[0].key == "category:q-bio."


def test_several_reasons_strongest_first(pool):
    ranked = rank(pool, Signals(followed_authors={"grace-hopper": "Grace Hopper"}, categories=("cs.CV",)), NOW, limit=1)
    assert [r.key for r in ranked[0].reasons] == ["author:grace-hopper", "category:cs.CV"]


def test_not_interested_paper_author_topic_and_exclusions(pool):
    every = set(ids(rank(pool, Signals(), NOW)))
    assert set(ids(rank(pool, Signals(not_papers={1}), NOW))) == every - {1}
    assert set(ids(rank(pool, Signals(not_authors={"grace-hopper"}), NOW))) == every - {2, 6}
    assert set(ids(rank(pool, Signals(not_topics=("sparse tensor compiler",)), NOW))) == every - {3}
    assert set(ids(rank(pool, Signals(exclude={4, 5}), NOW))) == every - {4, 5}
    # A followed author does not bring back a paper the reader is not interested in.
    signals = Signals(followed_authors={"grace-hopper": "G"}, not_papers={2})
    assert 2 not in ids(rank(pool, signals, NOW))
    assert rank(pool, Signals(not_papers=every), NOW) == []


def test_hard_category_filters_and_future_papers():
    later = NOW + dt.timedelta(hours=1)
    pool = CandidatePool([cand(1, "From the future", published_at=later), cand(2, "Past", ("cs.CV",), published_at=NOW)])
    assert ids(rank(pool, Signals(), NOW)) == [2]
    assert rank(pool, Signals(include_categories=("cs.LG",)), NOW) == []


def test_ties_keep_pool_order_and_malformed_text():
    pool = CandidatePool([Candidate(i, "", "", (), 1.0, "") for i in range(1, 8)])
    ranked = rank(pool, Signals(liked=LIKED, topics=("", "$$"), categories=("cs.LG",)), NOW, limit=5)
    assert ids(ranked) == [1, 2, 3, 4, 5]
    assert ranked[0].reasons[0].text == "trending"


def test_a_liked_paper_in_the_pool_is_not_close_to_itself(pool):
    liked = (Liked(5, PAPERS[4].title, PAPERS[4].text),)
    ranked = rank(pool, Signals(liked=liked), NOW)
    assert all(r.reasons[0].key != "liked:5" for r in ranked if r.paper_id == 5)


def test_large_pool_many_likes():
    pool = CandidatePool([cand(i, f"Paper {i} on topic {i % 50}", abstract=f"words {i % 7} more {i % 13}") for i in range(1, 2001)])
    liked = tuple(Liked(10_000 + j, f"topic {j}", f"Paper on topic {j}\nwords {j % 7}") for j in range(500))
    ranked = rank(pool, Signals(liked=liked), NOW, limit=50)
    assert len(ranked) == 50 and len({r.paper_id for r in ranked}) == 50
    assert all(a.score >= b.score for a, b in zip(ranked, ranked[1:]))
