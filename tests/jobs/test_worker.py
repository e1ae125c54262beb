"""The scheduler: leases (no job runs twice at once), recorded runs, failures, threads, stop."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

from paperfeed.jobs.models import JobLease, JobRun
from paperfeed.jobs.runs import prune_runs
from paperfeed.jobs.worker import WORKER_LEASE, Job, JobBusy, Worker, claim, default_jobs, hold_lease, release
from tests.factories import make_job_run

T0 = dt.datetime(2026, 6, 20, 12, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> dt.datetime:
        return self.t


@pytest.mark.django_db
def test_claim_is_exclusive_until_released_and_due():
    assert claim("harvest", owner="a", now=T0, lease=HOUR)
    assert not claim("harvest", owner="b", now=T0 + dt.timedelta(minutes=5), lease=HOUR)
    release("harvest", owner="a", next_run_at=T0 + HOUR)
    assert not claim("harvest", owner="b", now=T0 + dt.timedelta(minutes=30), lease=HOUR)  # not due
    assert claim("harvest", owner="b", now=T0 + dt.timedelta(minutes=30), lease=HOUR, force=True)
    # b crashes without releasing: once its lease expires, a takes over.
    assert not claim("harvest", owner="a", now=T0 + dt.timedelta(minutes=80), lease=HOUR)
    assert claim("harvest", owner="a", now=T0 + dt.timedelta(minutes=91), lease=HOUR)
    assert JobLease.objects.get(name="harvest").owner == "a"


@pytest.mark.django_db
def test_worker_records_runs_and_schedules_next():
    clock = Clock()
    calls: list[str] = []

    def good(stop):
        calls.append("good")
        return {"papers": 3}

    def bad(stop):
        raise RuntimeError("arXiv is down")

    jobs = [Job("good", good, lambda: HOUR), Job("bad", bad, lambda: 24 * HOUR),
            Job("off", good, lambda: HOUR, enabled=lambda: False)]
    worker = Worker(jobs, owner="w1", now=clock)
    assert worker.run_due(inline=True) == ["good", "bad"]
    good_run, bad_run = JobRun.objects.get(name="good"), JobRun.objects.get(name="bad")
    assert good_run.ok and good_run.counts == {"papers": 3} and good_run.duration_s is not None
    assert bad_run.ok is False and "RuntimeError: arXiv is down" in bad_run.error
    assert JobLease.objects.get(name="good").next_run_at == T0 + HOUR
    # A failed job is retried sooner than its interval.
    assert JobLease.objects.get(name="bad").next_run_at == T0 + dt.timedelta(minutes=10)
    assert worker.run_due(inline=True) == []
    clock.t = T0 + dt.timedelta(minutes=11)
    assert worker.run_due(inline=True) == ["bad"]
    clock.t = T0 + HOUR
    assert worker.run_due(inline=True) == ["good", "bad"]  # bad failed again at 0:11, retried at 0:21+
    assert calls == ["good", "good"]
    assert not JobRun.objects.filter(name="off").exists()


def test_default_jobs():
    jobs = default_jobs()
    assert [job.name for job in jobs] == [
        "harvest", "stars", "hf_sync", "submissions", "embed", "digests", "notifications", "prune"]
    assert all(job.enabled() for job in jobs if job.name not in {"harvest", "stars", "hf_sync"})


def test_harvest_switch(settings):
    jobs = {job.name: job for job in default_jobs()}
    settings.HARVEST_ENABLED = False
    settings.STARS_ENABLED = ""
    assert not jobs["harvest"].enabled() and not jobs["stars"].enabled()
    settings.STARS_ENABLED = "1"
    assert jobs["stars"].enabled()
    settings.HARVEST_ENABLED = True
    settings.STARS_ENABLED = "0"
    settings.HARVEST_INTERVAL_MINUTES = 30.0
    assert jobs["harvest"].enabled() and jobs["harvest"].interval() == dt.timedelta(minutes=30)
    assert not jobs["stars"].enabled()


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_only_one_wins():
    barrier = threading.Barrier(6)
    wins: list[str] = []

    def contender(name: str) -> None:
        try:
            barrier.wait()
            if claim("stars", owner=name, now=T0, lease=HOUR):
                wins.append(name)
        finally:
            connection.close()

    threads = [threading.Thread(target=contender, args=(f"w{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(wins) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_a_job_twice_and_stop_cleanly():
    entered = threading.Event()
    release_job = threading.Event()
    runs: list[str] = []

    def slow(stop):
        runs.append(threading.current_thread().name)
        entered.set()
        release_job.wait(20)
        return {"stopped": stop.is_set()}

    jobs = [Job("slow", slow, lambda: HOUR)]
    w1, w2 = Worker(jobs, owner="w1"), Worker(jobs, owner="w2")
    t1 = threading.Thread(target=w1.run_forever, kwargs={"tick": 0.05})
    t1.start()
    try:
        assert entered.wait(20)
        for _ in range(5):
            assert w2.run_due(inline=True) == []  # leased by w1
        w1.stop.set()
        release_job.set()
        t1.join(20)
        assert not t1.is_alive()
    finally:
        w1.stop.set()
        release_job.set()
    assert len(runs) == 1
    run = JobRun.objects.get(name="slow")
    assert run.ok and run.counts == {"stopped": True}
    assert JobLease.objects.get(name="slow").owner == ""


@pytest.mark.django_db(transaction=True)
def test_a_running_jobs_lease_is_short_and_renewed_so_another_host_takes_over_when_it_dies():
    entered, release_job = threading.Event(), threading.Event()

    def slow(stop):
        entered.set()
        release_job.wait(20)
        return {}

    clock = Clock()
    host_a = Worker([Job("slow", slow, lambda: HOUR)], owner="host-a:1:w", now=clock)  # the Job's own lease: 1 h
    try:
        assert host_a.run_due() == ["slow"] and entered.wait(20)
        assert JobLease.objects.get(name="slow").leased_until == T0 + WORKER_LEASE
        clock.t = T0 + dt.timedelta(minutes=1)
        host_a.heartbeat()  # every tick while the job runs
        assert JobLease.objects.get(name="slow").leased_until == clock.t + WORKER_LEASE
        # Host A dies here: no more renewals. Host B's worker takes the job once the lease has run out.
        gone = clock.t + WORKER_LEASE
        assert not claim("slow", owner="host-b:2:w", now=gone - dt.timedelta(seconds=1), lease=WORKER_LEASE)
        assert claim("slow", owner="host-b:2:w", now=gone + dt.timedelta(seconds=1), lease=WORKER_LEASE)
    finally:
        release_job.set()
        for thread in list(host_a.running.values()):
            thread.join(20)
    assert JobLease.objects.get(name="slow").owner == "host-b:2:w"  # A's late release does not undo B's claim


@pytest.mark.django_db
def test_default_submission_and_digest_jobs_run(settings):
    settings.ARXIV_REQUEST_INTERVAL = 0
    worker = Worker(default_jobs(), owner="w")
    assert worker.run_due(inline=True, only=["submissions", "digests"], force=True) == ["submissions", "digests"]
    runs = {run.name: run for run in JobRun.objects.all()}
    assert runs["submissions"].ok, runs["submissions"].error
    assert runs["submissions"].counts["requested"] == 0
    assert runs["digests"].ok, runs["digests"].error


@pytest.mark.django_db
def test_commands_share_the_lease_and_dead_holders_are_replaced():
    now = dt.datetime.now(dt.UTC)
    # A live worker (this very process) holds the harvest: a cron-run harvest refuses to overlap.
    me = f"{socket.gethostname()}:{os.getpid()}:worker"
    assert claim("harvest", owner=me, now=now, lease=HOUR)
    with pytest.raises(JobBusy, match="running elsewhere"):
        with hold_lease("harvest"):
            pass
    with pytest.raises(CommandError, match="running elsewhere"):
        call_command("harvest", "arxiv", verbosity=0)
    assert not JobRun.objects.exists()

    # The holder was SIGKILLed (its pid is gone): the lease is taken over at once.
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    JobLease.objects.filter(name="harvest").update(owner=f"{socket.gethostname()}:{gone.stdout.strip()}:worker")
    with hold_lease("harvest") as keep_alive:
        keep_alive()
        assert JobLease.objects.get(name="harvest").owner.endswith(":command")
    lease = JobLease.objects.get(name="harvest")
    assert lease.owner == "" and lease.leased_until is None


@pytest.mark.django_db
def test_prune_keeps_recent_runs_and_each_jobs_last_outcomes():
    def run(name, days_ago, ok):
        return make_job_run(name, started_at=T0 - dt.timedelta(days=days_ago), ok=ok)

    last_ok, last_bad = run("harvest", 60, True), run("harvest", 50, False)
    old = [run("harvest", 70, True), run("embed", 40, True), run("embed", 35, True)]
    recent = run("embed", 1, True)
    assert prune_runs(now=T0, keep_days=30) == 3
    assert set(JobRun.objects.values_list("pk", flat=True)) == {last_ok.pk, last_bad.pk, recent.pk}
    assert not JobRun.objects.filter(pk__in=[r.pk for r in old]).exists()


@pytest.mark.django_db
def test_a_database_outage_costs_one_line_per_tick_not_a_traceback(caplog):
    worker = Worker([], owner="w")

    def away() -> None:
        worker.stop.set()  # one tick is enough
        raise OperationalError("connection refused")

    worker.heartbeat = away
    with caplog.at_level("WARNING", logger="paperfeed.jobs.worker"):
        worker.run_forever(tick=0)
    [record] = [r for r in caplog.records if "tick" in r.getMessage()]
    assert record.levelname == "WARNING" and "database unreachable" in record.getMessage()
    assert record.exc_info is None
