"""The polite HTTP client against a local replay server: intervals, retries, Retry-After."""

from __future__ import annotations

import datetime as dt

import pytest

from paperfeed.catalog.fetch.http import FetchError, PoliteClient, parse_retry_after
from tests.jobs.replay import Reply, ReplayServer


class FakeTime:
    """A clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_client(t: FakeTime, **kw) -> PoliteClient:
    kw.setdefault("interval", 3.0)
    return PoliteClient(clock=t.clock, sleep=t.sleep, timeout=5, **kw)


def test_parse_retry_after_seconds_and_dates():
    assert parse_retry_after("10") == 10.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = dt.datetime(2026, 1, 1, 12, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0


def test_minimum_interval_between_requests():
    t = FakeTime()
    with ReplayServer() as server, make_client(t) as client:
        server.add("/x", Reply(200, "ok"))
        for _ in range(3):
            assert client.get(server.url + "/x").text == "ok"
    # First request immediately, then one interval before each of the next two.
    assert t.sleeps == [3.0, 3.0]


def test_503_retry_after_is_honoured():
    t = FakeTime()
    with ReplayServer() as server, make_client(t, interval=0) as client:
        server.add("/x", Reply(503, "busy", {"Retry-After": "10"}), Reply(200, "done"))
        assert client.get(server.url + "/x").text == "done"
    assert t.sleeps == [10.0]
    assert client.retries == 1


def test_5xx_backoff_then_give_up():
    t = FakeTime()
    with ReplayServer() as server, make_client(t, interval=0, max_retries=3, backoff=1.0) as client:
        server.add("/x", Reply(500, "boom"))
        with pytest.raises(FetchError) as err:
            client.get(server.url + "/x")
    assert err.value.status == 500
    assert t.sleeps == [1.0, 2.0, 4.0]
    assert len(server.requests) == 4


def test_retry_after_too_long_fails_fast():
    t = FakeTime()
    with ReplayServer() as server, make_client(t, interval=0, max_retry_after=60) as client:
        server.add("/x", Reply(503, "", {"Retry-After": "3600"}))
        with pytest.raises(FetchError, match="retry after 3600"):
            client.get(server.url + "/x")
    assert t.sleeps == []


def test_4xx_is_returned_not_retried():
    t = FakeTime()
    with ReplayServer() as server, make_client(t, interval=0) as client:
        server.add("/x", Reply(404, "nope"))
        assert client.get(server.url + "/x").status_code == 404
    assert len(server.requests) == 1


def test_connection_error_is_retried_then_reported():
    t = FakeTime()
    from tests.smtp import free_port

    url = f"http://127.0.0.1:{free_port()}/nothing-listens"
    with make_client(t, interval=0, max_retries=2, backoff=0.5) as client:
        with pytest.raises(FetchError, match="ConnectError"):
            client.get(url)
    assert t.sleeps == [0.5, 1.0]


def test_timeout_is_retried():
    import threading

    t = FakeTime()
    release = threading.Event()
    with ReplayServer() as server:
        server.add("/x", Reply(200, "late", hang=release), Reply(200, "fast"))
        client = PoliteClient(clock=t.clock, sleep=t.sleep, timeout=0.3, interval=0, backoff=0.1)
        try:
            assert client.get(server.url + "/x").text == "fast"
        finally:
            release.set()
            client.close()
    assert client.retries == 1
