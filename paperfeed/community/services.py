"""Community services (votes, trending). Stub until the community work lands."""

from __future__ import annotations

import datetime as dt

from paperfeed.catalog.models import Paper


def trending_papers(
    *, window: str = "week", now: dt.datetime | None = None, limit: int = 50, offset: int = 0
) -> list[tuple[Paper, float, str]]:
    """Return ``(paper, score, reason)`` for the trending list, best first."""
    qs = Paper.objects.filter(hidden=False).order_by("-imported_upvotes", "-listing_date")
    return [(p, float(p.upvotes), f"{p.upvotes} votes") for p in qs[offset : offset + limit]]
