"""Paper endpoints: GET /api/daily_papers, GET /api/papers/{id}."""

from ninja import Router

router = Router(tags=["papers"])
