"""Where `paperfeed papers` reads from: this site's database, or another paperfeed over its API.

Both sources answer in the API's JSON shapes (plain dicts), so one formatter prints either and
``--json`` prints the same thing whichever source it came from.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

import httpx

from paperfeed.catalog import services as catalog
from paperfeed.community.services import trending_papers
from paperfeed.search.forms import parse_params
from paperfeed.search.services import search

from .markdown import paper_markdown_text
from .schemas import daily_item, paper_out, search_hit

Json = dict[str, Any]
PERIOD_PARAM = {"day": "date", "week": "week", "month": "month"}


class ReadError(Exception):
    """A read that failed: an unknown paper, a bad filter, or a server that said no; the message says which."""


class Source(Protocol):
    """What the reading commands need from a source of papers."""

    def period(self, kind: str, limit: int) -> tuple[str, list[Json]]: ...
    def trending(self, limit: int) -> list[Json]: ...
    def search(self, query: str, filters: dict[str, str], limit: int) -> list[Json]: ...
    def paper(self, arxiv_id: str) -> Json: ...
    def markdown(self, arxiv_id: str) -> str: ...


def _dump(schema_object, **kwargs) -> Json:
    return schema_object.model_dump(mode="json", **kwargs)


class LocalSource:
    """This site's database, through the same services and shapes as the API."""

    def period(self, kind: str, limit: int) -> tuple[str, list[Json]]:
        """The papers of the latest day with papers, or of the week or month that contains it."""
        latest = catalog.latest_listing_date()
        if latest is None:
            return "", []
        period = catalog.period_of(kind=kind, day=latest)
        papers = catalog.decorate(list(catalog.period_papers(period=period)[:limit]))
        return period.slug, [_dump(daily_item(p), exclude_none=True) for p in papers]

    def trending(self, limit: int) -> list[Json]:
        """This week's trending papers with their scores and reasons."""
        rows = trending_papers(window="week", limit=limit)
        catalog.decorate([paper for paper, _, _ in rows])
        return [_dump(daily_item(p, score=s, reason=r), exclude_none=True) for p, s, r in rows]

    def search(self, query: str, filters: dict[str, str], limit: int) -> list[Json]:
        """Hybrid search with the page's filters (category, from, to, code, sort)."""
        params = parse_params({"q": query, **filters})
        if params.errors:
            raise ReadError(" ".join(params.errors))
        results = search(query=params.query, filters=params.filters, sort=params.sort, limit=limit)
        return [_dump(search_hit(hit)) for hit in results.hits]

    def paper(self, arxiv_id: str) -> Json:
        """One paper by arXiv id."""
        return _dump(paper_out(self._detail(arxiv_id)), exclude_none=True)

    def markdown(self, arxiv_id: str) -> str:
        """One paper as the Markdown of /papers/{id}.md (with its discussion)."""
        return paper_markdown_text(self._detail(arxiv_id))

    def _detail(self, arxiv_id: str):
        found = catalog.paper_detail(arxiv_id=catalog.canonical_arxiv_id(arxiv_id))
        if found is None:
            raise ReadError(f"No paper with id {arxiv_id!r}.")
        return found


class RemoteSource:
    """Another paperfeed (or Hugging Face), read over its /api with httpx."""

    def __init__(self, server: str, *, token: str = "", timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=timeout,
                                   follow_redirects=True, transport=transport)

    def _fetch(self, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
        try:
            response = self.client.get(path, params=params)
        except httpx.HTTPError as exc:
            raise ReadError(f"{self.client.base_url}{path}: {exc}") from None
        if response.status_code != 200:
            try:
                message = response.json().get("error") or response.text[:200]
            except ValueError:
                message = response.text[:200].strip()
            raise ReadError(f"{response.request.url}: HTTP {response.status_code}: {message}")
        return response

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self._fetch(path, params)
        try:
            return response.json()
        except ValueError:
            raise ReadError(f"{response.request.url}: the answer is not JSON") from None

    def _latest_day(self) -> dt.date | None:
        items = self._get("/api/daily_papers", {"limit": 1})
        stamp = items[0]["paper"].get("submittedOnDailyAt") if items else None
        return dt.date.fromisoformat(stamp[:10]) if stamp else None

    def period(self, kind: str, limit: int) -> tuple[str, list[Json]]:
        """As LocalSource.period, asking the server for its latest day first."""
        latest = self._latest_day()
        if latest is None:
            return "", []
        label = catalog.period_of(kind=kind, day=latest).slug
        return label, self._get("/api/daily_papers", {PERIOD_PARAM[kind]: label, "limit": min(limit, 100)})

    def trending(self, limit: int) -> list[Json]:
        """The server's trending list."""
        return self._get("/api/daily_papers", {"sort": "trending", "limit": min(limit, 100)})

    def search(self, query: str, filters: dict[str, str], limit: int) -> list[Json]:
        """The server's /api/papers/search with the same filters."""
        return self._get("/api/papers/search", {"q": query, "limit": min(limit, 120), **filters})

    def paper(self, arxiv_id: str) -> Json:
        """The server's /api/papers/{id}."""
        return self._get(f"/api/papers/{arxiv_id}")

    def markdown(self, arxiv_id: str) -> str:
        """The server's /papers/{id}.md."""
        return self._fetch(f"/papers/{arxiv_id}.md").text
