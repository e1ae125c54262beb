"""Catalogue views (thin: parse input, call a service, render)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Paper


def daily(request: HttpRequest) -> HttpResponse:
    """Placeholder daily page; replaced by the pages work."""
    papers = Paper.objects.filter(hidden=False).order_by("-listing_date")[:50]
    return render(request, "catalog/daily.html", {"papers": papers})


def paper_detail(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    """One paper's page."""
    paper = get_object_or_404(Paper, arxiv_id=arxiv_id, hidden=False)
    return render(request, "catalog/paper.html", {"paper": paper})
