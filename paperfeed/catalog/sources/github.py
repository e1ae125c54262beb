"""GitHub's REST API, just enough for star counts: conditional requests and rate-limit headers.

``repo_full_name`` is pure; ``get_repo`` makes one conditional request and reports what GitHub
said, including the rate-limit state, and leaves waiting or stopping to the caller.
Spec: https://docs.github.com/en/rest/repos/repos#get-a-repository and
https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
"""

from __future__ import annotations

import dataclasses
import json
import re

from paperfeed.catalog.sources.http import FetchError, PoliteClient

_REPO_URL = re.compile(r"^(?:https?://)?(?:www\.)?github\.com/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})", re.I)
_NOT_REPOS = {"orgs", "topics", "features", "about", "sponsors", "marketplace", "settings", "login", "search", "apps"}


def repo_full_name(url: str) -> str | None:
    """Return ``owner/name`` (lower case) for a GitHub repository URL, or None for other URLs."""
    m = _REPO_URL.match(url.strip())
    if not m:
        return None
    owner, name = m.group(1), m.group(2)
    name = name.removesuffix(".git").rstrip(".")
    if owner.lower() in _NOT_REPOS or not name:
        return None
    return f"{owner}/{name}".lower()


@dataclasses.dataclass
class RepoAnswer:
    """What GitHub answered for one repository."""

    status: str  # "ok" | "not_modified" | "missing" | "rate_limited"
    stars: int | None = None
    etag: str = ""
    remaining: int | None = None  # X-RateLimit-Remaining
    reset_at: float | None = None  # X-RateLimit-Reset (epoch seconds)
    retry_after: float | None = None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def get_repo(client: PoliteClient, api_url: str, full_name: str, *, etag: str = "", token: str = "") -> RepoAnswer:
    """GET ``/repos/{full_name}`` with ``If-None-Match``; a 304 costs no rate limit.

    Raises FetchError on answers that are neither success, 304, 404/410/451 nor a rate limit.
    """
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if etag:
        headers["If-None-Match"] = etag
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = f"{api_url.rstrip('/')}/repos/{full_name}"
    response = client.get(url, headers=headers, ok_statuses=frozenset({403, 429}))
    remaining = _int(response.headers.get("X-RateLimit-Remaining"))
    reset_at = _int(response.headers.get("X-RateLimit-Reset"))
    base = {"remaining": remaining, "reset_at": float(reset_at) if reset_at is not None else None}
    status = response.status_code
    if status == 304:
        return RepoAnswer("not_modified", etag=etag, **base)
    if status in (403, 429) and (remaining == 0 or "Retry-After" in response.headers):
        retry = _int(response.headers.get("Retry-After"))
        return RepoAnswer("rate_limited", retry_after=float(retry) if retry is not None else None, **base)
    if status in (404, 410, 451):
        return RepoAnswer("missing", **base)
    if status != 200:
        raise FetchError(f"{url}: HTTP {status}", status=status, url=url)
    try:
        stars = int(json.loads(response.content)["stargazers_count"])
    except (ValueError, KeyError, TypeError) as exc:
        raise FetchError(f"{url}: unexpected answer ({exc})", status=status, url=url) from exc
    return RepoAnswer("ok", stars=stars, etag=response.headers.get("ETag", ""), **base)
