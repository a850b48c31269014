"""The admissions repository's in-function cache on DynamoDB (moto): a cached read of a period
or of a period's schools saves its GetItem/Query for PERIOD_CACHE_SECONDS/SCHOOLS_CACHE_SECONDS,
is loaded again after that, and a write through the repository drops it at once. An uncached read
always goes to the table (what jobs and read-then-write paths use)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import botocore.client
import pytest

from chalicelib.admissions.repository import (
    PERIOD_CACHE_SECONDS,
    SCHOOLS_CACHE_SECONDS,
    DynamoAdmissionRepository,
)
from chalicelib.core.cache import TTLCache
from tests.support.ppdb import period_record, period_school, store_period


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """DynamoDB operations made through botocore while the test runs."""
    seen: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(client: Any, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            seen[operation] += 1
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    yield seen


def instance(ticks: Ticks) -> DynamoAdmissionRepository:
    """One Lambda instance's repository, its caches on the test's clock."""
    return DynamoAdmissionRepository(
        periods_cache=TTLCache(PERIOD_CACHE_SECONDS, clock=ticks),
        schools_cache=TTLCache(SCHOOLS_CACHE_SECONDS, clock=ticks),
    )


def test_a_cached_period_read_saves_the_get_item_until_the_ttl(calls: Counter[str]) -> None:
    ticks = Ticks()
    repo, other_instance = instance(ticks), instance(ticks)
    period = store_period(other_instance, period_record(), [])
    calls.clear()
    first = repo.get_period(period.id, cached=True)
    second = repo.get_period(period.id, cached=True)
    assert first == second == period
    assert calls["GetItem"] == 1
    renamed = other_instance.save_period(replace(period, name="Revisi"), period.version, [])
    ticks.now += PERIOD_CACHE_SECONDS - 0.5
    stale = repo.get_period(period.id, cached=True)
    assert stale is not None and stale.name == period.name  # another instance's change, < ttl
    ticks.now += 0.5
    fresh = repo.get_period(period.id, cached=True)
    assert fresh == renamed
    assert calls["GetItem"] == 2


def test_an_uncached_read_always_reads_the_table_and_refreshes_the_copy(
    calls: Counter[str],
) -> None:
    ticks = Ticks()
    repo, other_instance = instance(ticks), instance(ticks)
    period = store_period(other_instance, period_record(), [])
    repo.get_period(period.id, cached=True)
    changed = other_instance.save_period(replace(period, name="Revisi"), period.version, [])
    calls.clear()
    assert repo.get_period(period.id) == changed  # jobs and read-then-write paths
    assert repo.get_period(period.id, cached=True) == changed
    assert calls["GetItem"] == 1


def test_a_write_through_this_instance_drops_its_cached_period() -> None:
    ticks = Ticks()
    repo = instance(ticks)
    period = store_period(repo, period_record(), [])
    assert repo.get_period(period.id, cached=True) == period
    saved = repo.save_period(replace(period, name="Revisi"), period.version, [])
    assert repo.get_period(period.id, cached=True) == saved


def test_a_missing_period_is_not_cached() -> None:
    ticks = Ticks()
    repo, other_instance = instance(ticks), instance(ticks)
    record = period_record()
    assert repo.get_period(record.id, cached=True) is None
    created = store_period(other_instance, record, [])
    assert repo.get_period(record.id, cached=True) == created


def test_a_cached_school_list_saves_the_query_until_the_ttl(calls: Counter[str]) -> None:
    ticks = Ticks()
    repo = instance(ticks)
    record = period_record()
    period = store_period(repo, record, [period_school("20600001", record)])
    import_id = period.schools_import or ""
    calls.clear()
    first = repo.schools(period.id, import_id, cached=True)
    first.clear()  # a caller changing its list does not change the cached one
    second = repo.schools(period.id, import_id, cached=True)
    assert [s.npsn for s in second] == ["20600001"]
    assert calls["Query"] == 1
    ticks.now += SCHOOLS_CACHE_SECONDS
    repo.schools(period.id, import_id, cached=True)
    repo.schools(period.id, import_id)  # uncached: always the table
    assert calls["Query"] == 3
