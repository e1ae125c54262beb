"""GitHub star refresh against a replaying GitHub (ETags, rate limits) and star velocity."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from paperfeed.catalog.fetch.http import PoliteClient
from paperfeed.catalog.models import CodeLink, RepoState, StarSnapshot
from paperfeed.catalog.stars import refresh_stars, star_deltas
from tests.factories import make_code_link, make_paper, make_repo, make_star_snapshot
from tests.jobs.replay import Reply, ReplayServer, Request

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 20, 12, tzinfo=dt.UTC)


class FakeGitHub:
    """GitHub's repository endpoint with ETags and a core rate limit (304s are free)."""

    def __init__(self, stars: dict[str, int], *, limit: int = 60, reset_in: float = 30) -> None:
        self.stars = stars
        self.remaining = limit
        self.limit = limit
        self.epoch = 1_800_000_000.0
        self.reset_in = reset_in
        self.reset_at = self.epoch + reset_in
        self.counted = 0

    def etag(self, name: str) -> str:
        return f'W/"{name}-{self.stars[name]}"'

    def __call__(self, request: Request) -> Reply:
        name = request.path.removeprefix("/repos/")
        if name not in self.stars:
            return Reply(404, '{"message": "Not Found"}')
        if request.headers.get("if-none-match") == self.etag(name):
            return Reply(304, "", self._limits())
        if self.remaining == 0:
            return Reply(403, '{"message": "API rate limit exceeded"}', self._limits())
        self.remaining -= 1
        self.counted += 1
        body = json.dumps({"full_name": name, "stargazers_count": self.stars[name]})
        return Reply(200, body, {"ETag": self.etag(name), **self._limits()})

    def _limits(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(int(self.reset_at))}

    def clock(self) -> float:
        return self.epoch

    def sleep(self, seconds: float) -> None:
        self.epoch += seconds
        if self.epoch >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = self.epoch + self.reset_in


def run(server: ReplayServer, gh: FakeGitHub, *, now: dt.datetime, **kw):
    with PoliteClient(interval=0, sleep=lambda s: None) as client:
        return refresh_stars(now=now, client=client, api_url=server.url, token="", sleep=gh.sleep, clock=gh.clock, **kw)


@pytest.fixture
def github():
    gh = FakeGitHub({"org/alpha": 100, "org/beta": 5, "org/gamma": 7})
    with ReplayServer() as server:
        server.add_handler("/repos/org/alpha", gh)
        server.add_handler("/repos/org/beta", gh)
        server.add_handler("/repos/org/gamma", gh)
        server.add_handler("/repos/org/gone", gh)
        yield server, gh


def test_stars_fetched_then_etag_honoured(github, settings):
    settings.STARS_RECHECK_HOURS = 1
    server, gh = github
    p1, p2 = make_paper(), make_paper()
    make_code_link(p1, "https://github.com/Org/Alpha")
    make_code_link(p2, "https://github.com/org/alpha.git")  # same repository, other spelling
    make_code_link(p2, "https://github.com/org/beta/tree/main")
    make_code_link(p2, "https://github.com/org/gone")
    counts = run(server, gh, now=NOW)
    assert counts["updated"] == 2 and counts["missing"] == 1
    assert sorted(CodeLink.objects.values_list("stars", flat=True), key=lambda s: (s is None, s)) == [5, 100, 100, None]
    assert RepoState.objects.get(full_name="org/gone").missing

    # A day later alpha gained stars; beta did not: beta's answer is a free 304.
    gh.stars["org/alpha"] = 130
    used = gh.counted
    counts = run(server, gh, now=NOW + dt.timedelta(days=1))
    assert counts["updated"] == 1 and counts["not_modified"] == 1
    assert gh.counted - used == 1  # the 304 cost no rate limit
    assert set(CodeLink.objects.filter(paper=p1).values_list("stars", flat=True)) == {130}
    assert StarSnapshot.objects.filter(repo__full_name="org/beta").count() == 2
    # The gone repository is not asked again.
    assert sum(1 for r in server.requests if r.path.endswith("/gone")) == 1


def test_recently_checked_repos_are_skipped(github):
    server, gh = github
    make_code_link(make_paper(), "https://github.com/org/alpha")
    run(server, gh, now=NOW)
    counts = run(server, gh, now=NOW + dt.timedelta(hours=2))
    assert counts["checked"] == 0


def test_rate_limit_short_wait_then_continue(github, settings):
    settings.STARS_MAX_WAIT_SECONDS = 60
    server, gh = github
    gh.remaining = gh.limit = 1
    for name in ("alpha", "beta", "gamma"):
        make_code_link(make_paper(), f"https://github.com/org/{name}")
    counts = run(server, gh, now=NOW)
    assert counts["updated"] == 3
    assert counts["rate_limit_waits"] >= 1
    assert not counts["stopped"]


def test_rate_limit_long_wait_stops_cleanly_and_resumes(github, settings):
    settings.STARS_MAX_WAIT_SECONDS = 60
    server, gh = github
    gh.remaining = gh.limit = 1
    gh.reset_in = 3600
    gh.reset_at = gh.epoch + 3600
    for name in ("alpha", "beta", "gamma"):
        make_code_link(make_paper(), f"https://github.com/org/{name}")
    counts = run(server, gh, now=NOW)
    assert counts["updated"] == 1
    assert "rate limit" in counts["stopped"]
    # Next run (after the reset) picks up the repositories not yet checked.
    gh.remaining = 10
    counts = run(server, gh, now=NOW + dt.timedelta(minutes=61))
    assert counts["updated"] == 2
    assert RepoState.objects.filter(stars__isnull=True).count() == 0


def test_star_deltas_velocity():
    p1, p2, p3 = make_paper(), make_paper(), make_paper()
    make_code_link(p1, "https://github.com/org/alpha")
    make_code_link(p1, "https://github.com/org/beta")
    make_code_link(p2, "https://github.com/org/beta")
    alpha, beta = make_repo("org/alpha"), make_repo("org/beta")
    for repo, points in ((alpha, [(48, 100), (20, 110), (1, 150)]), (beta, [(10, 5), (2, 9)])):
        for hours_ago, stars in points:
            make_star_snapshot(repo, stars=stars, taken_at=NOW - dt.timedelta(hours=hours_ago))
    deltas = star_deltas([p1.id, p2.id, p3.id], now=NOW, hours=24)
    # alpha: 150 - 100 (baseline 48h ago); beta: 9 - 5 (first point inside the window); p3: no history.
    assert deltas == {p1.id: 50, p2.id: 4}
    assert star_deltas([p1.id], now=NOW, hours=6) == {p1.id: 40}
    assert star_deltas([], now=NOW) == {}
    # Snapshots after `now` are ignored.
    assert star_deltas([p1.id], now=NOW - dt.timedelta(hours=19), hours=24) == {p1.id: 10}
