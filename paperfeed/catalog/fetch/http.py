"""A small, polite HTTP client for the remote sources (arXiv OAI-PMH, arXiv API, GitHub).

Polite means: one request at a time with a minimum interval between requests, timeouts on every
request, retries with exponential backoff on timeouts, connection errors and 5xx answers, and
``Retry-After`` honoured on 503/429. The clock and the sleep function are injectable so tests
replay slow servers without waiting. ``arxiv_client()`` is one set to arXiv's pace (settings).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from django.conf import settings

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({500, 502, 503, 504, 429})


class FetchError(Exception):
    """A request failed for good (after retries), or the server asked us to wait too long."""

    def __init__(self, message: str, *, status: int | None = None, url: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.url = url


def parse_retry_after(value: str | None, *, now: dt.datetime | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


class PoliteClient:
    """GET with rate limiting, timeouts and retries; one instance per remote service and run."""

    def __init__(
        self,
        *,
        interval: float = 3.0,
        timeout: float = 30.0,
        max_retries: int = 4,
        backoff: float = 2.0,
        max_retry_after: float = 600.0,
        headers: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.interval = interval
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.clock = clock
        self.sleep = sleep
        self.requests_made = 0
        self.retries = 0
        self._last: float | None = None
        user_agent = f"paperfeed/0.1 (self-hosted daily-papers service; +{settings.SITE_URL})"
        self._http = httpx.Client(
            timeout=timeout,
            headers={"User-Agent": user_agent, **(headers or {})},
            follow_redirects=True,
            transport=transport,
        )

    def close(self) -> None:
        """Close the underlying connection pool."""
        self._http.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait_turn(self) -> None:
        if self._last is not None and self.interval > 0:
            remaining = self.interval - (self.clock() - self._last)
            if remaining > 0:
                self.sleep(remaining)
        self._last = self.clock()

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ok_statuses: frozenset[int] = frozenset(),
    ) -> httpx.Response:
        """GET ``url``; retry transient failures; return the response for 2xx/3xx/4xx.

        5xx/429 answers are retried (after ``Retry-After`` when given, else exponential backoff);
        when retries run out, or ``Retry-After`` exceeds ``max_retry_after``, raise FetchError.
        Statuses in ``ok_statuses`` are returned at once, without retrying.
        """
        attempt = 0
        while True:
            self._wait_turn()
            self.requests_made += 1
            try:
                response = self._http.get(url, params=params, headers=headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                reason, status, delay = f"{type(exc).__name__}: {exc}", None, None
            else:
                if response.status_code in ok_statuses or response.status_code not in RETRY_STATUSES:
                    return response
                status = response.status_code
                reason = f"HTTP {status}"
                delay = parse_retry_after(response.headers.get("Retry-After"))
                if delay is not None and delay > self.max_retry_after:
                    raise FetchError(
                        f"{url}: server asked to retry after {delay:.0f}s (limit {self.max_retry_after:.0f}s)",
                        status=status,
                        url=url,
                    )
            attempt += 1
            if attempt > self.max_retries:
                raise FetchError(f"{url}: {reason} after {attempt} attempts", status=status, url=url)
            if delay is None:
                delay = self.backoff * (2 ** (attempt - 1))
            self.retries += 1
            log.warning("%s: %s; retrying in %.1fs (attempt %d)", url, reason, delay, attempt + 1)
            self.sleep(delay)


def arxiv_client() -> PoliteClient:
    """A client with arXiv's requested pace (ARXIV_REQUEST_INTERVAL seconds between requests)."""
    return PoliteClient(
        interval=settings.ARXIV_REQUEST_INTERVAL,
        timeout=settings.ARXIV_TIMEOUT_SECONDS,
        max_retries=settings.ARXIV_MAX_RETRIES,
        backoff=settings.ARXIV_RETRY_BACKOFF_SECONDS,
    )
