"""Per-process memos for search: recent results and query embeddings (pure: no Django, no I/O).

A web worker answers the same queries again and again (popular topics, page 2, a shared link, a
feed reader), and its largest costs per query, the ONNX query embedding, the ranking and the
rendering, depend only on the query and the catalogue. ``TtlLru`` keeps a bounded number of
entries, each for at most ``max_age`` seconds. ``Generation`` follows a cheap watermark of the
catalogue and its indexes: the search service keys results by it, so a newly indexed paper is
found by the very next search while an unchanged catalogue keeps its entries for long.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from .embedding.base import Embedder


class TtlLru:
    """A thread-safe LRU map whose entries also expire ``max_age`` seconds after they were put."""

    def __init__(self, maxsize: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.maxsize = maxsize
        self.clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, *, max_age: float) -> Any | None:
        """The value under ``key`` if it was put less than ``max_age`` seconds ago, else None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self.clock() - entry[0] >= max_age:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, value: Any, *, max_age: float | None = None) -> None:
        """Store ``value`` under ``key`` now, evicting the least recently used entry when full and,
        given ``max_age``, the least recently used ones that are that old already."""
        with self._lock:
            now = self.clock()
            self._entries[key] = (now, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
            if max_age is not None:
                # Expired entries would otherwise stay until new ones push them out: pages of
                # Paper rows that every full garbage collection of the worker walks through.
                while self._entries and now - next(iter(self._entries.values()))[0] >= max_age:
                    self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()


class Generation:
    """The latest watermark seen and since when: results are remembered only once it has settled.

    An index that reloads on a timer (tantivy's reader, once a second) may answer a search made
    just after the watermark moved from its previous state; a result computed then is used but
    not remembered, so the first result kept under a new watermark includes what it announced.
    """

    def __init__(self, *, settle: float = 1.5, clock: Callable[[], float] = time.monotonic) -> None:
        self.settle = settle
        self.clock = clock
        self.value: Hashable = None
        self.since = 0.0
        self._lock = threading.Lock()

    def observe(self, value: Hashable) -> bool:
        """Record the watermark just read; return whether it differs from the one seen before."""
        with self._lock:
            if value == self.value:
                return False
            self.value, self.since = value, self.clock()
            return True

    def settled(self) -> bool:
        """Whether the current watermark was first seen at least ``settle`` seconds ago."""
        return self.clock() - self.since >= self.settle


class MemoEmbedder:
    """An ``Embedder`` that remembers the vectors of single texts (queries) it embedded before.

    Embeddings are a pure function of the model and the text, so entries never expire; the
    memo is keyed by the model's name, so a model change never serves an old vector.
    """

    def __init__(self, base: Embedder, memo: TtlLru) -> None:
        self.base = base
        self.name, self.dim = base.name, base.dim
        self.memo = memo

    @property
    def device(self) -> str:
        """The base embedder's device."""
        return self.base.device

    def embed(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Embed ``texts``; a single text seen before is answered from the memo."""
        if len(texts) != 1:
            return self.base.embed(texts, batch_size=batch_size, progress=progress)
        key = (self.name, texts[0])
        vector = self.memo.get(key, max_age=float("inf"))
        if vector is None:
            vector = self.base.embed(texts, batch_size=batch_size, progress=progress)
            vector.setflags(write=False)  # shared by later requests: nobody may change it
            self.memo.put(key, vector)
        return vector
