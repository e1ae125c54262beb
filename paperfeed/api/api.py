"""The JSON API (django-ninja): Hugging Face-compatible shapes; OpenAPI at /api/docs."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="paperfeed API", version="1", urls_namespace="api")

# Routers are added in an order that keeps literal paths (/papers/search) ahead of
# parameterised ones (/papers/{id}).
from . import search as _search  # noqa: E402
from . import papers as _papers  # noqa: E402

api.add_router("/papers", _search.router)
api.add_router("", _papers.router)
