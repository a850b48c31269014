"""Idempotency-Key on PPDB POSTs: a retried pre-registration creates one application; the same
child under a new key is refused by the database (the NIK-hash lock), never a second application."""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.support.fixtures import Api
from tests.support.ppdb_api import Scene, child_body

Result = tuple[int, Any, dict[str, str]]


def mine(api: Api, token: str) -> list[str]:
    status, page, _ = api.call("GET", "/v1/admissions/applications?limit=100", token)
    assert status == 200, page
    return [a["id"] for a in page["items"]]


def test_ten_sequential_retries_create_one_application(api: Api, ppdb_scene: Scene) -> None:
    scene = ppdb_scene
    parent, headers = scene.tokens["parent"], {"Idempotency-Key": str(uuid.uuid4())}
    body = child_body(scene)
    path = f"/v1/admissions/periods/{scene.pid}/applications"
    results = [api.call("POST", path, parent, body, headers) for _ in range(10)]
    status, first, first_headers = results[0]
    assert status == 201 and first_headers["Idempotent-Replayed"] == "false"
    for status, replay, replay_headers in results[1:]:
        assert (status, replay, replay_headers["Idempotent-Replayed"]) == (201, first, "true")
    assert mine(api, parent) == [first["id"]]
    status, problem, _ = api.call("POST", path, parent, body, {"Idempotency-Key": "k-" + "1" * 20})
    assert (status, problem["code"]) == (409, "child_already_registered")
    assert mine(api, parent) == [first["id"]]


@pytest.mark.usefixtures("serializable_dynamodb")
def test_ten_concurrent_pre_registrations_of_one_child_create_one(
    api: Api, ppdb_scene: Scene
) -> None:
    """Ten different keys (ten phones of one family): the NIK-hash lock lets exactly one in."""
    scene = ppdb_scene
    parent = scene.tokens["parent"]
    body = child_body(scene)
    path = f"/v1/admissions/periods/{scene.pid}/applications"
    gate = threading.Barrier(10)

    def send(_: int) -> Result:
        gate.wait(timeout=10)
        return api.call("POST", path, parent, body, {"Idempotency-Key": str(uuid.uuid4())})

    saved = os.environ
    try:
        with ThreadPoolExecutor(10) as pool:
            results = list(pool.map(send, range(10)))
    finally:
        os.environ = saved  # noqa: B003 - chalice.test swaps os.environ per request
    statuses = Counter(status for status, _, _ in results)
    assert statuses[201] == 1, statuses
    assert set(statuses) <= {201, 409}, statuses
    assert all(d["code"] == "child_already_registered" for s, d, _ in results if s == 409)
    assert len(mine(api, parent)) == 1
