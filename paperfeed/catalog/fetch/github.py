"""One conditional request to GitHub's repository endpoint; reading the answer is ``sources.github``.

Waiting for a rate-limit reset, or stopping, is left to the caller (``paperfeed.catalog.stars``).
"""

from __future__ import annotations

from paperfeed.catalog.fetch.http import FetchError, PoliteClient
from paperfeed.catalog.sources.github import RepoAnswer, read_repo_answer


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
    try:
        return read_repo_answer(response.status_code, response.headers, response.content, etag=etag)
    except ValueError as exc:
        raise FetchError(f"{url}: {exc}", status=response.status_code, url=url) from exc
