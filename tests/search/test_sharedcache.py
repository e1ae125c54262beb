"""The machine-wide search cache: diskcache that stays open across requests and is shared by processes."""

from __future__ import annotations

import multiprocessing
import threading

import pytest
from django.core.cache import caches

from paperfeed import settings as configured
from paperfeed.search import sharedcache
from paperfeed.search.sharedcache import KeptOpenDiskCache, shared_get, shared_set


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


@pytest.fixture
def writer(settings, tmp_path, monkeypatch):
    """This process writing the machine's shared cache (a diskcache folder) on a thread of its own."""
    settings.CACHES = {**settings.CACHES, "search": {**configured.CACHES["search"], "LOCATION": str(tmp_path)}}
    monkeypatch.setattr(sharedcache, "_writer", None)
    return sharedcache.write_in_background()


def test_a_background_write_lands_in_the_cache(writer):
    for n in range(50):
        shared_set(f"k{n}", {"n": n}, 60)
    assert writer.flush()
    assert [shared_get(f"k{n}") for n in range(50)] == [{"n": n} for n in range(50)]
    assert writer._thread is not None and writer._thread.name == "shared-cache-writer"


def test_the_newest_value_of_a_key_written_twice_wins(writer):
    shared_set("k", "first", 60)
    shared_set("k", "second", 60)
    assert writer.flush() and shared_get("k") == "second"


def test_a_cache_outage_in_the_writer_is_logged_and_the_writer_goes_on(writer, monkeypatch, caplog):
    broken = {"on": True}

    class Refusing:  # Django's cache handler, while the cache is down
        def __getitem__(self, alias):
            if broken["on"]:
                raise ConnectionError("the cache is down")
            return caches[alias]

    monkeypatch.setattr(sharedcache, "caches", Refusing())
    shared_set("lost", "v", 60)
    assert writer.flush()
    assert any("did not take an entry" in r.getMessage() for r in caplog.records)
    broken["on"] = False
    shared_set("kept", "v", 60)
    assert writer.flush() and shared_get("kept") == "v"


def test_past_the_limit_new_writes_are_dropped_with_one_warning(writer, monkeypatch, caplog):
    monkeypatch.setattr(writer, "LIMIT", 3)
    gate = threading.Event()
    monkeypatch.setattr(sharedcache, "_write", lambda key, value, seconds: gate.wait(10))
    for n in range(10):
        shared_set(f"k{n}", n, 60)
    gate.set()
    assert writer.flush()
    assert len([r for r in caplog.records if "dropping new ones" in r.getMessage()]) == 1


def test_a_fork_waits_for_the_writer_and_the_child_starts_with_a_writer_of_its_own(writer, monkeypatch):
    # os.register_at_fork's two hooks, called as a fork calls them (forking the test process itself
    # would copy pytest-xdist's threads mid-work).
    gate = threading.Event()
    write = sharedcache._write
    monkeypatch.setattr(sharedcache, "_write", lambda key, value, seconds: (gate.wait(10), write(key, value, seconds)))
    shared_set("parent", "v", 60)
    threading.Timer(0.2, gate.set).start()
    sharedcache._flush_before_fork()  # returns once the write in flight is done
    assert shared_get("parent") == "v"
    sharedcache._new_writer_in_child()
    child = sharedcache._writer
    assert child is not writer and child._thread is None and not child._pending
    shared_set("child", "written", 60)
    assert child.flush() and shared_get("child") == "written"
