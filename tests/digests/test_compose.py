"""Composition is pure: candidates + preferences + history + now -> digest (no database)."""

from __future__ import annotations

import datetime as dt

from paperfeed.digests.compose import Candidate, CandidatePool, Prefs, compose, profile_vector

NOW = dt.datetime(2026, 11, 27, 7, 0, tzinfo=dt.UTC)


def cand(pid: int, title: str, cats=("cs.LG",), score: float | None = None, abstract: str = "", **kw) -> Candidate:
    score = float(100 - pid) if score is None else score
    return Candidate(pid, title, f"{title}\n{abstract}", tuple(cats), score, f"trending: {int(score)} votes", **kw)


POOL = [
    cand(1, "Scaling laws for language models", ("cs.CL", "cs.LG")),
    cand(2, "Video diffusion with temporal attention", ("cs.CV",), abstract="We train diffusion models for video generation."),
    cand(3, "A tensor compiler for sparse workloads", ("cs.PL", "cs.LG"), abstract="Our compiler lowers tensor programs."),
    cand(4, "Robot grasping from pixels", ("cs.RO",)),
    cand(5, "Graph neural networks for molecules", ("cs.LG", "q-bio.BM")),
    cand(6, "Quantum error correction codes", ("quant-ph",)),
    cand(7, "Retrieval augmented generation survey", ("cs.CL",)),
]


def ids(digest) -> list[int]:
    return [i.paper_id for i in digest.items]


def test_empty_period_gives_no_digest():
    assert compose([], Prefs(), set(), NOW) is None
    assert compose(CandidatePool([]), Prefs(topics=("anything",)), set(), NOW) is None


def test_all_papers_already_sent_gives_no_digest():
    assert compose(POOL, Prefs(), {c.paper_id for c in POOL}, NOW) is None


def test_history_is_never_repeated_and_order_is_trending():
    digest = compose(POOL, Prefs(size=5), {1, 3}, NOW)
    assert ids(digest) == [2, 4, 5, 6, 7]
    assert digest.items[0].reason == "trending: 98 votes"
    assert digest.composed_at == NOW


def test_size_limit_and_bounds():
    assert len(compose(POOL, Prefs(size=5), set(), NOW).items) == 5
    big = [cand(i, f"Paper {i}") for i in range(1, 80)]
    assert len(compose(big, Prefs(size=50), set(), NOW).items) == 50
    assert len(compose(big, Prefs(size=500), set(), NOW).items) == 50  # clamped to 5..50
    assert len(compose(big, Prefs(size=1), set(), NOW).items) == 5
    assert len(compose(POOL[:3], Prefs(size=10), set(), NOW).items) == 3  # fewer candidates than size


def test_category_include_exact_and_prefix():
    assert ids(compose(POOL, Prefs(include_categories=("cs.CL",)), set(), NOW)) == [1, 7]
    assert set(ids(compose(POOL, Prefs(include_categories=("cs.",)), set(), NOW))) == {1, 2, 3, 4, 5, 7}
    assert ids(compose(POOL, Prefs(include_categories=("quant-ph",)), set(), NOW)) == [6]


def test_category_exclude_wins_over_include():
    digest = compose(POOL, Prefs(include_categories=("cs.LG",), exclude_categories=("cs.PL",)), set(), NOW)
    assert ids(digest) == [1, 5]
    assert compose(POOL, Prefs(include_categories=("math.",)), set(), NOW) is None


def test_topic_matching_reranks_and_explains():
    digest = compose(POOL, Prefs(size=5, topics=("tensor compilers", "diffusion for video")), set(), NOW)
    assert ids(digest)[:2] == [2, 3]  # both matches first, then trending order
    assert digest.items[0].reason == "matches your topic 'diffusion for video'"
    assert digest.items[1].reason == "matches your topic 'tensor compilers'"
    assert ids(digest)[2:] == [1, 4, 5]
    assert digest.items[2].reason.startswith("trending")


def test_topics_match_through_the_search_analysers_stems():
    # "scaled" and "scaling", "model" and "models" share a Porter stem, as in keyword search.
    digest = compose(POOL, Prefs(size=5, topics=("scaled language model",)), set(), NOW)
    assert ids(digest)[0] == 1 and digest.items[0].reason == "matches your topic 'scaled language model'"


def test_topic_without_any_match_keeps_trending_order():
    digest = compose(POOL, Prefs(size=5, topics=("protein folding",)), set(), NOW)
    assert ids(digest) == [1, 2, 3, 4, 5]
    assert all(i.reason.startswith("trending") for i in digest.items)


def test_partial_topic_words_do_not_match():
    # "video" alone is in paper 2, but "compression" is nowhere: most of the topic's weight is missing.
    digest = compose(POOL, Prefs(size=5, topics=("neural video compression codecs",)), set(), NOW)
    assert all(not i.reason.startswith("matches") for i in digest.items)


def test_papers_published_after_now_are_ignored():
    later = NOW + dt.timedelta(hours=1)
    pool = [cand(1, "From the future", published_at=later), cand(2, "From the past", published_at=NOW)]
    assert ids(compose(pool, Prefs(), set(), NOW)) == [2]


def test_topic_cache_and_batch_priming_agree():
    pool = CandidatePool(POOL)
    one = compose(pool, Prefs(topics=("tensor compilers",)), set(), NOW)
    pool2 = CandidatePool(POOL)
    pool2.prime_topics(["tensor compilers", "other topic"])
    assert compose(pool2, Prefs(topics=("tensor compilers",)), set(), NOW) == one


def test_profile_from_liked_papers_boosts_similar():
    pool = CandidatePool(POOL)
    profile = profile_vector(pool, ["Graph neural networks for protein molecules and drug discovery"])
    digest = compose(pool, Prefs(size=5, profile=profile), set(), NOW)
    assert ids(digest)[0] == 5
    assert digest.items[0].reason == "similar to papers you upvoted or collected"
    assert profile_vector(pool, []) is None


def test_ties_keep_the_trending_order():
    pool = [cand(i, f"Same score {i}", score=5.0) for i in range(1, 9)]
    assert ids(compose(pool, Prefs(size=5), set(), NOW)) == [1, 2, 3, 4, 5]


def test_malformed_text_does_not_crash():
    pool = [cand(1, ""), cand(2, "<b>$x^2$ & stray html</b>")]
    digest = compose(pool, Prefs(topics=("", "$$")), set(), NOW)
    assert ids(digest) == [1, 2]
    assert all(i.reason.startswith("trending") for i in digest.items)
