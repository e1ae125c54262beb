"""The pure health rules: a job against its schedule, the worker's heartbeat, the overall state."""

from __future__ import annotations

import datetime as dt

from paperfeed.jobs.health import DEGRADED, DOWN, OK, JobFacts, job_component, job_state, overall, worker_state

NOW = dt.datetime(2026, 6, 20, 12, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


def _job(**overrides) -> JobFacts:
    facts = {"name": "digests", "enabled": True, "interval": 5 * MIN, "last_ok_at": NOW - MIN,
             "first_attempt_at": NOW - 60 * MIN, "running": False}
    return JobFacts(**{**facts, **overrides})


def test_a_job_is_overdue_after_twice_its_interval_and_the_grace():
    assert job_state(_job(last_ok_at=NOW - 25 * MIN), now=NOW) == "ok"  # 2 × 5 + 15 minutes
    assert job_state(_job(last_ok_at=NOW - 26 * MIN), now=NOW) == "overdue"


def test_never_succeeded_counts_from_the_first_attempt_and_never_tried_is_pending():
    assert job_state(_job(last_ok_at=None, first_attempt_at=NOW - 10 * MIN), now=NOW) == "ok"
    assert job_state(_job(last_ok_at=None, first_attempt_at=NOW - 60 * MIN), now=NOW) == "overdue"
    assert job_state(_job(last_ok_at=None, first_attempt_at=None), now=NOW) == "pending"


def test_a_long_run_holding_its_lease_and_a_disabled_job_are_not_overdue():
    assert job_state(_job(last_ok_at=NOW - 300 * MIN, running=True), now=NOW) == "running"
    assert job_state(_job(last_ok_at=None, enabled=False), now=NOW) == "disabled"


def test_an_explicit_allowance_replaces_the_interval_rule():
    harvest = _job(interval=60 * MIN, allowed=dt.timedelta(hours=36), last_ok_at=NOW - dt.timedelta(hours=35))
    assert job_state(harvest, now=NOW) == "ok"


def test_worker_heartbeat():
    stale = dt.timedelta(seconds=180)
    assert worker_state(NOW - 179 * dt.timedelta(seconds=1), now=NOW, stale=stale) == OK
    assert worker_state(NOW - 181 * dt.timedelta(seconds=1), now=NOW, stale=stale) == DOWN
    assert worker_state(None, now=NOW, stale=stale) == DOWN


def test_overall_is_down_only_with_a_dependency_of_the_web_host():
    assert overall({"database": OK, "cache": OK, "worker": OK}) == OK
    assert overall({"database": OK, "cache": OK, "worker": DOWN}) == DEGRADED
    assert overall({"database": DOWN}) == DOWN
    assert overall({"database": OK, "cache": DOWN, "worker": OK}) == DOWN  # Redis gone: out of the pool


def test_failing_run_after_run_is_failing_before_it_is_overdue():
    # Last success 10 minutes ago (not overdue), but the last three runs failed: someone should look.
    assert job_state(_job(last_ok_at=NOW - 10 * MIN, failures_in_a_row=2), now=NOW) == "ok"
    assert job_state(_job(last_ok_at=NOW - 10 * MIN, failures_in_a_row=3), now=NOW) == "failing"
    assert job_state(_job(last_ok_at=None, first_attempt_at=NOW - 15 * MIN, failures_in_a_row=3), now=NOW) == "failing"
    assert job_state(_job(enabled=False, failures_in_a_row=9), now=NOW) == "disabled"


def test_a_failing_or_overdue_job_degrades_the_site():
    assert [job_component(s) for s in ("ok", "running", "pending", "overdue", "failing")] == [
        OK, OK, OK, DEGRADED, DEGRADED]
