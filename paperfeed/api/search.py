"""Search endpoints: GET /api/papers/search?q=&limit= in Hugging Face's shape."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.renderers import JSONRenderer
from pydantic import Field

from paperfeed.search.forms import parse_params
from paperfeed.search.rendered import WHOLE_ANSWER_SHARED, RenderedStore
from paperfeed.search.services import WATERMARK_HEADER, plan, search
from paperfeed.search.views import CACHE_HEADER

from .params import CategoryText, DayText, Offset, QueryText
from .schemas import ErrorOut, SearchHitOut, search_hit

router = Router(tags=["search"])

MAX_LIMIT = 120
# The JSON of remembered results (services.search's cache_key: query, filters, page and the
# catalogue's watermark), per worker and shared: nothing in it depends on who asks.
BODIES = RenderedStore("api", 2048)
RENDERER = JSONRenderer()  # the one api.py's NinjaAPI uses (its default)


class SearchQuery(Schema):
    """Query parameters of /api/papers/search; anything outside these types is a 400."""

    q: QueryText = ""
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description=f"Results per page, 1 to {MAX_LIMIT}.")
    offset: Offset = 0
    sort: Literal["relevance", "date", "votes"] = "relevance"
    category: CategoryText = ""
    date_from: DayText | None = Field(None, alias="from", description="Only papers submitted on or after this day.")
    date_to: DayText | None = Field(None, alias="to", description="Only papers submitted on or before this day.")
    code: bool = Field(False, description="Only papers with a code repository.")


# exclude_unset: a hit's null publishedAt stays in the JSON, an error's unset detail does not.
@router.get(
    "/search",
    summary="Hybrid search (keyword + semantic)",
    response={200: list[SearchHitOut], 400: ErrorOut},
    exclude_unset=True,
)
def search_papers(request: HttpRequest, params: Query[SearchQuery]) -> Status | HttpResponse:
    """Search papers: ``q`` up to 250 characters, ``limit`` 1–120, ``offset`` 0–10000; else 400 JSON."""
    parsed = parse_params({
        "q": params.q, "sort": params.sort, "category": params.category,
        "from": params.date_from or "", "to": params.date_to or "", "code": "1" if params.code else "",
    })
    if parsed.errors:
        return Status(400, ErrorOut(error=" ".join(parsed.errors)))
    args = {"query": parsed.query, "filters": parsed.filters, "sort": parsed.sort, "limit": params.limit,
            "offset": params.offset}
    planned = plan(**args)
    body = BODIES.get(planned.key) if planned.key else None
    remembered = body is not None
    if body is None:
        results = search(planned=planned)
        if results.cache_key is None:
            return Status(200, [search_hit(h) for h in results.hits])
        items = [search_hit(h).model_dump(by_alias=True, exclude_unset=True) for h in results.hits]
        body = RENDERER.render(request, items, response_status=200)
        BODIES.put(results.cache_key, body, share=not request.META.get(WHOLE_ANSWER_SHARED))
    response = HttpResponse(body, content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}")
    response[CACHE_HEADER] = "hit" if remembered else "miss"
    response[WATERMARK_HEADER] = planned.watermark  # the page cache may replay it while the watermark holds
    return response
