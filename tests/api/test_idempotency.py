"""Idempotency-Key on state-changing POSTs (security brief R-47, section 6; section 8 item 3).

The server key is (caller sub, route, Idempotency-Key); the body is the validation payload.
Replays return the first response with ``Idempotent-Replayed: true``; the same key with another
body is 422; a request still running is 409 with Retry-After; another account's identical key
never sees the first caller's response. A child has one open transfer at a time (409
``open_request_exists``), so every new request below uses a fresh NIK.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.wiring import deps
from tests.support import factories
from tests.support.fixtures import Api, World, clean_parent_documents

Result = tuple[int, Any, dict[str, str]]
PARENT_SLOTS = ("surat_permohonan_orang_tua", "rapor_terakhir", "kartu_keluarga", "akta_kelahiran")


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def my_transfers(api: Api, token: str) -> list[dict[str, Any]]:
    status, page, _ = api.call("GET", "/v1/transfers?limit=100", token)
    assert status == 200, page
    return list(page["items"])


def test_ten_sequential_retries_with_one_key_create_one_transfer(api: Api, world: World) -> None:
    parent, headers = world.token("parent"), key()
    body = factories.transfer_body(world.origin, world.destination)

    results = [api.call("POST", "/v1/transfers", parent, body, headers) for _ in range(10)]

    first_status, first, first_headers = results[0]
    assert first_status == 201, first
    assert first_headers["Idempotent-Replayed"] == "false"
    for status, replay, replay_headers in results[1:]:
        assert status == 201
        assert replay == first  # the very same response body, same id and timestamps
        assert replay_headers["Idempotent-Replayed"] == "true"
        assert replay_headers["Content-Type"] == "application/json"
    assert [t["id"] for t in my_transfers(api, parent)] == [first["id"]]


@pytest.mark.usefixtures("serializable_dynamodb")
def test_ten_concurrent_retries_with_one_new_key_create_one_transfer(
    api: Api, world: World
) -> None:
    parent, headers = world.token("parent"), key()
    body = factories.transfer_body(world.origin, world.destination)
    gate = threading.Barrier(10)

    def send() -> Result:
        gate.wait(timeout=10)
        return api.call("POST", "/v1/transfers", parent, body, headers)

    saved = os.environ
    try:
        with ThreadPoolExecutor(10) as pool:
            results = list(pool.map(lambda _: send(), range(10)))
    finally:
        os.environ = saved  # noqa: B003 - chalice.test swaps os.environ per request; put it back

    statuses = Counter(status for status, _, _ in results)
    assert set(statuses) <= {201, 409}, statuses  # never a 5xx
    created = [data for status, data, _ in results if status == 201]
    assert created, statuses
    assert all(data == created[0] for data in created)
    for status, data, headers_ in results:
        if status == 409:
            assert data["code"] == "request_in_progress", data
            assert headers_["Retry-After"] == "1"
    assert [t["id"] for t in my_transfers(api, parent)] == [created[0]["id"]]

    # once the first run completed, a late retry is a replay of the stored 201
    status, late, late_headers = api.call("POST", "/v1/transfers", parent, body, headers)
    assert (status, late, late_headers["Idempotent-Replayed"]) == (201, created[0], "true")


def test_the_same_key_with_another_body_is_422_and_writes_nothing(api: Api, world: World) -> None:
    parent, headers = world.token("parent"), key()
    body = factories.transfer_body(world.origin, world.destination)
    status, first, _ = api.call("POST", "/v1/transfers", parent, body, headers)
    assert status == 201, first

    changed = {**body, "reason": "Alasan lain yang berbeda dari permintaan pertama"}
    other_child = factories.transfer_body(world.origin, world.destination)
    for different in (changed, other_child):
        status, problem, response_headers = api.call(
            "POST", "/v1/transfers", parent, different, headers
        )
        assert status == 422, problem
        assert problem["code"] == "idempotency_key_reused"
        assert response_headers["Content-Type"] == "application/problem+json"
    assert [t["id"] for t in my_transfers(api, parent)] == [first["id"]]


def test_the_same_key_from_another_parent_is_never_a_replay(api: Api, world: World) -> None:
    parent, other = world.token("parent"), world.token("other_parent")
    headers = key()
    body = factories.transfer_body(world.origin, world.destination)
    status, first, _ = api.call("POST", "/v1/transfers", parent, body, headers)
    assert status == 201, first

    # the identical request from another account runs for real: that child already has an open
    # request, and the other parent does NOT receive the first parent's stored 201
    status, problem, replay_headers = api.call("POST", "/v1/transfers", other, body, headers)
    assert (status, problem["code"]) == (409, "open_request_exists"), problem
    assert first["id"] not in str(problem) and "Idempotent-Replayed" not in replay_headers

    # with the other parent's own child, the same key creates the other parent's own transfer
    own = factories.transfer_body(world.origin, world.destination)
    status, theirs, their_headers = api.call("POST", "/v1/transfers", other, own, headers)
    assert status == 201, theirs
    assert theirs["id"] != first["id"] and their_headers["Idempotent-Replayed"] == "false"
    assert [t["id"] for t in my_transfers(api, other)] == [theirs["id"]]
    assert [t["id"] for t in my_transfers(api, parent)] == [first["id"]]


def test_a_failed_request_does_not_use_up_its_key(api: Api, world: World) -> None:
    parent, headers = world.token("parent"), key()
    unknown = factories.transfer_body(world.origin, factories.npsn())  # no such school
    status, problem, _ = api.call("POST", "/v1/transfers", parent, unknown, headers)
    assert (status, problem["code"]) == (422, "destination_school_unknown"), problem
    assert my_transfers(api, parent) == []

    fixed = factories.transfer_body(world.origin, world.destination)
    status, created, response_headers = api.call("POST", "/v1/transfers", parent, fixed, headers)
    assert status == 201, created
    assert response_headers["Idempotent-Replayed"] == "false"


def test_a_retried_accept_replays_and_takes_one_seat(api: Api, world: World) -> None:
    parent, operator = world.token("parent"), world.token("destination_op")
    status, draft, _ = api.call(
        "POST", "/v1/transfers", parent, factories.transfer_body(world.origin, world.destination)
    )
    assert status == 201, draft
    tid, d = draft["id"], deps()
    clean_parent_documents(tid, "p")
    status, submitted, _ = api.call("POST", f"/v1/transfers/{tid}/submit", parent, {}, key())
    assert status == 200, submitted
    seats_before = {s.grade: s.free for s in d.schools.seats(world.destination)}[8]

    headers = key()
    first = api.call("POST", f"/v1/transfers/{tid}/accept", operator, {}, headers)
    retry = api.call("POST", f"/v1/transfers/{tid}/accept", operator, {}, headers)
    assert first[0] == 200 and first[1]["state"] == "accepted_by_destination", first[1]
    assert (retry[0], retry[1]) == (first[0], first[1])
    assert (first[2]["Idempotent-Replayed"], retry[2]["Idempotent-Replayed"]) == ("false", "true")
    assert {s.grade: s.free for s in d.schools.seats(world.destination)}[8] == seats_before - 1

    # without the key the same step is a new request, refused by the state machine
    status, problem, _ = api.call("POST", f"/v1/transfers/{tid}/accept", operator, {})
    assert (status, problem["code"]) == (409, "invalid_transition"), problem


@pytest.mark.parametrize("bad", ["", "   ", "k" * 129, "tab\there"])
def test_a_malformed_key_is_refused(api: Api, world: World, bad: str) -> None:
    status, problem, _ = api.call(
        "POST",
        "/v1/transfers",
        world.token("parent"),
        factories.transfer_body(world.origin, world.destination),
        {"Idempotency-Key": bad},
    )
    assert (status, problem["code"]) == (400, "invalid_idempotency_key"), problem
    assert my_transfers(api, world.token("parent")) == []
