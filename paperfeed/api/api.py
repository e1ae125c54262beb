"""The JSON API (django-ninja): Hugging Face-compatible shapes; OpenAPI at /api/openapi.json, docs at /api/docs.

Every answer under /api/ is JSON with an ``error`` message when something is wrong: bad
parameters or bodies 400, no token 401, a read token writing 403, unknown things 404, a wrong
method 405 (with ``Allow``), a body too large 413, too many requests 429 (with ``Retry-After``),
a bug 500, and 503 while the database cannot be reached. Unknown routes and 405s are made JSON
by :func:`json_errors` and :func:`not_found` in urls.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import HttpError, Throttled, ValidationError

from paperfeed.web.logs import is_database_outage
from paperfeed.web.middleware import answer_outage

from . import papers, search, write
from .docs import OfflineSwagger

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="paperfeed API",
    version="1",
    urls_namespace="api",
    description=(
        "Daily papers, paper metadata and search in Hugging Face's /api shapes; votes, submissions and "
        "collections with a personal access token (`Authorization: Bearer pf_…`, made on /accounts/tokens/)."
    ),
    docs=OfflineSwagger(),
)


def _error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return api.create_response(request, {"error": message}, status=status)


@api.exception_handler(ValidationError)
def invalid_parameters(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Bad parameters are the client's mistake: 400 with a readable message, never 422 or 500."""
    problems = []
    for error in exc.errors:
        where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "params", "body", "path"))
        # pydantic would quote the whole regular expression; the schema at /api/docs shows it.
        msg = "is not in the expected form" if error.get("type") == "string_pattern_mismatch" else error.get("msg")
        problems.append(f"{where or 'request'}: {msg or 'invalid'}")
    return _error(request, "Invalid parameters: " + "; ".join(problems), 400)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """401, 403, 429 and the like as ``{"error": …}``; a 429 says when to come back."""
    message = str(exc)
    if exc.status_code == 401:
        message = "A personal access token is needed: send `Authorization: Bearer pf_…` (see /accounts/tokens/)."
    wait = int(exc.wait or 1) if isinstance(exc, Throttled) else None
    if wait:
        message = f"Too many requests with this token: wait {wait} s."
    response = _error(request, message, exc.status_code)
    if wait:
        response["Retry-After"] = str(wait)
    return response


@api.exception_handler(Http404)
def not_found_error(request: HttpRequest, exc: Http404) -> HttpResponse:
    """A 404 raised by a service (an unknown or foreign collection) as JSON."""
    return _error(request, str(exc) or "Not found.", 404)


@api.exception_handler(SuspiciousOperation)
def suspicious_request(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE is 413; another malformed request 400 (as Django answers them)."""
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return _error(request, f"The request body is too large (at most {limit} bytes).", 413)
    return _error(request, "Bad request.", 400)


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug: logged with its traceback, answered as JSON 500 without details; a database outage: JSON 503."""
    if is_database_outage(exc):
        return answer_outage(request, exc)  # one warning line: the outage is not a bug
    logger.error("API error on %s %s", request.method, request.path, exc_info=exc)
    return _error(request, "Internal error; it has been logged.", 500)


def json_errors(view: Callable) -> Callable:
    """Wrap an API view so that django-ninja's plain-text 405 becomes JSON (``Allow`` kept)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            response = _error(request, f"Method {request.method} is not allowed here; use {allowed}.", 405)
            response["Allow"] = allowed
        return response

    return wrapped


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any path under /api/ that no endpoint serves: JSON 404, whatever the method."""
    return _error(request, "No such API endpoint; see /api/docs.", 404)


# Routers are added in an order that keeps literal paths (/papers/search, /papers/{id}/vote)
# ahead of /papers/{id}, whose id may contain a slash.
api.add_router("/papers", search.router)
api.add_router("", write.router)
api.add_router("", papers.router)
