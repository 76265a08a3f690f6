"""A small mapping with a fixed bound, for the matcher's per-entry and per-word caches.

``functools.lru_cache`` bounds module-level functions; the caches that live on an index or a matcher (one
per knowledge base, filled lazily as questions arrive) use this, so none of them grows with the number of
different questions asked. Reads are plain dictionary reads (no reordering: the hot path of matching does
tens of them per question); when the bound is reached the oldest quarter of the items (by insertion) goes,
so the words every question uses come back at once and a stream of new ones cannot grow it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from itertools import islice
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """At most ``maxsize`` items. Not thread-safe (the bot answers on one event loop; a rebuilt index gets
    its own caches)."""

    def __init__(self, maxsize: int):
        if maxsize < 1:
            raise ValueError("maxsize must be positive")
        self.maxsize = maxsize
        self._items: dict[K, V] = {}

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def put(self, key: K, value: V) -> None:
        items = self._items
        if key not in items and len(items) >= self.maxsize:
            for old in list(islice(items, max(1, self.maxsize // 4))):
                del items[old]
        items[key] = value

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        value = self._items.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value
