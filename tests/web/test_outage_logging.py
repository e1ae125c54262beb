"""A request failed by a database outage logs no traceback; a bug still logs exactly one."""

from __future__ import annotations

import logging
import sys

import pytest
from django.db import OperationalError, connection

from paperfeed.web.logs import DatabaseOutageFilter

pytestmark = pytest.mark.django_db
REFUSED = 'connection to server at "127.0.0.1", port 54400 failed: Connection refused'


def _refuse(execute, sql, params, many, context):
    """Every query meets a server that went away (Django's own query hook, not a mock of ours)."""
    raise OperationalError(REFUSED)


def _during_outage(client, caplog, path: str):
    with caplog.at_level(logging.INFO), connection.execute_wrapper(_refuse):
        response = client.get(path)
    return response, caplog.records


@pytest.mark.parametrize("path", ["/api/papers/search?q=attention", "/search?q=attention"])
def test_search_during_an_outage_answers_503_and_logs_one_warning_no_traceback(client, caplog, path):
    response, records = _during_outage(client, caplog, path)
    assert response.status_code == 503
    assert not [r for r in records if r.exc_info], [r.getMessage() for r in records if r.exc_info]
    warnings = [r for r in records if r.name == "paperfeed.web.middleware"]
    assert len(warnings) == 1 and "database unavailable" in warnings[0].getMessage()


def test_api_outage_answers_json_503(client, caplog):
    response, _ = _during_outage(client, caplog, "/api/papers/search?q=attention")
    assert response["Content-Type"].startswith("application/json") and response["Retry-After"]
    assert "unavailable" in response.json()["detail"]


def test_outage_met_by_the_page_cache_logs_one_line_without_traceback(client, caplog, settings):
    settings.PAGE_CACHE_SECONDS = 2  # the page cache renders "/" itself, outside the view's error handling
    client.raise_request_exception = False  # as a server: the 500 is answered (then made a 503), not raised
    _, records = _during_outage(client, caplog, "/")
    assert not [r for r in records if r.exc_info]
    failed = [r for r in records if r.name == "django.request" and "database unavailable" in r.getMessage()]
    assert len(failed) == 1 and "Traceback" not in failed[0].getMessage()


def _record(exc: BaseException) -> logging.LogRecord:
    try:
        raise exc
    except type(exc):
        return logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s",
                                 ("/x",), sys.exc_info())


def test_filter_keeps_the_traceback_of_a_bug_and_drops_an_outages():
    bug = _record(ValueError("a real bug"))
    assert DatabaseOutageFilter().filter(bug) and bug.exc_info and bug.getMessage() == "Internal Server Error: /x"
    outage = _record(OperationalError(REFUSED + "\n\tIs the server running?"))
    assert DatabaseOutageFilter().filter(outage) and outage.exc_info is None
    assert outage.getMessage() == f"Internal Server Error: /x (database unavailable: {REFUSED})"
