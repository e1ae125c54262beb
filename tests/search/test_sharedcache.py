"""The machine-wide search cache: diskcache that stays open across requests and is shared by processes."""

from __future__ import annotations

import multiprocessing

from django.core.cache import caches

from paperfeed import settings as configured
from paperfeed.search.sharedcache import KeptOpenDiskCache


def _cache(path) -> KeptOpenDiskCache:
    return KeptOpenDiskCache(str(path), {**configured.CACHES["search"], "LOCATION": str(path)})


def _write(path, key: str, value: str) -> None:
    _cache(path).set(key, value, timeout=60)


def test_the_settings_name_this_backend():
    assert configured.CACHES["search"]["BACKEND"] == "paperfeed.search.sharedcache.KeptOpenDiskCache"


def test_the_end_of_a_request_keeps_its_connections(tmp_path):
    cache = _cache(tmp_path)
    cache.set("k", "v", timeout=60)
    shard = cache._cache._shards[0]
    connection = shard._con
    cache.close()  # what Django's request_finished does to every cache
    assert cache.get("k") == "v" and shard._con is connection


def test_another_process_reads_what_one_wrote(tmp_path):
    process = multiprocessing.get_context("fork").Process(target=_write, args=(tmp_path, "query", "rendered"))
    process.start()
    process.join(30)
    assert process.exitcode == 0
    assert _cache(tmp_path).get("query") == "rendered"


def test_the_request_signal_closes_every_cache_and_this_one_still_answers(settings, tmp_path):
    settings.CACHES = {**settings.CACHES, "search": {**configured.CACHES["search"], "LOCATION": str(tmp_path)}}
    caches["search"].set("k", "v", timeout=60)
    caches.close_all()
    assert caches["search"].get("k") == "v"
