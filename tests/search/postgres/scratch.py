"""A scratch database on the test PostgreSQL server, for tests that run `paperfeed` subprocesses
(the test database's open transaction is invisible to other processes)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from urllib.parse import quote

from django.db import connection


def _admin():
    import psycopg

    p = connection.settings_dict
    return psycopg.connect(dbname=p["NAME"], user=p.get("USER") or None, password=p.get("PASSWORD") or None,
                           host=p.get("HOST") or None, port=p.get("PORT") or None, autocommit=True)


@contextlib.contextmanager
def scratch_database_url(prefix: str = "paperfeed_scratch") -> Iterator[str]:
    """Create an empty database next to the test database; yield its URL; drop it afterwards."""
    p = connection.settings_dict
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    auth = quote(p.get("USER") or "", safe="")
    if p.get("PASSWORD"):
        auth += ":" + quote(p["PASSWORD"], safe="")
    port = f":{p['PORT']}" if p.get("PORT") else ""
    try:
        yield f"postgres://{auth}@{p.get('HOST') or 'localhost'}{port}/{name}"
    finally:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
