"""Per-caller limit on state-changing requests (POST/PUT/PATCH/DELETE): a fixed window per caller.

Every write that reaches its use case adds one to the caller's counter for the current window
(one conditional UpdateItem: ``ADD count``, condition ``count < limit``); when the condition
fails the request gets 429 with ``Retry-After`` = seconds to the next window. The counter is
keyed by a hash of the token's ``sub``, so one caller never affects another. Requests refused
before their use case (401/403/4xx input, an idempotent replay) do not count.

Limits come from the settings: parents (self-registered accounts, the public population) and
staff (accounts issued by the office, bulk desk work) have their own. A fixed window lets a
caller send at most twice the limit across a window boundary; that is accepted (the stage
throttle bounds the total).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from chalicelib.core.errors import TooManyRequests
from chalicelib.core.principal import Principal, Role

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEY_PREFIX = "ratelimit#"
EXPIRY_SLACK_SECONDS = 60  # the item outlives its window a little (TTL deletion lags anyway)


class CounterStore(Protocol):
    def increment(self, key: str, limit: int, expires_at: int) -> bool:
        """Add one to ``key`` unless it already reached ``limit``; True when counted."""


@dataclass(frozen=True)
class Limits:
    parent: int
    staff: int
    window_seconds: int

    def for_role(self, role: Role) -> int:
        return self.parent if role is Role.PARENT else self.staff


def counter_key(sub: str, window_start: int) -> str:
    """``ratelimit#<sha256(sub), 24 hex>#<window start, epoch s>``: no raw subject in a key."""
    digest = hashlib.sha256(sub.encode("utf-8")).hexdigest()[:24]
    return f"{KEY_PREFIX}{digest}#{window_start}"


class WriteLimiter:
    """Counts a caller's writes per window in ``store``; ``now`` is wall-clock seconds."""

    def __init__(
        self, store: CounterStore, limits: Limits, now: Callable[[], float] = time.time
    ) -> None:
        self.store = store
        self.limits = limits
        self.now = now

    def check(self, caller: Principal) -> None:
        """Count one write of ``caller``. Raises TooManyRequests (429, ``retry_after``)."""
        window = self.limits.window_seconds
        now = self.now()
        start = int(now // window) * window
        limit = self.limits.for_role(caller.role)
        key = counter_key(caller.sub, start)
        if not self.store.increment(key, limit, start + window + EXPIRY_SLACK_SECONDS):
            retry_after = max(1, math.ceil(start + window - now))
            raise TooManyRequests(
                "rate_limited",
                f"Terlalu banyak perubahan dalam waktu singkat (batas {limit} per "
                f"{window} detik). Coba lagi dalam {retry_after} detik.",
                retry_after=retry_after,
                limit=limit,
                window_seconds=window,
            )


class MemoryCounters:
    """In-memory CounterStore for unit tests and benchmarks (thread-safe, no expiry)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def increment(self, key: str, limit: int, expires_at: int) -> bool:
        with self._lock:
            if self.counts.get(key, 0) >= limit:
                return False
            self.counts[key] = self.counts.get(key, 0) + 1
            return True


_override: WriteLimiter | None = None


def use(limiter: WriteLimiter | None) -> None:
    """Tests and benchmarks may swap the limiter (a small limit, a hand-moved clock)."""
    global _override
    _override = limiter


@lru_cache(maxsize=1)
def _production() -> WriteLimiter:
    from chalicelib.core.ratelimit_repository import DynamoCounters
    from chalicelib.core.settings import get_settings

    settings = get_settings()
    limits = Limits(
        parent=settings.rate_limit_parent_writes,
        staff=settings.rate_limit_staff_writes,
        window_seconds=settings.rate_limit_window_seconds,
    )
    return WriteLimiter(DynamoCounters(settings.idempotency_table), limits)


def limiter() -> WriteLimiter:
    return _override if _override is not None else _production()
