"""The rate-limit cache counts exactly across processes (gunicorn workers share it)."""

from __future__ import annotations

import multiprocessing
import pickle
import time

from paperfeed.accounts.ratecache import LockedFileBasedCache


def _count(location: str, times: int) -> None:
    cache = LockedFileBasedCache(location, {})
    for _ in range(times):
        if not cache.add("hits", 1, 3600):
            cache.incr("hits")


def test_four_processes_lose_no_increment(tmp_path):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_count, args=(str(tmp_path), 50)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert LockedFileBasedCache(str(tmp_path), {}).get("hits") == 200


def test_incr_keeps_the_expiry_of_the_window(tmp_path):
    cache = LockedFileBasedCache(str(tmp_path), {})
    cache.add("w", 0, 1)  # expires in a second, not the cache's default 300 s
    assert cache.incr("w") == 1
    with open(cache._key_to_file("w"), "rb") as f:
        assert pickle.load(f) - time.time() <= 1.5
