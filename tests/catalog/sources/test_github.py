"""GitHub repository URLs and reading GitHub's repository answers (pure)."""

from __future__ import annotations

import pytest

from paperfeed.catalog.sources.github import read_repo_answer, repo_full_name


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/Owner/Repo", "owner/repo"),
        ("http://www.github.com/owner/repo.git", "owner/repo"),
        ("https://github.com/owner/repo/tree/main/src", "owner/repo"),
        ("github.com/a-b/c.d_e.", "a-b/c.d_e"),
        ("https://github.com/owner", None),
        ("https://github.com/orgs/someorg", None),
        ("https://gitlab.com/owner/repo", None),
        ("https://github.com.evil.example/owner/repo", None),
    ],
)
def test_repo_full_name(url, expected):
    assert repo_full_name(url) == expected


def test_read_repo_answer():
    ok = read_repo_answer(200, {"ETag": 'W/"abc"', "X-RateLimit-Remaining": "59"}, b'{"stargazers_count": 42}')
    assert (ok.status, ok.stars, ok.etag, ok.remaining) == ("ok", 42, 'W/"abc"', 59)
    assert read_repo_answer(304, {}, b"", etag='W/"abc"').etag == 'W/"abc"'
    assert read_repo_answer(451, {}, b"").status == "missing"
    limited = read_repo_answer(429, {"Retry-After": "30"}, b"{}")
    assert (limited.status, limited.retry_after) == ("rate_limited", 30.0)
    with pytest.raises(ValueError, match="HTTP 403"):
        read_repo_answer(403, {"X-RateLimit-Remaining": "12"}, b"{}")  # forbidden, not a rate limit
    with pytest.raises(ValueError, match="unexpected answer"):
        read_repo_answer(200, {}, b'{"name": "x"}')
