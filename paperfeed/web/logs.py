"""The request id every log record carries, and the access-log line (``PAPERFEED_LOG_FORMAT``)."""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.db import InterfaceError, OperationalError

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("paperfeed_request_id", default="-")
# A proxy's X-Request-ID is kept when it looks like an id, so one id follows a request through nginx.
_GIVEN_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

access_log = logging.getLogger("paperfeed.access")
OUTAGE_ERRORS = (OperationalError, InterfaceError)


def is_database_outage(exc: BaseException | None) -> bool:
    """Whether ``exc`` means the database cannot be reached (not a bug in a query)."""
    return isinstance(exc, OUTAGE_ERRORS)


def new_request_id(given: str = "") -> str:
    """The id of a new request: the proxy's when it is a plain token, else a fresh random one."""
    return given if _GIVEN_ID.match(given) else uuid.uuid4().hex[:16]


def bind_request_id(request_id: str) -> None:
    """Make ``request_id`` the id of every record logged until the request finishes.

    It stays bound past the middleware on purpose: Django logs a 4xx/5xx ("Not Found: /x") after
    the middleware chain returns, and that line belongs to the request too.
    """
    _request_id.set(request_id)


def forget_request_id(**kwargs) -> None:
    """``request_finished`` receiver: records logged between requests carry no id."""
    _request_id.set("-")


def current_request_id() -> str:
    """The id of the request being served, or "-" outside a request."""
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (the formatters of settings.LOGGING print it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class DatabaseOutageFilter(logging.Filter):
    """On ``django.request``: a request failed by a database outage logs one line, not its traceback.

    The outage is the same in every request while it lasts, and the 503 page says so; a traceback
    per request would bury the log. Outages met inside a view are answered (and logged once) by
    the request middleware; this covers those met elsewhere (another middleware, the page cache).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and is_database_outage(record.exc_info[1]):
            reason = str(record.exc_info[1]).splitlines() or [type(record.exc_info[1]).__name__]
            record.msg, record.args = f"{record.getMessage()} (database unavailable: {reason[0]})", ()
            record.exc_info = record.exc_text = None
        return True


def log_access(*, method: str, path: str, status: int, duration_ms: float) -> None:
    """One access-log line: method, path, status and duration, as fields (JSON) and as text."""
    access_log.info(
        "%s %s %s %.1fms", method, path, status, duration_ms,
        extra={"method": method, "path": path, "status": status, "duration_ms": round(duration_ms, 1)},
    )


def gunicorn_log_config(logging_settings: dict, *, level: str = "WARNING") -> dict:
    """gunicorn's own loggers (``--log-config-json``) written like Django's: same formatter, request-id filter."""
    handler = {"class": "logging.StreamHandler", "formatter": "main", "filters": ["request_id"],
               "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": logging_settings["filters"],
        "formatters": logging_settings["formatters"],
        "handlers": {"console": handler},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["console"], "propagate": False},
            # Requests are logged by Django's access line (paperfeed.access), with their id.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
        "root": {"level": level, "handlers": []},
    }
