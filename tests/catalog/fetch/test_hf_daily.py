"""One conditional request for a day of Hugging Face's daily papers, against a local replay server."""

from __future__ import annotations

import datetime as dt

import pytest

from paperfeed.catalog.fetch.hf_daily import get_day
from paperfeed.catalog.fetch.http import FetchError, PoliteClient
from tests.jobs.replay import Reply, ReplayServer

DAY = dt.date(2026, 6, 15)


def test_get_day_answers():
    with ReplayServer() as server, PoliteClient(interval=0, sleep=lambda s: None) as client:
        url = server.url + "/api/daily_papers"
        server.add("/api/daily_papers", Reply(200, '[{"paper": {"id": "2606.00001"}}]',
                                              {"ETag": '"e1"', "Last-Modified": "Mon, 15 Jun 2026 10:00:00 GMT"}),
                   query={"date": "2026-06-15"})
        server.add("/api/daily_papers", Reply(304, "", {"ETag": '"e1"'}), query={"date": "2026-06-16"})
        server.add("/api/daily_papers", Reply(200, '{"status": "ok", "data": []}'), query={"date": "2026-06-17"})
        server.add("/api/daily_papers", Reply(200, '{"error": "nope"}'), query={"date": "2026-06-18"})
        server.add("/api/daily_papers", Reply(200, "not json"), query={"date": "2026-06-19"})
        server.add("/api/daily_papers", Reply(410, "gone"), query={"date": "2026-06-20"})

        ok = get_day(client, url, DAY)
        assert ok.entries == [{"paper": {"id": "2606.00001"}}] and not ok.not_modified
        assert (ok.etag, ok.last_modified) == ('"e1"', "Mon, 15 Jun 2026 10:00:00 GMT")
        same = get_day(client, url, DAY + dt.timedelta(days=1), etag='"e1"', last_modified="Mon, 15 Jun 2026 10:00:00 GMT")
        assert same.not_modified and same.etag == '"e1"'
        assert server.requests[-1].headers["if-none-match"] == '"e1"'
        assert server.requests[-1].headers["if-modified-since"] == "Mon, 15 Jun 2026 10:00:00 GMT"
        assert get_day(client, url, DAY + dt.timedelta(days=2)).entries == []  # the wrapper object
        for days, match in ((3, "expected a JSON list"), (4, "not JSON"), (5, "HTTP 410")):
            with pytest.raises(FetchError, match=match):
                get_day(client, url, DAY + dt.timedelta(days=days))
        assert get_day(client, url, DAY + dt.timedelta(days=9)).entries == []  # 404: an empty day


def test_a_full_page_is_followed_by_the_next():
    with ReplayServer() as server, PoliteClient(interval=0, sleep=lambda s: None) as client:
        url = server.url + "/api/daily_papers"
        server.add("/api/daily_papers", Reply(200, '[{"n": 1}, {"n": 2}]', {"ETag": '"p0"'}), query={"p": "0"})
        server.add("/api/daily_papers", Reply(200, '[{"n": 3}, {"n": 4}]'), query={"p": "1"})
        server.add("/api/daily_papers", Reply(200, "[]"), query={"p": "2"})
        answer = get_day(client, url, DAY, limit=2)
        assert answer.entries == [{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}] and answer.etag == '"p0"'
        assert [r.query["p"] for r in server.requests] == ["0", "1", "2"]
        assert server.requests[0].query == {"date": "2026-06-15", "limit": "2", "p": "0"}
