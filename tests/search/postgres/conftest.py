"""PostgreSQL-only tests: skipped on SQLite (run them with ``make test-postgres``)."""

from __future__ import annotations

import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://…; make test-postgres)")
    for item in items:
        if "/search/postgres/" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def fresh_stats():
    """Corpus statistics are cached per process; every test starts from the real counts."""
    from paperfeed.search.postgres.backends import PgKeywordIndex

    PgKeywordIndex.forget_stats()
    yield
    PgKeywordIndex.forget_stats()
