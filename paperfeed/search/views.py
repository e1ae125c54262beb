"""The /search page: thin — parse parameters, call ``services.search``, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from .forms import MAX_PAGE, MAX_QUERY_LENGTH, PAGE_SIZE, SearchParams, parse_params
from .highlight import highlight
from .rendered import WHOLE_ANSWER_SHARED, RenderedStore
from .services import WATERMARK_HEADER, SearchResults, plan, search

# The rendered results part under the results' cache key: it holds no reader's name, CSRF token
# or session, so every reader of the same search shares it (rendered.py: per worker, and shared).
FRAGMENTS = RenderedStore("page", 2048)  # about 12 kB each
CACHE_HEADER = "X-Search-Cache"  # "hit": the results came from the memo (bench/web.py counts them)


def search_page(request: HttpRequest) -> HttpResponse:
    """Render hybrid search results with filters, sort and pagination."""
    params = parse_params(request.GET)
    query_args = request.GET.copy()
    query_args.pop("page", None)
    base_query = query_args.urlencode()
    args = {"query": params.query, "filters": params.filters, "sort": params.sort, "limit": PAGE_SIZE,
            "offset": (params.page - 1) * PAGE_SIZE}
    # The rendered part depends on the results and on the raw parameters its links repeat.
    planned = plan(**args)
    key = (planned.key, base_query, params.query, params.page) if planned.key else None
    html = FRAGMENTS.get(key) if key else None
    remembered = kept = html is not None
    if html is None:
        results = search(planned=planned)
        if results.arxiv_id and results.hits:
            return redirect(results.hits[0].paper)  # an arXiv id or URL opens its paper
        html = render_to_string("search/_results.html", _results_context(params, results, base_query))
        kept = bool(key) and results.cache_key == key[0]
        if kept:
            FRAGMENTS.put(key, html, share=not request.META.get(WHOLE_ANSWER_SHARED))
    # Shortened once here: each |truncatechars looks up its ellipsis in the translation catalogue.
    context = {"params": params, "max_query_length": MAX_QUERY_LENGTH, "results_html": mark_safe(html),
               "short_query": Truncator(params.query).chars(60)}
    response = render(request, "search/search.html", context)  # ^ the template engine escaped every value
    response[CACHE_HEADER] = "hit" if remembered else "miss"
    if kept:  # the page is the results' and the query's alone: the page cache may replay it while they hold
        response[WATERMARK_HEADER] = planned.watermark
    return response


def _results_context(params: SearchParams, results: SearchResults, base_query: str) -> dict:
    # Each row's values are computed here, once: the template engine's dotted lookups and a URL
    # reverse per hit were most of the 3 ms that rendering 20 hits took.
    before, after = reverse("catalog:paper", kwargs={"arxiv_id": "0"}).rsplit("0", 1)  # the id goes between
    query = urlencode({"q": params.query})
    rows = [
        {
            "url": before + hit.paper.arxiv_id + after,
            "arxiv_id": hit.paper.arxiv_id,
            "category": hit.paper.primary_category,
            "category_link": f"?{query}&{urlencode({'category': hit.paper.primary_category})}",
            "date": hit.paper.listing_date.isoformat() if hit.paper.listing_date else "",
            "upvotes": str(hit.paper.upvotes),  # as {{ }} shows an int, without its pass through localize
            "title": highlight(hit.paper.title, results.terms),
            "abstract": highlight(hit.paper.abstract, results.terms, limit=420),
            "authors": highlight(", ".join(hit.paper.authors[:8]) + (" et al." if len(hit.paper.authors) > 8 else ""), results.terms),
        }
        for hit in results.hits
    ]
    return {
        "params": params,
        "results": results,
        "rows": rows,
        "base_query": base_query,
        "prev_page": params.page - 1 if params.page > 1 else None,
        "next_page": params.page + 1 if results.has_next and params.page < MAX_PAGE else None,
        "first_index": results.offset + 1,
        "last_index": results.offset + len(rows),
    }
