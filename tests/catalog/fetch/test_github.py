"""One conditional request to GitHub against a local replay server."""

from __future__ import annotations

import pytest

from paperfeed.catalog.fetch.github import get_repo
from paperfeed.catalog.fetch.http import FetchError, PoliteClient
from tests.jobs.replay import Reply, ReplayServer


def test_get_repo_answers():
    with ReplayServer() as server, PoliteClient(interval=0, sleep=lambda s: None) as client:
        server.add("/repos/a/ok", Reply(200, '{"stargazers_count": 42}', {"ETag": 'W/"abc"', "X-RateLimit-Remaining": "59"}))
        server.add("/repos/a/same", Reply(304, "", {"X-RateLimit-Remaining": "59"}))
        server.add("/repos/a/gone", Reply(404, '{"message": "Not Found"}'))
        server.add("/repos/a/limited", Reply(403, "{}", {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000000"}))
        server.add("/repos/a/weird", Reply(200, "not json"))
        ok = get_repo(client, server.url, "a/ok", token="t0k")
        assert (ok.status, ok.stars, ok.etag, ok.remaining) == ("ok", 42, 'W/"abc"', 59)
        assert server.requests[-1].headers["authorization"] == "Bearer t0k"
        same = get_repo(client, server.url, "a/same", etag='W/"abc"')
        assert same.status == "not_modified" and same.etag == 'W/"abc"'
        assert server.requests[-1].headers["if-none-match"] == 'W/"abc"'
        assert "authorization" not in server.requests[-1].headers
        assert get_repo(client, server.url, "a/gone").status == "missing"
        limited = get_repo(client, server.url, "a/limited")
        assert (limited.status, limited.reset_at) == ("rate_limited", 1700000000.0)
        with pytest.raises(FetchError, match="unexpected answer"):
            get_repo(client, server.url, "a/weird")
