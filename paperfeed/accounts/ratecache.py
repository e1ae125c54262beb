"""The rate-limit counts' cache: Django's file cache, with add and incr atomic across processes.

Every gunicorn worker of the machine reads and writes the same directory, so a limit holds for the
whole server, not per worker. Django's file cache increments by read-then-write, which two workers
can interleave and lose a count; an exclusive ``flock`` on one lock file makes ``add`` and ``incr``
whole. Counting is a few small files per client: cheap next to a password hash.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import time
import zlib
from collections.abc import Iterator

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache


class LockedFileBasedCache(FileBasedCache):
    """FileBasedCache whose ``add`` and ``incr`` hold an exclusive lock shared by every process."""

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self._createdir()
        fd = os.open(os.path.join(self._dir, ".lock"), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        """Set ``key`` only if absent; True when it was set."""
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta: int = 1, version=None) -> int:
        """Add ``delta`` to ``key``'s value, keeping its expiry (the count's window); ValueError when absent."""
        with self._locked():
            try:
                with open(self._key_to_file(key, version), "rb") as f:
                    if self._is_expired(f):
                        raise ValueError(f"Key '{key}' not found")
                    f.seek(0)
                    expiry = pickle.load(f)
                    value = pickle.loads(zlib.decompress(f.read()))
            except FileNotFoundError:
                raise ValueError(f"Key '{key}' not found") from None
            value += delta
            self.set(key, value, None if expiry is None else max(expiry - time.time(), 1), version)
            return value
