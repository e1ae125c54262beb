"""The collector settings of a bulk load are undone afterwards, even when the load fails."""

import gc

import pytest

from paperfeed.catalog.collector import BULK_GC_THRESHOLD, bulk_collection


@pytest.fixture(autouse=True)
def unfrozen():
    """Each test starts with nothing frozen (another test of this process may have frozen its heap)."""
    gc.unfreeze()


def test_a_bulk_load_collects_rarely_and_restores_the_settings():
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with bulk_collection():
        assert gc.get_threshold()[0] == BULK_GC_THRESHOLD
        assert gc.get_freeze_count() > frozen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_the_settings_are_restored_when_the_load_raises():
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with pytest.raises(RuntimeError), bulk_collection():
        raise RuntimeError("disk full")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_a_heap_frozen_before_the_load_stays_frozen():
    gc.freeze()
    try:
        with bulk_collection():
            pass
        assert gc.get_freeze_count() > 0  # unfreeze() would have emptied it (frozen objects may die meanwhile)
    finally:
        gc.unfreeze()
