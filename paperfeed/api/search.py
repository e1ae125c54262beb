"""Search endpoints: GET /api/papers/search?q=&limit= in Hugging Face's shape."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from paperfeed.search.forms import parse_params
from paperfeed.search.services import search

from .schemas import ErrorOut, SearchHitOut, search_hit

router = Router(tags=["search"])

MAX_QUERY = 250
MAX_LIMIT = 120


def _error(message: str) -> Status:
    return Status(400, ErrorOut(error=message))


# exclude_unset: a hit's null publishedAt stays in the JSON, an error's unset detail does not.
@router.get(
    "/search",
    summary="Hybrid search (keyword + semantic)",
    response={200: list[SearchHitOut], 400: ErrorOut},
    exclude_unset=True,
)
def search_papers(request: HttpRequest, q: str = "", limit: str = "20", sort: str = "relevance",
                  category: str = "", offset: str = "0") -> Status:
    """Search papers; ``q`` up to 250 characters, ``limit`` 1–120. Bad parameters give 400 JSON."""
    if len(q) > MAX_QUERY:
        return _error(f"q must be at most {MAX_QUERY} characters (got {len(q)}).")
    try:
        n, start = int(limit), int(offset)
    except ValueError:
        return _error("limit and offset must be integers.")
    if not 1 <= n <= MAX_LIMIT:
        return _error(f"limit must be between 1 and {MAX_LIMIT}.")
    if start < 0 or start > 10_000:
        return _error("offset must be between 0 and 10000.")
    params = parse_params({"q": q, "sort": sort, "category": category})
    if params.errors:
        return _error(" ".join(params.errors))
    results = search(query=params.query, filters=params.filters, sort=params.sort, limit=n, offset=start)
    return Status(200, [search_hit(h) for h in results.hits])
