"""Search endpoints: GET /api/papers/search (owned by the search work)."""

from ninja import Router

router = Router(tags=["search"])
