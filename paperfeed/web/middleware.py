"""Every request gets an id, one access-log line, and a 503 (not a bare 500) while the database is down.

``RequestMiddleware`` is the first middleware: it binds the request id that every log record of
the request carries (``X-Request-ID`` from the proxy when it looks like one, else a new one),
returns it in the response's ``X-Request-ID``, and writes the access line when
``settings.ACCESS_LOG`` is on. A database outage (connection refused, database file unreadable)
in a view (or the API, through :func:`answer_outage`) is answered with a small 503 page, or JSON
under ``/api/``, and one warning line instead of a traceback. A 500 made elsewhere (another
middleware, the page cache) while the database cannot be reached is replaced the same way, and
``logs.DatabaseOutageFilter`` keeps its traceback out of Django's request log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from paperfeed.web.logs import OUTAGE_ERRORS, bind_request_id, is_database_outage, log_access, new_request_id

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


def database_reachable() -> bool:
    """Whether the default database answers a connection now (asked only after a 500)."""
    try:
        connection.ensure_connection()
    except OUTAGE_ERRORS:
        return False
    return True


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer: JSON under /api/, else a small page that needs no database to render."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": "The service is temporarily unavailable (database unreachable). Try again shortly."},
            status=503)
    else:
        response = HttpResponse(render_to_string("web/unavailable.html", {"site_name": settings.SITE_NAME}),
                                status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def answer_outage(request: HttpRequest, exception: BaseException) -> HttpResponse:
    """The 503 for a request that met a database outage, logged as one warning line (no traceback)."""
    reason = str(exception).splitlines()
    log.warning("database unavailable: %s", reason[0] if reason else type(exception).__name__)
    return unavailable(request)


class RequestMiddleware:
    """Request id, access log and database-outage answers (first in settings.MIDDLEWARE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id(request.headers.get("X-Request-ID", ""))
        request.request_id = request_id
        bind_request_id(request_id)
        start = time.perf_counter()
        response = self.get_response(request)
        if response.status_code == 500 and not database_reachable():
            response = unavailable(request)
        response["X-Request-ID"] = request_id
        if settings.ACCESS_LOG:
            log_access(method=request.method or "", path=request.path, status=response.status_code,
                       duration_ms=(time.perf_counter() - start) * 1000)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view that met a database outage answers 503, logged as one line (no traceback)."""
        if not is_database_outage(exception):
            return None
        return answer_outage(request, exception)
