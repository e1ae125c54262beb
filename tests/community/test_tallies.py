"""The database's vote tallies equal the pure ranking maths on the same votes."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from paperfeed.community import moderation, ranking, tallies
from tests.factories import make_paper, make_user, make_vote

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 15, 12, 0, 0, 123456, tzinfo=dt.UTC)


@pytest.fixture
def votes():
    rng = random.Random(7)
    papers = [make_paper() for _ in range(4)]
    users = [make_user() for _ in range(40)]
    stamps: dict[int, list[dt.datetime]] = {p.pk: [] for p in papers}
    for user in users:
        for paper in rng.sample(papers, rng.randint(0, 4)):
            at = NOW - dt.timedelta(seconds=rng.uniform(-3600, 40 * 86400))  # some in the future
            make_vote(user=user, paper=paper, at=at)
            stamps[paper.pk].append(at)
    return papers, users, stamps


@pytest.mark.parametrize("window", ["day", "week", "month"])
@pytest.mark.parametrize("half_life", [1.0, 24.0, 24.0 * 7])
def test_sql_tallies_match_pure_tallies(votes, window, half_life):
    papers, _, stamps = votes
    got = tallies.vote_tallies(now=NOW, window=window, half_life_hours=half_life)
    for paper in papers:
        want = ranking.tally_votes(stamps[paper.pk], now=NOW, window=window, half_life_hours=half_life)
        have = got.get(paper.pk, ranking.VoteTally())
        assert (have.count, have.last_day, have.last_hour) == (want.count, want.last_day, want.last_hour)
        assert have.decayed == pytest.approx(want.decayed, rel=1e-6, abs=1e-9)
        assert have.latest == want.latest


@pytest.mark.parametrize("window", ["day", "week", "month"])
def test_sql_bucket_sums_match_pure_bucket_sums(votes, window):
    papers, _, stamps = votes
    ids = [p.pk for p in papers]
    got = tallies.bucket_sums(paper_ids=ids, now=NOW, window=window, points=12, half_life_hours=24)
    ends = ranking.series_ends(now=NOW, window=window, points=12)
    start = NOW - ranking.window_delta(window)
    for pid in ids:
        want = ranking.bucket_sums(stamps[pid], ends=ends, start=start, half_life_hours=24)
        assert got[pid] == pytest.approx(want, rel=1e-6, abs=1e-9)
        series = ranking.series_from_buckets(got[pid], ends=ends, start=start, half_life_hours=24)
        assert series[-1] == pytest.approx(
            ranking.tally_votes(stamps[pid], now=NOW, window=window, half_life_hours=24).decayed, rel=1e-6, abs=1e-9
        )


def test_banned_users_and_hidden_papers_are_not_tallied(votes):
    papers, users, _ = votes
    moderation.set_banned(users, banned=True, moderator=None)
    assert tallies.vote_tallies(now=NOW, window="month", half_life_hours=24) == {}
    moderation.set_banned(users, banned=False, moderator=None)
    moderation.set_hidden(papers, hidden=True, moderator=None)
    assert tallies.vote_tallies(now=NOW, window="month", half_life_hours=24) == {}
