"""Catalogue pages (thin: parse input, call a service, render)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

from . import services


def _page_number(request: HttpRequest) -> int:
    """The 1-based ``?page=`` parameter; anything else is a 404, not an error page."""
    raw = request.GET.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise Http404("No such page")
    return int(raw)


def _view(raw: str | None) -> services.View:
    """The ``/picks`` or ``/all`` path segment; without one, the instance's default (DAILY_DEFAULT_VIEW).

    A path segment rather than a query parameter: the page cache keys on path and query, and
    ``?page=N`` links keep the view.
    """
    if raw is None:
        return services.default_view()
    if raw not in services.VIEWS:
        raise Http404("No such view: use picks or all")
    return raw


def _in_view(period: services.Period | None, view: services.View) -> str:
    """``period``'s page in ``view`` (``/date/2026-06-15/picks``; the plain URL for the default view)."""
    if period is None:
        return ""
    if view == services.default_view():
        return period.url
    name = {"day": "catalog:date", "week": "catalog:week", "month": "catalog:month"}[period.kind]
    return reverse(name, args=[period.slug, view])


def _view_urls(period: services.Period, view: services.View, day: services.Period) -> dict[str, str]:
    """The links of the Picks/All and Day/Week/Month switches, each keeping the other choice."""
    return {
        "picks": _in_view(period, "picks"),
        "all": _in_view(period, "all"),
        "day": _in_view(day, view),
        "week": _in_view(period.containing("week"), view),
        "month": _in_view(period.containing("month"), view),
    }


def _render_listing(
    request: HttpRequest, period: services.Period, *, view: str | None = None, is_home: bool = False
) -> HttpResponse:
    chosen = _view(view)
    listing = services.period_listing(period=period, page=_page_number(request), view=chosen)
    if listing.page > listing.pages:
        raise Http404("No such page")
    day = period if period.kind == "day" else services.first_day(period=period)
    context = {
        "listing": listing,
        "period": period,
        "is_home": is_home,
        "view": chosen,
        "day": day,
        "week": period.containing("week"),
        "month": period.containing("month"),
        "urls": _view_urls(period, chosen, day),
        "previous_url": _in_view(listing.previous, chosen),
        "next_url": _in_view(listing.next, chosen),
    }
    return render(request, "catalog/daily.html", context)


def _parse(kind: services.PeriodKind, text: str) -> services.Period:
    try:
        return services.parse_period(kind=kind, text=text)
    except services.PeriodError as exc:
        raise Http404(str(exc)) from None


def home(request: HttpRequest) -> HttpResponse:
    """The latest day that has papers (in the Picks view by default: the latest day with picks)."""
    day = services.latest_day(services.default_view())
    if day is None:
        return render(request, "catalog/empty.html")
    return _render_listing(request, services.period_of(kind="day", day=day), is_home=True)


def day_page(request: HttpRequest, day: str, view: str | None = None) -> HttpResponse:
    """Papers listed (or picked, ``view="picks"``) on one day."""
    return _render_listing(request, _parse("day", day), view=view)


def week_page(request: HttpRequest, week: str, view: str | None = None) -> HttpResponse:
    """Papers listed (or picked) in one ISO week."""
    return _render_listing(request, _parse("week", week), view=view)


def month_page(request: HttpRequest, month: str, view: str | None = None) -> HttpResponse:
    """Papers listed (or picked) in one month."""
    return _render_listing(request, _parse("month", month), view=view)


def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """One paper's page; a versioned id (``2406.07550v2``) redirects to the paper.

    A client that prefers ``text/markdown`` (``Accept``) is sent to ``/papers/<id>.md`` (303).
    """
    canonical = services.canonical_arxiv_id(arxiv_id)
    if request.get_preferred_type(["text/html", "text/markdown"]) == "text/markdown":
        response = HttpResponseRedirect(f"{services.paper_url(canonical)}.md", status=303)
        patch_vary_headers(response, ["Accept"])
        return response
    if canonical != arxiv_id:
        return redirect("catalog:paper", arxiv_id=canonical, permanent=True)
    paper = services.paper_detail(arxiv_id=arxiv_id)
    if paper is None:
        raise Http404("No such paper")
    response = render(request, "catalog/paper.html", {"paper": paper})
    patch_vary_headers(response, ["Accept"])
    return response


def author_detail(request: HttpRequest, key: str) -> HttpResponse:
    """An author's papers, newest first."""
    result = services.author_page(key=key, page=_page_number(request))
    if result is None or result.page > result.pages:
        raise Http404("No such author")
    return render(request, "catalog/author.html", {"result": result, "author": result.author})
