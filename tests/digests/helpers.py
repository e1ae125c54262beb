"""Test helpers for digests: a deterministic candidate source independent of the trending maths."""

from __future__ import annotations

from paperfeed.catalog.models import Paper

SOURCE = "tests.digests.helpers.trending_by_upvotes"


def trending_by_upvotes(*, window: str = "week", now=None, limit: int = 50, offset: int = 0):
    """(paper, score, reason) by imported upvotes, best first — what digests expect of trending_papers."""
    qs = Paper.objects.filter(hidden=False).order_by("-imported_upvotes", "pk")
    return [(p, float(p.imported_upvotes), f"{p.imported_upvotes} votes") for p in qs[offset : offset + limit]]
