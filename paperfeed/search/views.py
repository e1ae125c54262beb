"""The /search page: thin — parse parameters, call ``services.search``, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .forms import MAX_PAGE, MAX_QUERY_LENGTH, PAGE_SIZE, parse_params
from .highlight import highlight
from .services import search


def search_page(request: HttpRequest) -> HttpResponse:
    """Render hybrid search results with filters, sort and pagination."""
    params = parse_params(request.GET)
    results = search(query=params.query, filters=params.filters, sort=params.sort,
                     limit=PAGE_SIZE, offset=(params.page - 1) * PAGE_SIZE)
    if results.arxiv_id and results.hits:
        return redirect(results.hits[0].paper)  # an arXiv id or URL opens its paper
    rows = [
        {
            "hit": hit,
            "paper": hit.paper,
            "title": highlight(hit.paper.title, results.terms),
            "abstract": highlight(hit.paper.abstract, results.terms, limit=420),
            "authors": highlight(", ".join(hit.paper.authors[:8]) + (" et al." if len(hit.paper.authors) > 8 else ""), results.terms),
        }
        for hit in results.hits
    ]
    query_args = request.GET.copy()
    query_args.pop("page", None)
    context = {
        "params": params,
        "max_query_length": MAX_QUERY_LENGTH,
        "results": results,
        "rows": rows,
        "base_query": query_args.urlencode(),
        "prev_page": params.page - 1 if params.page > 1 else None,
        "next_page": params.page + 1 if results.has_next and params.page < MAX_PAGE else None,
        "first_index": results.offset + 1,
        "last_index": results.offset + len(rows),
    }
    return render(request, "search/search.html", context)
