"""The "search" cache that every worker (and, with Redis, every host) shares: its backend on one
machine (diskcache, with its connections kept open) and the calls that read and write it; in
``paperfeed serve``'s workers the writes go through a thread of their own (``BackgroundWrites``).
Values handed to it must not change afterwards: it pickles them when it writes them.

Django closes every cache at the end of each request (``request_finished`` → ``close_caches``).
diskcache's ``close`` closes its SQLite connections, so each request reopened four shards'
connections (about 1.5 ms of a 20 ms search). Its connections are per thread and reopened after
a fork, so keeping them open across requests is safe.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
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
    """Keep ``value`` under ``key`` in the "search" cache for ``seconds``: at once, or by this process's
    writer thread once ``write_in_background()`` was called (an outage is logged, not raised)."""
    if _writer is not None:
        _writer.put(key, value, seconds)
    else:
        _write(key, value, seconds)


def _write(key: str, value: Any, seconds: float) -> None:
    try:
        caches["search"].set(key, value, timeout=seconds)
    except Exception:  # as in shared_get: the answer is served all the same
        log.warning("search: the shared cache did not take an entry", exc_info=True)


class BackgroundWrites:
    """Shared-cache writes on a thread of their own, so that no request waits for the disk.

    diskcache commits each write to SQLite in WAL mode, and every thousand pages a commit also
    copies the log into the database and syncs it to disk. ``bench/shared_writes.py`` (3,000
    writes of 30 kB, one every 2 ms): inline, median 0.32 ms but p99 9.1 ms and the slowest 27 ms,
    waiting for the disk while the worker answered nobody; handed over, p99 0.08 ms.
    Here the request only hands the entry over; the thread writes it (waiting for the disk
    without the GIL). Entries are what other workers may reuse: one that is late by a few
    milliseconds costs at most a search, and past ``LIMIT`` waiting entries new ones are dropped.
    """

    LIMIT = 512

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[str, tuple[Any, float]] = {}  # oldest first; a key written twice keeps its place
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._dropping = False

    def put(self, key: str, value: Any, seconds: float) -> None:
        """Hand an entry to the writer thread (started on the first one)."""
        with self._lock:
            if len(self._pending) >= self.LIMIT and key not in self._pending:
                if not self._dropping:
                    log.warning("search: %d shared-cache writes waiting; dropping new ones until they are written", self.LIMIT)
                self._dropping = True
                return
            self._dropping = False
            self._pending[key] = (value, seconds)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="shared-cache-writer", daemon=True)
                self._thread.start()
        self._wake.set()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every entry handed over so far is written; False if ``timeout`` seconds were not enough."""
        done = threading.Event()
        with self._lock:
            if not self._pending:
                return True
            self._pending[f"\0flush:{id(done)}"] = (done, 0.0)
        self._wake.set()
        return done.wait(timeout)

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            while True:
                with self._lock:
                    if not self._pending:
                        break
                    key = next(iter(self._pending))
                    value, seconds = self._pending[key]
                if isinstance(value, threading.Event) and key.startswith("\0flush:"):
                    value.set()
                else:
                    _write(key, value, seconds)
                with self._lock:
                    if self._pending.get(key, (None,))[0] is value:  # not handed over anew meanwhile
                        del self._pending[key]


_writer: BackgroundWrites | None = None


def write_in_background() -> BackgroundWrites:
    """From now on, this process writes the shared cache on a thread of its own (``paperfeed serve``'s
    workers); returns the writer. A forked child starts with a writer of its own, empty."""
    global _writer
    if _writer is None:
        _writer = BackgroundWrites()
        os.register_at_fork(before=_flush_before_fork, after_in_child=_new_writer_in_child)
    return _writer


def _flush_before_fork() -> None:
    # A thread in the middle of a write holds SQLite's and diskcache's locks, and a child would
    # inherit them held, with no thread to release them: a fork waits until the writer is idle.
    if _writer is not None and _writer._thread is not None:
        _writer.flush(5.0)


def _new_writer_in_child() -> None:
    global _writer
    if _writer is not None:
        _writer = BackgroundWrites()  # the parent's thread and lock did not come along


def shared_key(kind: str, key: Hashable) -> str:
    """The shared cache's key for ``key`` (a tuple from ``services.plan``) of one ``kind`` of entry."""
    return f"search:{kind}:{hashlib.sha1(repr(key).encode()).hexdigest()}"
