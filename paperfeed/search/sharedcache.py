"""The "search" cache that every worker (and, with Redis, every host) shares: its backend on one
machine (diskcache, with its connections kept open) and the calls that read and write it.

Django closes every cache at the end of each request (``request_finished`` → ``close_caches``).
diskcache's ``close`` closes its SQLite connections, so each request reopened four shards'
connections (about 1.5 ms of a 20 ms search). Its connections are per thread and reopened after
a fork, so keeping them open across requests is safe.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Hashable
from typing import Any

from diskcache import DjangoCache
from django.core.cache import caches

log = logging.getLogger(__name__)


class KeptOpenDiskCache(DjangoCache):
    """``diskcache.DjangoCache`` whose ``close`` after each request keeps the connections open."""

    def close(self, **kwargs) -> None:
        """Keep the SQLite connections for the next request (see the module docstring)."""
        return None


def shared_get(key: str) -> Any | None:
    """The value under ``key`` in the "search" cache, or None (also when the cache is out: a line is logged)."""
    try:
        return caches["search"].get(key)
    except Exception:  # a cache outage must not take search down: the caller computes instead
        log.warning("search: the shared cache did not answer; computing instead", exc_info=True)
        return None


def shared_set(key: str, value: Any, seconds: float) -> None:
    """Keep ``value`` under ``key`` in the "search" cache for ``seconds`` (an outage is logged, not raised)."""
    try:
        caches["search"].set(key, value, timeout=seconds)
    except Exception:  # as in shared_get: the answer is served all the same
        log.warning("search: the shared cache did not take an entry", exc_info=True)


def shared_key(kind: str, key: Hashable) -> str:
    """The shared cache's key for ``key`` (a tuple from ``services.plan``) of one ``kind`` of entry."""
    return f"search:{kind}:{hashlib.sha1(repr(key).encode()).hexdigest()}"
