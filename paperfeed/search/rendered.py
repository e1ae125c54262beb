"""What the page and the API render from remembered results: kept per worker, and shared through
the "search" cache: by the workers of a machine (diskcache files under ``DATA_DIR/cache/search``),
or by every host (Redis, ``REDIS_URL``).

Keys are ``services.plan(…).key`` tuples: the catalogue's watermark is read from the database, so
every worker and host that sees the same catalogue computes the same key, and an entry written by
one serves the others. A host whose local keyword replica lags has another watermark (its lag is
part of it), so it never takes a rendering that another host made from fresher indexes, nor the
reverse. A shared entry expires ``SEARCH_CACHE_SECONDS`` after it was written.
"""

from __future__ import annotations

from collections.abc import Hashable

from .cache import TtlLru
from .services import cache_seconds
from .sharedcache import shared_get, shared_key, shared_set

# In a request's META when the server shares the whole answer with every worker itself
# (web/pagecache.py, for anonymous readers behind ``paperfeed serve``): the rendering then stays in
# this worker, and the shared cache takes one copy of it instead of two.
WHOLE_ANSWER_SHARED = "paperfeed.whole_answer_shared"


class RenderedStore:
    """A per-worker LRU of rendered results in front of the shared "search" cache."""

    def __init__(self, name: str, maxsize: int) -> None:
        self.name = name
        self.local = TtlLru(maxsize)

    def get(self, key: Hashable) -> str | bytes | None:
        """The rendering under ``key`` from this worker, else from the shared cache, else None."""
        value = self.local.get(key, max_age=cache_seconds())
        if value is None:
            value = shared_get(shared_key(self.name, key))  # an outage: None, and the caller renders
        return value  # not copied into this worker's LRU, which would restart its age

    def put(self, key: Hashable, value: str | bytes, *, share: bool = True) -> None:
        """Keep ``value`` in this worker and, with ``share``, in the shared cache, for the other workers."""
        self.local.put(key, value)
        if share:
            shared_set(shared_key(self.name, key), value, cache_seconds())

    def clear(self) -> None:
        """Forget this worker's entries (the shared ones expire on their own)."""
        self.local.clear()
