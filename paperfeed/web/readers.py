"""Who sends a session cookie, for the page cache's signed-in fast path: one plain query per request.

``PageCacheApp`` answers a shared signed-in page without Django's middleware, so it checks the
session as ``SessionMiddleware`` and ``AuthenticationMiddleware`` would: the session row exists and
has not expired, its user loads by id, is active, not staff, and the session's auth hash matches
the user's password. Through the ORM that is two queries, a signature check and an HMAC per
request; here it is one plain-SQL query (the user's row joined to the session's) per request.

What a worker remembers is only what cannot change while a session key lives: the decoded auth
fields of a session's data (Django's ``login()`` and ``update_session_auth_hash()`` give a new key
whenever the user or the hash changes), kept together with the raw data they came from and checked
against the row on every request, and the auth hash of a password. Nothing about the user or the
session's existence is remembered, so log-out, session flush and expiry, a password change,
deactivation and staff promotion take effect on the next request, on every worker: there is no
staleness bound to document. Other session engines (or ``SESSION_SAVE_EVERY_REQUEST``) get the
generic check through Django's session store and auth backend, two ORM queries.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.db.models import Model
from django.utils import timezone
from django.utils.crypto import constant_time_compare

_DB_ENGINE = "django.contrib.sessions.backends.db"
_LIMIT = 10_000  # entries per worker in each memo: a few MB at most; cleared when full


@dataclass(frozen=True)
class SessionAuth:
    """The auth fields of one session's data, as Django's auth reads them."""

    data: str  # the raw session_data they were decoded from
    user_id: object
    backend: str
    session_hash: str


_SESSIONS: dict[str, SessionAuth] = {}
_HASHES: dict[tuple[str, str], str] = {}


def supported() -> bool:
    """Whether ``reader()`` applies: database sessions, not saved on every request, beside the users."""
    return (settings.SESSION_ENGINE == _DB_ENGINE and not settings.SESSION_SAVE_EVERY_REQUEST
            and router.db_for_read(DatabaseSessionStore.get_model_class()) == router.db_for_read(get_user_model()))


def reader(session_key: str):
    """The signed-in, active, non-staff user of a session, or None: let Django decide.

    None also when Django's answer could differ or have side effects (a session hash that only a
    fallback secret verifies, a backend no longer configured, data that does not decode).
    """
    if not supported():
        return _generic_reader(session_key)
    if not session_key or len(session_key) > 40:
        return None
    known = _SESSIONS.get(session_key)
    if known is None:
        known = _decode(session_key, _session_data(session_key))
        if known is None:
            return None
    row = _user_row(session_key, known.user_id)
    if row is None:
        return None
    data, values = row[0], row[1:]
    fields = dict(zip(_user_fields(get_user_model()), values, strict=True))
    if data != known.data:  # rewritten in place: decode it again
        _SESSIONS.pop(session_key, None)
        known = _decode(session_key, data)
        if known is None or known.user_id != fields[get_user_model()._meta.pk.attname]:
            return None
    return _checked_user(known, fields)


def _connection():
    return connections[router.db_for_read(DatabaseSessionStore.get_model_class())]


def _session_data(session_key: str) -> str | None:
    """The data of the unexpired session ``session_key`` (None: no such session)."""
    conn, model = _connection(), DatabaseSessionStore.get_model_class()
    quote, meta = conn.ops.quote_name, model._meta
    sql = (f"SELECT {quote(meta.get_field('session_data').column)} FROM {quote(meta.db_table)} "
           f"WHERE {quote(meta.pk.column)} = %s AND {quote(meta.get_field('expire_date').column)} > %s")
    with conn.cursor() as cursor:
        cursor.execute(sql, [session_key, conn.ops.adapt_datetimefield_value(timezone.now())])
        row = cursor.fetchone()
    return row[0] if row else None


def _decode(session_key: str, data: str | None) -> SessionAuth | None:
    """The auth fields of ``data`` (remembered under ``session_key``); None when it holds none."""
    if data is None:
        return None
    session = DatabaseSessionStore().decode(data)  # {} for data that does not verify
    try:
        user_id = get_user_model()._meta.pk.to_python(session[auth.SESSION_KEY])
        backend = session[auth.BACKEND_SESSION_KEY]
    except (KeyError, ValueError, TypeError):
        return None
    session_hash = session.get(auth.HASH_SESSION_KEY)
    if backend not in settings.AUTHENTICATION_BACKENDS or not isinstance(session_hash, str) or not session_hash:
        return None
    if len(_SESSIONS) >= _LIMIT:
        _SESSIONS.clear()
    found = _SESSIONS[session_key] = SessionAuth(data, user_id, backend, session_hash)
    return found


@functools.cache
def _user_fields(model: type[Model]) -> tuple[str, ...]:
    """The user's fields the check reads, in the model's column order (as ``Model.from_db`` takes them)."""
    wanted = {model._meta.pk.attname, "password", model.USERNAME_FIELD, "is_active", "is_staff", "is_superuser"}
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in wanted)


@functools.lru_cache(maxsize=8)
def _user_row_sql(vendor: str, session_model: type[Model], user_model: type[Model]) -> str:
    quote, smeta, umeta = connections[router.db_for_read(session_model)].ops.quote_name, session_model._meta, user_model._meta
    columns = ", ".join(f"u.{quote(umeta.get_field(name).column)}" for name in _user_fields(user_model))
    return (f"SELECT s.{quote(smeta.get_field('session_data').column)}, {columns} "
            f"FROM {quote(smeta.db_table)} s, {quote(umeta.db_table)} u "
            f"WHERE s.{quote(smeta.pk.column)} = %s AND s.{quote(smeta.get_field('expire_date').column)} > %s "
            f"AND u.{quote(umeta.pk.column)} = %s")


def _user_row(session_key: str, user_id) -> tuple | None:
    """(session data, *user fields) when the session is unexpired and its user exists; else None."""
    conn = _connection()
    sql = _user_row_sql(conn.vendor, DatabaseSessionStore.get_model_class(), get_user_model())
    with conn.cursor() as cursor:
        cursor.execute(sql, [session_key, conn.ops.adapt_datetimefield_value(timezone.now()), user_id])
        return cursor.fetchone()


def _checked_user(known: SessionAuth, fields: dict):
    """The user of ``fields`` when active, not staff and the session's hash matches; else None."""
    if not fields["is_active"] or fields["is_staff"] or fields["is_superuser"]:
        return None
    memo = (settings.SECRET_KEY, fields["password"])
    expected = _HASHES.get(memo)
    if expected is None:
        # The user's own method: the same salt, secret and algorithm as Django's check.
        expected = get_user_model()(password=fields["password"]).get_session_auth_hash()
        if len(_HASHES) >= _LIMIT:
            _HASHES.clear()
        _HASHES[memo] = expected
    if not constant_time_compare(known.session_hash, expected):
        return None
    # A deferred instance, as the ORM makes with only(): any other field loads on first use.
    fields.update(is_active=True, is_staff=False, is_superuser=False)  # SQLite answers 0/1
    return get_user_model().from_db(_connection().alias, list(fields), list(fields.values()))


def _generic_reader(session_key: str):
    """The signed-in, non-staff user of a session, checked as Django's auth does, writing nothing.

    None whenever Django's own answer could differ or have side effects (no such session, a
    session hash that only a fallback secret verifies, staff, sessions saved on every request):
    the request then goes through Django.
    """
    if settings.SESSION_SAVE_EVERY_REQUEST:
        return None
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    try:
        user_id = get_user_model()._meta.pk.to_python(session[auth.SESSION_KEY])
        backend_path, session_hash = session[auth.BACKEND_SESSION_KEY], session.get(auth.HASH_SESSION_KEY)
    except (KeyError, ValueError):
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    user = auth.load_backend(backend_path).get_user(user_id)
    if user is None or not user.is_active or user.is_staff or user.is_superuser:
        return None
    if not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return None
    return user
