"""What the page and the API render from remembered results: kept per worker, and shared through
the default cache when that cache is shared (Redis, ``REDIS_URL``).

Keys are ``services.results_key`` tuples: the catalogue's watermark is read from the database, so
every worker and host that sees the same catalogue computes the same key, and an entry written by
one serves the others. A host whose local keyword replica lags has another watermark (its lag is
part of it), so it never takes a rendering that another host made from fresher indexes, nor the
reverse. A shared entry expires ``SEARCH_CACHE_SECONDS`` after it was written.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Hashable

from django.conf import settings
from django.core.cache import caches

from .cache import TtlLru
from .services import cache_seconds

log = logging.getLogger(__name__)


class RenderedStore:
    """A per-worker LRU of rendered results in front of the shared default cache (when it is shared)."""

    def __init__(self, name: str, maxsize: int) -> None:
        self.name = name
        self.local = TtlLru(maxsize)

    def get(self, key: Hashable) -> str | bytes | None:
        """The rendering under ``key`` from this worker, else from the shared cache, else None."""
        value = self.local.get(key, max_age=cache_seconds())
        if value is None and _shared():
            try:
                value = caches["default"].get(self._shared_key(key))
            except Exception:  # a cache outage must not take search down: render instead
                log.warning("search: the shared cache did not answer; rendering", exc_info=True)
        return value

    def put(self, key: Hashable, value: str | bytes) -> None:
        """Keep ``value`` in this worker and, when the default cache is shared, for the other workers."""
        self.local.put(key, value)
        if _shared():
            try:
                caches["default"].set(self._shared_key(key), value, timeout=cache_seconds())
            except Exception:  # as in get: the page is served all the same
                log.warning("search: the shared cache did not take a rendering", exc_info=True)

    def clear(self) -> None:
        """Forget this worker's entries (the shared ones expire on their own)."""
        self.local.clear()

    def _shared_key(self, key: Hashable) -> str:
        return f"search:{self.name}:{hashlib.sha1(repr(key).encode()).hexdigest()}"


def _shared() -> bool:
    """Whether the default cache is one that other workers see (not each process's own memory)."""
    return "locmem" not in settings.CACHES["default"]["BACKEND"].lower()
