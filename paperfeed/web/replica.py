"""Reads of GET/HEAD requests from a PostgreSQL streaming replica; everything else from the primary.

With ``DATABASE_REPLICA_URL`` set, settings add a ``"replica"`` database and ``ReplicaRouter``.
Only a request that ``ReplicaMiddleware`` let read from the replica ever does: a GET or HEAD whose
reader is not pinned, while the replica is not marked down. Everything else reads the primary, so
no job acts on stale data: the worker, management commands and the shell (no request at all), POST
and other unsafe requests, reads inside ``transaction.atomic``, and every read of a request after
its first write. Sessions are always read from the primary, so replica lag never logs anyone out.

Read-your-own-writes: a request that wrote (or used an unsafe method) gets a small signed cookie
holding the time (``PIN_COOKIE``); for ``settings.REPLICA_PIN_SECONDS`` that reader's requests
read the primary, so a vote or a comment shows on the very next page. A program that sends a
personal access token keeps no cookie: its pin is kept under a hash of the token in the
"ratelimits" cache, the one every worker (and, with Redis, every host) shares, and a request
carrying that token reads the primary while it lasts. The page cache serves
shared entries only to requests whose sole cookies are the session and CSRF cookies
(``pagecache.member_cookies`` / ``cookies_allow_cache``), so a pinned reader is always rendered
in full, from the primary, never from a shared entry rendered from the replica. (``PageCacheApp``
fills a signed-in reader's slots outside Django's middleware: those few reads go to the primary.)

A replica outage: when a request that read from the replica fails (5xx) and the replica does not
answer a connection, the request is run again on the primary, and the replica is left alone for
``RETRY_SECONDS`` in this process (each request then reads the primary). Replica lag is bounded
by nothing here: a reader who has not written sees the replica's state (as old as its lag), like
a cached page.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections
from django.http import HttpRequest, HttpResponse

from paperfeed.web.logs import OUTAGE_ERRORS

log = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"
PIN_COOKIE = "pf_pin"
RETRY_SECONDS = 5.0  # how long a process leaves a replica alone after it failed a connection
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Read from the primary whatever the request: a session missing on a lagging replica would log its reader out.
PRIMARY_MODELS = frozenset({"sessions.session"})
_SALT = "paperfeed.web.replica.pin"
PIN_CACHE = "ratelimits"  # shared by every worker of the machine, and by every host with Redis


@dataclass
class RequestReads:
    """Where the current request's reads may go, and what it did so far."""

    replica: bool  # reads may go to the replica
    used_replica: bool = False  # a read went there
    wrote: bool = False  # a write went to the primary: later reads go there too


_current: ContextVar[RequestReads | None] = ContextVar("paperfeed_replica_reads", default=None)
_down_until = 0.0  # monotonic time until which this process reads the primary only


@contextmanager
def request_reads(*, replica: bool) -> Iterator[RequestReads]:
    """Route the reads of the code inside: to the replica when ``replica`` (a safe request), else the primary."""
    state = RequestReads(replica=replica)
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


class ReplicaRouter:
    """Reads of a request that may read the replica go there; all writes and every other read to the primary."""

    def db_for_read(self, model, **hints) -> str:
        """"replica" only inside a safe, unpinned request that has not written and is not in a transaction."""
        state = _current.get()
        if state is None or not state.replica or state.wrote or model._meta.label_lower in PRIMARY_MODELS:
            return PRIMARY
        if connections[PRIMARY].in_atomic_block:
            return PRIMARY
        state.used_replica = True
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        """Always the primary; the request's later reads follow it there."""
        state = _current.get()
        if state is not None:
            state.wrote = True
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        """Both aliases hold the same rows."""
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        """Migrations run on the primary only (the replica follows it)."""
        return db == PRIMARY


# --- the pin: read-your-own-writes -------------------------------------------------------------


def pin_value(*, now: float) -> str:
    """The signed cookie value that pins a reader to the primary from ``now`` on."""
    return signing.Signer(salt=_SALT).sign(str(int(now)))


def is_pinned(value: str | None, *, now: float) -> bool:
    """Whether a pin cookie value is genuine and younger than ``settings.REPLICA_PIN_SECONDS``."""
    if not value:
        return False
    try:
        since = int(signing.Signer(salt=_SALT).unsign(value))
    except (signing.BadSignature, ValueError):
        return False
    return now - since < float(settings.REPLICA_PIN_SECONDS)


def set_pin(response: HttpResponse, *, now: float) -> None:
    """Pin the reader to the primary for REPLICA_PIN_SECONDS (the browser drops the cookie then too)."""
    response.set_cookie(PIN_COOKIE, pin_value(now=now), max_age=math.ceil(float(settings.REPLICA_PIN_SECONDS)),
                        httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)


def _token_pin_key(request: HttpRequest) -> str | None:
    """The cache key of the pin of the token the request carries (``Authorization``), or None."""
    credentials = request.headers.get("Authorization", "").strip()
    if not credentials:
        return None
    return "replica-pin:" + hashlib.sha256(credentials.encode()).hexdigest()[:40]


def pin_token(request: HttpRequest, *, now: float) -> None:
    """Pin the token of ``request`` (if any) to the primary for REPLICA_PIN_SECONDS, on every host."""
    key = _token_pin_key(request)
    if key is None:
        return
    try:
        caches[PIN_CACHE].set(key, int(now), timeout=math.ceil(float(settings.REPLICA_PIN_SECONDS)))
    except Exception:  # the write is done and answered; its author may only see it after the lag
        log.warning("replica: could not record the pin of a token", exc_info=True)


def token_pinned(request: HttpRequest, *, now: float) -> bool:
    """Whether the token of ``request`` wrote less than REPLICA_PIN_SECONDS ago (True when unsure)."""
    key = _token_pin_key(request)
    if key is None:
        return False
    try:
        since = caches[PIN_CACHE].get(key)
    except Exception:  # the pins cannot be read: the primary answers, as for a pinned reader
        return True
    return since is not None and now - float(since) < float(settings.REPLICA_PIN_SECONDS)


# --- replica health ----------------------------------------------------------------------------


def replica_down(*, now: float) -> bool:
    """Whether this process leaves the replica alone now (it failed less than RETRY_SECONDS ago)."""
    return now < _down_until


def mark_replica_down(*, now: float) -> None:
    """Read from the primary only for the next RETRY_SECONDS."""
    global _down_until
    _down_until = now + RETRY_SECONDS


def replica_reachable() -> bool:
    """Whether the replica answers (its kept connection, else a new one)."""
    conn = connections[REPLICA]
    try:
        if conn.connection is not None and conn.is_usable():
            return True
        conn.close()
        conn.ensure_connection()
    except OUTAGE_ERRORS:
        return False
    return True


# 0 while the replica has replayed all it received; else the age of the last transaction it
# replayed (an idle primary would otherwise look like a growing lag). NULL while WAL waits and no
# transaction was replayed since the replica started: its age is not known.
LAG_SQL = ("SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
           "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END")


def replica_lag_seconds() -> float | None:
    """How far the replica's replay is behind: ``inf`` when it does not answer, NaN when not known;
    None without a replica."""
    if REPLICA not in settings.DATABASES:
        return None
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = cursor.fetchone()[0]
    except OUTAGE_ERRORS:
        connections[REPLICA].close()
        return math.inf
    return math.nan if lag is None else float(lag)


def may_read_replica(request: HttpRequest, *, now: float, monotonic: float) -> bool:
    """Whether ``request`` may read from the replica: a GET/HEAD, reader not pinned, replica not marked down."""
    return (request.method in SAFE_METHODS and not replica_down(now=monotonic)
            and not is_pinned(request.COOKIES.get(PIN_COOKIE), now=now) and not token_pinned(request, now=now))


class ReplicaMiddleware:
    """Lets safe requests read the replica, pins readers who wrote, and falls back when the replica fails.

    Listed right after ``RequestMiddleware``, so the session and the user are read where the view reads.
    Without a "replica" database (DATABASE_REPLICA_URL empty) Django drops it from the chain.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if REPLICA not in settings.DATABASES:
            raise MiddlewareNotUsed("no DATABASE_REPLICA_URL")
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        now = time.time()
        with request_reads(replica=may_read_replica(request, now=now, monotonic=time.monotonic())) as reads:
            response = self.get_response(request)
        if reads.used_replica and not reads.wrote and response.status_code >= 500 and not replica_reachable():
            # A safe request that failed on the replica: run it again on the primary (never one that
            # already wrote: its write must not happen twice).
            mark_replica_down(now=time.monotonic())
            log.warning("replica unreachable: reading from the primary for %.0f s", RETRY_SECONDS)
            with request_reads(replica=False) as reads:
                response = self.get_response(request)
        if reads.wrote or request.method not in SAFE_METHODS:
            set_pin(response, now=now)
            if response.status_code < 400:  # a refused request (a wrong token) wrote nothing to see
                pin_token(request, now=now)
        return response
