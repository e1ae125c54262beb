"""GitHub's REST API, just enough for star counts: repository URLs and the repository answer.

Pure: ``repo_full_name`` reads a URL, ``read_repo_answer`` reads one answer (status, headers,
body), including the rate-limit state. The request itself is ``paperfeed.catalog.fetch.github``.
Spec: https://docs.github.com/en/rest/repos/repos#get-a-repository and
https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping

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


def read_repo_answer(status: int, headers: Mapping[str, str], body: bytes, *, etag: str = "") -> RepoAnswer:
    """Read GitHub's answer to ``GET /repos/{owner}/{name}``; ``etag`` is the one sent (kept on a 304).

    ``headers`` is a case-insensitive mapping, as HTTP clients give them.
    Raises ValueError for answers that are neither success, 304, 404/410/451 nor a rate limit,
    and for a success whose body has no star count.
    """
    remaining = _int(headers.get("X-RateLimit-Remaining"))
    reset_at = _int(headers.get("X-RateLimit-Reset"))
    base = {"remaining": remaining, "reset_at": float(reset_at) if reset_at is not None else None}
    if status == 304:
        return RepoAnswer("not_modified", etag=etag, **base)
    if status in (403, 429) and (remaining == 0 or "Retry-After" in headers):
        retry = _int(headers.get("Retry-After"))
        return RepoAnswer("rate_limited", retry_after=float(retry) if retry is not None else None, **base)
    if status in (404, 410, 451):
        return RepoAnswer("missing", **base)
    if status != 200:
        raise ValueError(f"HTTP {status}")
    try:
        stars = int(json.loads(body)["stargazers_count"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"unexpected answer ({exc})") from exc
    return RepoAnswer("ok", stars=stars, etag=headers.get("ETag", ""), **base)
