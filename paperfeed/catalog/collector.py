"""Garbage-collector settings for bulk loads (pure: no Django)."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# Allocations between young-generation collections during a bulk load (CPython's default: 700).
BULK_GC_THRESHOLD = 100_000


@contextlib.contextmanager
def bulk_collection() -> Iterator[None]:
    """Run the cycle collector rarely, and never over what existed before, while a bulk load runs.

    A load allocates millions of small containers (records, rows, chunks held in a queue) that
    survive a young collection or two, so at the default threshold the collector kept re-walking
    them and the long-lived objects beside them (Django, the parsers): perf put it at a fifth of
    the writing process's CPU. The records hold no cycles; freeing them needs no collector.
    """
    before = gc.get_threshold()
    # What exists now (modules, settings) is never traversed during the load. A process that froze
    # its heap itself (a web worker after start-up) keeps it frozen: unfreeze() would undo that too.
    own_freeze = gc.get_freeze_count() == 0
    if own_freeze:
        gc.freeze()
    gc.set_threshold(BULK_GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if own_freeze:
            gc.unfreeze()
