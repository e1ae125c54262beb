"""Catalogue pages (thin: parse input, call a service, render)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from . import services


def _page_number(request: HttpRequest) -> int:
    """The 1-based ``?page=`` parameter; anything else is a 404, not an error page."""
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise Http404("No such page")
    return int(raw)


def _render_listing(request: HttpRequest, period: services.Period, *, is_home: bool = False) -> HttpResponse:
    listing = services.period_listing(period=period, page=_page_number(request))
    if listing.page > listing.pages:
        raise Http404("No such page")
    context = {
        "listing": listing,
        "period": period,
        "is_home": is_home,
        "day": period if period.kind == "day" else services.first_day(period=period),
        "week": period.containing("week"),
        "month": period.containing("month"),
    }
    return render(request, "catalog/daily.html", context)


def _parse(kind: services.PeriodKind, text: str) -> services.Period:
    try:
        return services.parse_period(kind=kind, text=text)
    except services.PeriodError as exc:
        raise Http404(str(exc)) from None


def home(request: HttpRequest) -> HttpResponse:
    """The latest day that has papers."""
    day = services.latest_listing_date()
    if day is None:
        return render(request, "catalog/empty.html")
    return _render_listing(request, services.period_of(kind="day", day=day), is_home=True)


def day_page(request: HttpRequest, day: str) -> HttpResponse:
    """Papers listed on one day."""
    return _render_listing(request, _parse("day", day))


def week_page(request: HttpRequest, week: str) -> HttpResponse:
    """Papers listed in one ISO week."""
    return _render_listing(request, _parse("week", week))


def month_page(request: HttpRequest, month: str) -> HttpResponse:
    """Papers listed in one month."""
    return _render_listing(request, _parse("month", month))


def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """One paper's page; a versioned id (``2406.07550v2``) redirects to the paper."""
    canonical = services.canonical_arxiv_id(arxiv_id)
    if canonical != arxiv_id:
        return redirect("catalog:paper", arxiv_id=canonical, permanent=True)
    paper = services.paper_detail(arxiv_id=arxiv_id)
    if paper is None:
        raise Http404("No such paper")
    return render(request, "catalog/paper.html", {"paper": paper})


def author_detail(request: HttpRequest, key: str) -> HttpResponse:
    """An author's papers, newest first."""
    result = services.author_page(key=key, page=_page_number(request))
    if result is None or result.page > result.pages:
        raise Http404("No such author")
    return render(request, "catalog/author.html", {"result": result, "author": result.author})
