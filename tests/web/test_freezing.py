"""A web worker freezes its heap once it is warm (``web/freezing.py``)."""

import gc

import pytest

from paperfeed.web.freezing import FreezeWhenWarm


@pytest.fixture(autouse=True)
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_heap_is_frozen_at_the_warm_request_and_only_then():
    calls = []
    app = FreezeWhenWarm(lambda environ, start_response: calls.append(environ) or [b"ok"], after=3)
    for _ in range(2):
        assert app({}, None) == [b"ok"]
    assert gc.get_freeze_count() == 0
    app({}, None)
    assert gc.get_freeze_count() > 0
    gc.unfreeze()
    app({}, None)  # never again
    assert gc.get_freeze_count() == 0 and len(calls) == 4
