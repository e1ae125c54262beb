"""The JSON API (django-ninja): Hugging Face-compatible shapes; OpenAPI at /api/openapi.json, docs at /api/docs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from . import papers, search
from .docs import OfflineSwagger

api = NinjaAPI(
    title="paperfeed API",
    version="1",
    urls_namespace="api",
    description="Daily papers, paper metadata and search in Hugging Face's /api shapes.",
    docs=OfflineSwagger(),
)


@api.exception_handler(ValidationError)
def invalid_parameters(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Bad parameters are the client's mistake: 400 with a readable message, never 422 or 500."""
    problems = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "params"))
        problems.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
    detail = [{"loc": e.get("loc"), "msg": e.get("msg"), "type": e.get("type")} for e in exc.errors]
    return api.create_response(
        request, {"error": "Invalid parameters: " + "; ".join(problems), "detail": detail}, status=400
    )


# Routers are added in an order that keeps literal paths (/papers/search) ahead of
# parameterised ones (/papers/{id}).
api.add_router("/papers", search.router)
api.add_router("", papers.router)
