"""The hot reads of the PPDB peak come from the instance's cache (docs/capacity.md): reading a
period again, and a registration after the first, read neither the period item nor the period's
school list from the table; the instance that changes a period sees the change at once; and a
period cannot change in the last PERIOD_CACHE_SECONDS before its first window, so no instance
ever decides a window on a configuration that is about to change."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import botocore.client
import pytest

from chalicelib.admissions.repository import PERIOD_CACHE_SECONDS
from chalicelib.core.clock import FixedClock
from tests.support.fixtures import Api
from tests.support.ppdb import T0
from tests.support.ppdb_api import Scene, period_body, preregistered, verify_all


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """GetItem of period items (``period#...`` / ``config``), Query of period school lists and
    GetItem of one school of a period (``pschools#...``) made while the test runs."""
    seen: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(client: Any, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            text = str(params.get("Key", "")) + str(params.get("ExpressionAttributeValues", ""))
            if operation == "GetItem" and "'period#" in text and "'config'" in text:
                seen["period"] += 1
            if operation == "Query" and "'pschools#" in text:
                seen["schools"] += 1
            if operation == "GetItem" and "'pschools#" in text:
                seen["school"] += 1
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    yield seen


def test_reading_a_period_again_does_not_read_the_table_until_this_instance_changes_it(
    api: Api, ppdb_scene: Scene, reads: Counter[str]
) -> None:
    staff, path = ppdb_scene.tokens["staff"], f"/v1/admissions/periods/{ppdb_scene.pid}"
    for _ in range(3):
        status, period, _ = api.call("GET", path, ppdb_scene.tokens["parent"])
        assert status == 200, period
    assert reads["period"] <= 1
    body = period_body(name="SPMB SMP 2027 (revisi)", version=period["version"])
    status, changed, _ = api.call("PUT", path, staff, body)
    assert status == 200, changed
    _, seen, _ = api.call("GET", path, staff)
    assert (seen["name"], seen["version"]) == ("SPMB SMP 2027 (revisi)", changed["version"])


def test_a_period_cannot_change_in_the_last_seconds_before_its_first_window(
    api: Api, ppdb_scene: Scene, ppdb_clock: FixedClock
) -> None:
    staff, path = ppdb_scene.tokens["staff"], f"/v1/admissions/periods/{ppdb_scene.pid}"
    first_opening = T0  # the first route of period_body opens at T0
    ppdb_clock.advance(
        first_opening - timedelta(seconds=PERIOD_CACHE_SECONDS + 1) - ppdb_clock.now()
    )
    _, period, _ = api.call("GET", path, staff)
    body = period_body(name="Masih bisa diubah", version=period["version"])
    status, changed, _ = api.call("PUT", path, staff, body)
    assert status == 200, changed
    ppdb_clock.advance(timedelta(seconds=2))  # PERIOD_CACHE_SECONDS - 1 before the opening
    body = period_body(name="Terlambat", version=changed["version"])
    status, problem, _ = api.call("PUT", path, staff, body)
    assert status == 409 and problem["code"] == "period_started"


def test_a_registration_change_and_the_application_view_read_period_and_schools_from_the_cache(
    api: Api, ppdb_scene: Scene, ppdb_clock: FixedClock, reads: Counter[str]
) -> None:
    parent = ppdb_scene.tokens["parent"]
    aid = preregistered(api, ppdb_scene)
    verify_all(api, ppdb_scene, aid)
    ppdb_clock.advance(timedelta(days=14, hours=1))  # the domisili window
    path = f"/v1/admissions/applications/{aid}/registration"
    first, second = ppdb_scene.schools[0], ppdb_scene.schools[1]
    status, app, _ = api.call("PUT", path, parent, {"route": "domisili", "choices": [first]})
    assert status == 200, app
    reads.clear()
    status, app, _ = api.call("PUT", path, parent, {"route": "domisili", "choices": [second]})
    assert status == 200, app
    assert app["registration"]["choices"][0]["npsn"] == second
    status, app, _ = api.call("GET", f"/v1/admissions/applications/{aid}", parent)
    assert status == 200 and app["registration"]["choices"][0]["name"].startswith("SMP Negeri")
    assert (reads["period"], reads["schools"], reads["school"]) == (0, 0, 0)


def test_a_live_snapshot_is_read_from_s3_once_per_instance_for_its_ttl(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.admission_results import service
    from chalicelib.admission_results.objects import put_public_json
    from chalicelib.wiring import deps

    gets: Counter[str] = Counter()
    original = botocore.client.BaseClient._make_api_call

    def counting(client: Any, operation: str, params: Any) -> Any:
        if client.meta.service_model.service_name == "s3" and operation == "GetObject":
            gets[params["Key"]] += 1
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    store, key = deps().snapshots, f"ppdb/{uuid.uuid4().hex}/domisili/20600001.json"
    assert service._snapshot(store, key) is None  # not published yet: not cached either
    put_public_json(store, key, {"entries": [], "generated_at": "2027-06-30T01:00:00Z"})
    for _ in range(3):
        doc = service._snapshot(store, key)
        assert doc is not None and doc["generated_at"] == "2027-06-30T01:00:00Z"
    assert gets[key] == 2  # the miss before publication, then one read for three polls
