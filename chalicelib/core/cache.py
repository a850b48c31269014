"""A small in-function cache: values kept for a few seconds in one Lambda instance.

Rules:
- An entry is served for at most ``ttl`` seconds after it was loaded (monotonic clock, so a
  wall-clock jump never extends it); after that the next read loads it again.
- At most ``max_size`` entries; a full cache drops the least recently used one.
- ``None`` (not found) is never cached: what is created elsewhere is seen at once.
- A writer in the same instance calls ``invalidate``; other instances see the change within
  ``ttl``. Use it only for reads whose decisions stay right with a value up to ``ttl`` seconds
  old (the caller documents why), never for a read that is then written back.
- Thread-safe; a value is loaded outside the lock (two threads may load the same key once each).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    def __init__(
        self, ttl: float, max_size: int = 128, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if ttl <= 0 or max_size < 1:
            raise ValueError("ttl must be > 0 and max_size >= 1")
        self.ttl = ttl
        self.max_size = max_size
        self._clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The cached value if it is younger than ``ttl``; None otherwise."""
        now = self._clock()
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return None
            loaded_at, value = found
            if now - loaded_at >= self.ttl:
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> None:
        now = self._clock()
        with self._lock:
            self._items[key] = (now, value)
            self._items.move_to_end(key)
            while len(self._items) > self.max_size:
                self._items.popitem(last=False)

    def get_or_load(self, key: K, load: Callable[[], V | None]) -> V | None:
        """The cached value, or ``load()`` (cached unless it is None)."""
        value = self.get(key)
        if value is not None:
            return value
        value = load()
        if value is not None:
            self.put(key, value)
        return value

    def invalidate(self, key: K) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
