"""Trending maths, pure: explicit ``now``, no database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperfeed.community import ranking
from paperfeed.community.ranking import PaperSignal, rank, score

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)


def votes(*hours_ago: float) -> tuple[dt.datetime, ...]:
    return tuple(NOW - dt.timedelta(hours=h) for h in hours_ago)


def test_empty_input_gives_empty_list():
    assert rank([], now=NOW) == []


def test_fresh_vote_weighs_one_and_halves_each_half_life():
    s = PaperSignal(1, votes=votes(0))
    assert score(s, now=NOW, half_life_hours=24) == pytest.approx(1.0)
    assert score(PaperSignal(1, votes=votes(24)), now=NOW, half_life_hours=24) == pytest.approx(0.5)
    assert score(PaperSignal(1, votes=votes(48)), now=NOW, half_life_hours=24) == pytest.approx(0.25)
    assert score(PaperSignal(1, votes=votes(12)), now=NOW, half_life_hours=12) == pytest.approx(0.5)


def test_each_vote_decays_with_its_own_age_so_a_burst_today_beats_an_old_pile():
    burst = PaperSignal(1, votes=votes(1, 2, 3, 4))
    old_pile = PaperSignal(2, votes=votes(*[24 * 6 + i for i in range(10)]))
    ranked = rank([old_pile, burst], now=NOW, window="week")
    assert [pid for pid, _, _ in ranked] == [1, 2]


def test_floor_one_vote_never_tops_the_list():
    lone = PaperSignal(1, votes=votes(0))  # freshest possible single vote
    pair = PaperSignal(2, votes=votes(100, 120))  # two old votes
    ranked = rank([lone, pair], now=NOW, window="week", min_votes=2)
    assert [pid for pid, _, _ in ranked] == [2]
    assert [pid for pid, _, _ in rank([lone, pair], now=NOW, window="week", min_votes=1)][0] == 1


def test_windows_only_count_votes_inside_them():
    p = PaperSignal(1, votes=votes(2, 3, 30, 31, 24 * 10, 24 * 10 + 1))
    assert [r[0] for r in rank([p], now=NOW, window="day")] == [1]
    day = score(p, now=NOW, window="day")
    week = score(p, now=NOW, window="week")
    month = score(p, now=NOW, window="month")
    assert day < week < month
    only_old = PaperSignal(2, votes=votes(30, 31))
    assert rank([only_old], now=NOW, window="day") == []
    assert rank([only_old], now=NOW, window="week")[0][0] == 2


def test_votes_after_now_do_not_count():
    future = PaperSignal(1, votes=(NOW + H, NOW + 2 * H))
    assert score(future, now=NOW) == 0
    assert rank([future], now=NOW) == []


def test_hidden_paper_never_shows_however_many_votes():
    hidden = PaperSignal(1, votes=votes(*range(50)), hidden=True)
    other = PaperSignal(2, votes=votes(1, 2))
    assert [r[0] for r in rank([hidden, other], now=NOW)] == [2]


def test_ties_break_deterministically_whatever_the_input_order():
    a = PaperSignal(5, votes=votes(1, 2))
    b = PaperSignal(3, votes=votes(1, 2))
    c = PaperSignal("hep-th/9901001", votes=votes(1, 2))
    first = rank([a, b, c], now=NOW)
    assert [r[0] for r in first] == [3, 5, "hep-th/9901001"]
    assert rank([c, b, a], now=NOW) == first


def test_ties_on_score_prefer_more_votes_then_more_recent():
    # Same score: one fresh vote + imported equivalents vs. more votes.
    more = PaperSignal(2, votes=votes(24, 24))  # 2 × 0.5 = 1.0
    fewer = PaperSignal(1, votes=votes(0, 10_000))  # 1.0 + out-of-window
    ranked = rank([fewer, more], now=NOW, window="week", min_votes=1)
    assert [r[0] for r in ranked] == [2, 1]


def test_imported_upvotes_count_as_votes_at_the_listing_date():
    listed_today = PaperSignal(1, imported_upvotes=10, listing_date=NOW.date())
    listed_week_ago = PaperSignal(2, imported_upvotes=10, listing_date=NOW.date() - dt.timedelta(days=6))
    assert score(listed_today, now=NOW) == pytest.approx(10 * 0.5 ** (12 / 24))
    ranked = rank([listed_week_ago, listed_today], now=NOW, window="week")
    assert [r[0] for r in ranked] == [1, 2]
    assert rank([listed_week_ago], now=NOW, window="day") == []
    assert "10 imported upvotes" in ranked[0][2]


def test_star_velocity_adds_a_bounded_bonus():
    base = PaperSignal(1, votes=votes(1, 2))
    starred = PaperSignal(1, votes=votes(1, 2), stars_today=40)
    huge = PaperSignal(1, votes=votes(1, 2), stars_today=10**9)
    assert score(starred, now=NOW) > score(base, now=NOW)
    assert score(huge, now=NOW) - score(base, now=NOW) == pytest.approx(ranking.STAR_BONUS_CAP)
    assert ranking.star_bonus(-5) == 0
    # Stars alone never lift a paper over the vote floor.
    assert rank([PaperSignal(9, stars_today=1000)], now=NOW) == []


def test_reason_says_what_happened():
    p = PaperSignal(1, votes=votes(*[0.1] * 3, *[5] * 9, *[50] * 4), stars_today=40)
    (_, _, why), = rank([p], now=NOW, window="week")
    assert why == "16 votes in the last 7 days, 12 in the last 24 h, 3 in the last hour; code repo +40 stars today"
    (_, _, why_day), = rank([p], now=NOW, window="day")
    assert why_day == "12 votes in the last 24 h, 3 in the last hour; code repo +40 stars today"


def test_unknown_window_is_an_error_naming_the_choices():
    with pytest.raises(ValueError, match="day, week, month"):
        rank([], now=NOW, window="year")


def test_score_series_ends_at_the_current_vote_score():
    p = PaperSignal(1, votes=votes(1, 20, 40, 100))
    series = ranking.score_series(p, now=NOW, window="week", points=28)
    assert len(series) == 28
    assert series[-1] == pytest.approx(score(p, now=NOW, window="week"))
    assert min(series) >= 0


def test_daily_counts_buckets_by_utc_day():
    events = [(NOW, 1), (NOW - dt.timedelta(days=1), 2), (NOW - dt.timedelta(days=40), 5)]
    counts = ranking.daily_counts(events, today=NOW.date(), days=7)
    assert counts == [0, 0, 0, 0, 0, 2, 1]


def test_coerce_signals_merges_flat_data():
    signals = ranking.coerce_signals(
        paper_ids=[1, 2], votes=[(1, NOW), (3, NOW)], imported={2: (5, NOW.date())}, stars={1: 4}, hidden=[3]
    )
    by_id = {s.paper_id: s for s in signals}
    assert by_id[1].votes == (NOW,) and by_id[1].stars_today == 4
    assert by_id[2].imported_upvotes == 5
    assert by_id[3].hidden


_hours = st.floats(min_value=0, max_value=24 * 40, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    existing=st.lists(_hours, max_size=30),
    new=_hours,
    imported=st.integers(min_value=0, max_value=500),
    listed_days_ago=st.integers(min_value=0, max_value=40),
    stars=st.integers(min_value=0, max_value=10**6),
    window=st.sampled_from(["day", "week", "month"]),
    half_life=st.floats(min_value=0.5, max_value=24 * 30),
)
def test_property_adding_a_vote_never_lowers_the_score(existing, new, imported, listed_days_ago, stars, window, half_life):
    listing = NOW.date() - dt.timedelta(days=listed_days_ago)
    before = PaperSignal(1, votes=votes(*existing), imported_upvotes=imported, listing_date=listing, stars_today=stars)
    after = PaperSignal(1, votes=votes(*existing, new), imported_upvotes=imported, listing_date=listing, stars_today=stars)
    s_before = score(before, now=NOW, window=window, half_life_hours=half_life)
    s_after = score(after, now=NOW, window=window, half_life_hours=half_life)
    assert s_after >= s_before
    ranked_before = {r[0]: r[1] for r in rank([before], now=NOW, window=window, half_life_hours=half_life)}
    ranked_after = {r[0]: r[1] for r in rank([after], now=NOW, window=window, half_life_hours=half_life)}
    if 1 in ranked_before:  # on the list before: still on it, never lower
        assert ranked_after[1] >= ranked_before[1]


def test_half_life_scales_with_the_window():
    from paperfeed.community.ranking import window_half_life

    assert window_half_life("day", 24.0) == 24.0
    assert window_half_life("week", 24.0) == 24.0 * 7
    assert window_half_life("month", 24.0) == 24.0 * 30


def test_month_ranks_the_months_hits():
    from paperfeed.community.ranking import PaperSignal, rank, window_half_life

    now = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    old_hit = PaperSignal("old", imported_upvotes=300, listing_date=dt.date(2026, 6, 11))
    recent = PaperSignal("recent", imported_upvotes=40, listing_date=dt.date(2026, 6, 29))
    week = rank([old_hit, recent], now=now, window="week", half_life_hours=window_half_life("week", 24))
    month = rank([old_hit, recent], now=now, window="month", half_life_hours=window_half_life("month", 24))
    assert [p for p, _, _ in week] == ["recent"]
    assert [p for p, _, _ in month] == ["old", "recent"]
