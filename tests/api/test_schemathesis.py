"""schemathesis over the whole /api/openapi.json: no 5xx, and every response matches the schema.

Bounded in time: a few examples per operation (``MAX_EXAMPLES``), no shrinking. Requests carry a
write token, so the write operations are exercised past their 401; the ids schemathesis invents
are unknown, which the schema documents as 404.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import schemathesis
from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.checks import not_a_server_error

from tests.factories import add_authors, make_paper, make_token

pytestmark = pytest.mark.django_db
# A few examples per operation keeps the run near 20 s; SCHEMATHESIS_MAX_EXAMPLES=200 for a deeper run.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          positive_data_acceptance]


@pytest.fixture(autouse=True)
def catalogue(settings):
    """A small catalogue; limits raised so they do not trip during the run."""
    settings.RATELIMIT_API_TOKEN = "100000/m"
    settings.SUBMISSIONS_PER_USER_PER_DAY = 100000
    for cache in caches.all(initialized_only=False):
        cache.clear()
    today = timezone.now().date()
    for n in range(3):
        paper = make_paper(arxiv_id=f"2611.0000{n}", listing_date=today, imported_upvotes=n,
                           submitted_at=timezone.now() - dt.timedelta(days=n))
        add_authors(paper, ["Ada Lovelace"])


@pytest.fixture
def secret() -> str:
    """A write token: requests get past authentication."""
    return make_token()[1]


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """The WSGI app closes the database connection after each request; the test database must stay open.

    Django's own test client does the same: it disconnects ``close_old_connections`` while it serves.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The schema is served by the app itself (no database needed to build it).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, secret):
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=_checks(case))


def _checks(case) -> list:
    """All of CHECKS, except acceptance where a rule the schema cannot express refuses a schema-valid request.

    /api/daily_papers takes at most one of ``date``, ``week`` and ``month`` (a rule across
    parameters, which OpenAPI cannot state), and week 53 exists only in some years.
    """
    if case.operation.label == "GET /api/daily_papers":
        query = case.query or {}
        periods = [name for name in ("date", "week", "month") if query.get(name) is not None]
        if len(periods) > 1 or str(query.get("week", "")).endswith("W53"):
            return [check for check in CHECKS if check is not positive_data_acceptance]
    return CHECKS
