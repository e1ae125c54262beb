"""Code-repository star history. Stub until the sources work lands."""

from __future__ import annotations

import datetime as dt


def star_deltas(paper_ids: list[int], *, now: dt.datetime, hours: int = 24) -> dict[int, int]:
    """Return ``{paper_id: stars gained in the last `hours`}`` for papers with known star history."""
    return {}
