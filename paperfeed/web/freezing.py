"""Keep what a web worker holds for its whole life out of the cycle collector's way.

A full garbage collection walks every tracked object. In a search worker that meant the
start-up heap (Django, the query model's tokenizer, the indexes' Python side: ~160k objects)
plus what the first requests load lazily (URL patterns, templates, modules a view imports).
Each walk paused the worker 40-140 ms with its queued requests behind it
(``bench/search_gc.py``). ``gc.freeze()`` moves what exists into a generation the collector
never visits; reference counting still frees any of it that dies.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable

# Requests after which the worker's heap is frozen again: by then the lazily loaded parts exist.
WARM_REQUESTS = 200


class FreezeWhenWarm:
    """A WSGI wrapper that calls ``gc.freeze()`` once, after the worker's first ``after`` requests."""

    def __init__(self, app: Callable, *, after: int = WARM_REQUESTS) -> None:
        self.app = app
        self.left = after

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Serve the request; the ``after``-th one freezes the heap first."""
        if self.left > 0:
            self.left -= 1  # a sync worker serves one request at a time; an extra freeze is harmless anyway
            if self.left == 0:
                gc.freeze()
        return self.app(environ, start_response)
