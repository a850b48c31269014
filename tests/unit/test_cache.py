"""The in-function TTL cache (chalicelib.core.cache): served for ttl seconds on a monotonic
clock, never caches "not found", bounded, invalidated by writers, safe across threads."""

from __future__ import annotations

import threading

import pytest

from chalicelib.core.cache import TTLCache


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_served_until_its_ttl_has_passed_then_loaded_again() -> None:
    ticks = Ticks()
    cache: TTLCache[str, int] = TTLCache(5, clock=ticks)
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert cache.get_or_load("p", load) == 1
    ticks.now += 4.9
    assert cache.get_or_load("p", load) == 1
    ticks.now += 0.1  # exactly ttl seconds after the load: too old
    assert cache.get_or_load("p", load) == 2
    assert len(loads) == 2


def test_not_found_is_never_cached() -> None:
    cache: TTLCache[str, str] = TTLCache(60, clock=Ticks())
    answers = iter([None, "created"])
    assert cache.get_or_load("p", lambda: next(answers)) is None
    assert cache.get_or_load("p", lambda: next(answers)) == "created"


def test_invalidate_makes_the_next_read_load_again() -> None:
    cache: TTLCache[str, int] = TTLCache(60, clock=Ticks())
    cache.put("p", 1)
    cache.invalidate("p")
    assert cache.get("p") is None
    assert cache.get_or_load("p", lambda: 2) == 2


def test_a_full_cache_drops_the_least_recently_used_entry() -> None:
    cache: TTLCache[str, int] = TTLCache(60, max_size=2, clock=Ticks())
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recently used
    cache.put("c", 3)
    assert len(cache) == 2
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == (1, 3)


def test_a_wall_clock_jump_does_not_extend_an_entry_the_default_clock_is_monotonic() -> None:
    import time

    cache: TTLCache[str, int] = TTLCache(1)
    assert cache._clock is time.monotonic


def test_settings_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError):
        TTLCache(0)
    with pytest.raises(ValueError):
        TTLCache(1, max_size=0)


def test_concurrent_readers_and_writers_keep_it_consistent_and_bounded() -> None:
    cache: TTLCache[int, int] = TTLCache(60, max_size=16)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for i in range(2000):
                key = (i + offset) % 40
                value = cache.get_or_load(key, lambda k=key: k * 10)  # type: ignore[misc]
                assert value == key * 10
                if i % 7 == 0:
                    cache.invalidate(key)
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache) <= 16
