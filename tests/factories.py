"""Factories for test data, in one place (real rows in the real test database)."""

from __future__ import annotations

import datetime as dt
import itertools

from paperfeed.catalog.models import Paper

_seq = itertools.count(1)


def make_paper(**overrides) -> Paper:
    """Create and return a saved Paper with plausible defaults; any field may be overridden."""
    n = next(_seq)
    listing = overrides.pop("listing_date", dt.date(2026, 6, 15))
    fields = {
        "arxiv_id": f"2606.{n:05d}",
        "title": f"Paper number {n}",
        "abstract": f"Abstract of paper {n} about transformers and diffusion.",
        "authors": ["Ada Lovelace", f"Author {n}"],
        "categories": ["cs.LG", "cs.AI"],
        "primary_category": "cs.LG",
        "listing_date": listing,
        "submitted_at": dt.datetime.combine(listing, dt.time(12), tzinfo=dt.UTC),
    }
    fields.update(overrides)
    if "categories" in overrides and "primary_category" not in overrides:
        fields["primary_category"] = (fields["categories"] or [""])[0]
    return Paper.objects.create(**fields)
