"""Two ingest batches in flight at once, each in its own thread and database connection.

On one connection the writing process and PostgreSQL take turns: Python prepares a batch while
the server idles, then the server writes it while Python waits. With two connections one
batch's statements run in the server while this process prepares and sends the other's, so
both cores work (bench/scale.py). Each batch is still one transaction, committed on its own.

Two batches that share a paper never overlap: the later one must read what the earlier one
wrote, so it waits for that commit. Batches that share only authors may overlap: each inserts
its unknown authors in key order with ``ON CONFLICT DO NOTHING``, so one waits for the other's
commit on a shared new key, and never the other way round as well (no deadlock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def run_overlapped(jobs: Iterable[tuple[frozenset[str], Callable[[], T]]], done: Callable[[T], None], *,
                   setup: Callable[[], None]) -> None:
    """Run ``jobs`` (the papers each touches, and its work), two at a time, calling ``done`` in order.

    Every other job runs on a helper thread (its own connection, prepared by ``setup``), the
    rest on this one. ``done`` runs here, in job order. The first error is raised once no job is
    in flight any more.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="ingest-lane") as lane:
        lane.submit(setup).result()
        pending: tuple[frozenset[str], Future] | None = None
        try:
            for keys, work in jobs:
                if pending is not None and keys & pending[0]:
                    done(pending[1].result())  # it wrote papers this job reads: let it commit first
                    pending = None
                if pending is None:
                    pending = (keys, lane.submit(work))
                    continue
                result = work()  # beside the helper's job
                earlier, pending = pending[1], None
                done(earlier.result())
                done(result)
            if pending is not None:
                earlier, pending = pending[1], None
                done(earlier.result())
        finally:
            if pending is not None:
                wait([pending[1]])  # an error here: the helper's batch commits or fails on its own
            lane.submit(_close_connection).result()


def _close_connection() -> None:
    """Close this thread's connection (``connection`` is a per-thread proxy: resolved in the helper)."""
    connection.close()
