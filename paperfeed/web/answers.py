"""Search answers that every worker and host shares: whole anonymous pages in the "search" cache.

A search answer (a page cache entry that carries the catalogue's watermark, see
``web/pagecache.py``) is written with the final headers the fast path learned for it, so that
another worker's fast path, or another host's with Redis, can replay it without running Django,
while the watermark says what it said when the answer was rendered.
"""

from __future__ import annotations

from collections.abc import Callable

from paperfeed.search.sharedcache import shared_get, shared_key, shared_set

Headers = list[tuple[str, str]]


def _key(page_key: str) -> str:
    # "1": entries are (parts, content type, watermark, served until, final headers).
    return shared_key("answer1", page_key)


def share(page_key: str, entry: tuple, headers: Headers, now: float) -> None:
    """Put a page cache entry (parts, content type, expiry, watermark, served until) with its final
    headers where every worker finds it, until it would stop being served; one without a watermark is not shared."""
    parts, content_type, _, mark, until = entry
    if mark is not None and until > now:
        shared_set(_key(page_key), (parts, content_type, mark, until, headers), until - now)


def shared(page_key: str, now: float, watermark: Callable[[], str | None]) -> tuple | None:
    """(parts, content type, watermark, served until, headers) of the answer another worker shared
    under ``page_key``, while it is served and ``watermark()`` says what it said then; else None."""
    found = shared_get(_key(page_key))
    if not (isinstance(found, tuple) and len(found) == 5):
        return None  # absent, or another version's entry
    mark, until = found[2], found[3]
    if until <= now or watermark() != mark:
        return None
    return found
