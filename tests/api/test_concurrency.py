"""Races on seats and versions (security brief R-24..R-26; section 8 item 1).

Setup: every competing transfer is created and submitted through the API by its own family
(POST /v1/transfers, POST /submit); the four parent documents are written through the repository
(``deps().documents.create`` with DocStatus.CLEAN) instead of four presigned uploads each, to keep
the module fast. The competing requests go through the one chalice test client from a thread pool.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.core.errors import Conflict
from chalicelib.core.principal import Principal, Role
from chalicelib.transfers.domain import Action, State, decide
from chalicelib.transfers.repository import Change, LockModel
from chalicelib.transfers.service import LOCK_PREFIX
from chalicelib.wiring import deps
from tests.support import factories
from tests.support.fixtures import Api, World, add_school, clean_parent_documents

pytestmark = pytest.mark.xdist_group("heavy")

Result = tuple[int, Any, dict[str, str]]
PARENT_SLOTS = ("surat_permohonan_orang_tua", "rapor_terakhir", "kartu_keluarga", "akta_kelahiran")


def race(calls: list[Callable[[], Result]], workers: int) -> list[Result]:
    """Run the calls from a thread pool through the one chalice test client.

    chalice.test swaps ``os.environ`` for a dict copy around every request; from several threads
    the last restore can leave the copy in place, so the real mapping is put back afterwards.
    """
    saved = os.environ
    try:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(lambda call: call(), calls))
    finally:
        os.environ = saved  # noqa: B003 - restoring the very same object, not clearing


@dataclass(frozen=True)
class Family:
    sub: str
    token: str


def new_family() -> Family:
    from tests.conftest import KEYS

    sub = f"parent-{uuid.uuid4().hex[:12]}"
    return Family(sub, KEYS.token(sub, "parent"))


def operator_token(npsn: str) -> str:
    from tests.conftest import KEYS

    return KEYS.token(f"op-{uuid.uuid4().hex[:10]}", "school_operator", npsn=npsn)


def submitted(api: Api, family: Family, origin: str, destination: str) -> dict[str, Any]:
    """A new child of ``family``: created and submitted through the API (version 2)."""
    body = factories.transfer_body(origin, destination)
    status, draft, _ = api.call("POST", "/v1/transfers", family.token, body)
    assert status == 201, draft
    clean_parent_documents(draft["id"], family.sub)
    status, sent, _ = api.call("POST", f"/v1/transfers/{draft['id']}/submit", family.token, {})
    assert status == 200 and sent["state"] == "submitted" and sent["version"] == 2, sent
    return dict(sent)


def free_seats(api: Api, token: str, npsn: str, grade: int = 8) -> int:
    status, listing, _ = api.call("GET", f"/v1/schools/{npsn}/seats", token)
    assert status == 200, listing
    [seats] = [s for s in listing["items"] if s["grade"] == grade]
    return int(seats["free_seats"])


@pytest.mark.usefixtures("serializable_dynamodb")
def test_fifty_concurrent_accepts_for_the_last_seat_admit_exactly_one(
    api: Api, world: World
) -> None:
    destination = add_school(factories.npsn(), seats={8: 1})
    operator = operator_token(destination)
    ids = [submitted(api, new_family(), world.origin, destination)["id"] for _ in range(50)]

    def accept(tid: str) -> Callable[[], Result]:
        return lambda: api.call("POST", f"/v1/transfers/{tid}/accept", operator, {})

    results = race([accept(tid) for tid in ids], workers=16)

    statuses = Counter(status for status, _, _ in results)
    assert statuses == Counter({200: 1, 409: 49}), statuses  # and therefore zero 5xx
    codes = Counter(body["code"] for status, body, _ in results if status == 409)
    assert codes == Counter({"no_seat": 49}), codes
    for status, body, headers in results:
        if status == 409:
            assert headers["Content-Type"] == "application/problem+json"
            assert body["status"] == 409, body
    [winner] = [body for status, body, _ in results if status == 200]
    assert winner["state"] == "accepted_by_destination" and winner["seat_held"]

    assert free_seats(api, operator, destination) == 0
    stored = {tid: deps().transfers.get(tid) for tid in ids}
    states = Counter(t.state for t in stored.values() if t is not None)
    assert states == Counter({State.ACCEPTED_BY_DESTINATION: 1, State.SUBMITTED: 49})
    assert stored[winner["id"]].state is State.ACCEPTED_BY_DESTINATION
    losers = [t for tid, t in stored.items() if tid != winner["id"]]
    assert all(t.version == 2 and not t.seat_held for t in losers)  # nothing written for them


def test_an_accept_without_a_free_seat_says_no_seat_and_writes_nothing(
    api: Api, world: World
) -> None:
    destination = add_school(factories.npsn(), seats={8: 0})
    operator = operator_token(destination)
    transfer = submitted(api, new_family(), world.origin, destination)
    status, problem, _ = api.call("POST", f"/v1/transfers/{transfer['id']}/accept", operator, {})
    assert (status, problem["code"]) == (409, "no_seat"), problem
    stored = deps().transfers.get(transfer["id"])
    assert stored is not None and (stored.state, stored.version) == (State.SUBMITTED, 2)
    assert free_seats(api, operator, destination) == 0


LOSING_ANSWERS = {
    (409, "concurrent_update"),  # read the same version, lost the conditional write
    (409, "invalid_transition"),  # read the winner's state, the step no longer applies
    (412, "stale_version"),  # read the winner's version, the body's version is now stale
}


@pytest.mark.usefixtures("serializable_dynamodb")
def test_two_different_actions_on_the_same_version_one_wins(api: Api, world: World) -> None:
    destination = add_school(factories.npsn(), seats={8: 10})
    operator = operator_token(destination)
    staff = world.token("staff")
    ids = [submitted(api, new_family(), world.origin, destination)["id"] for _ in range(5)]
    accepted = 0
    for tid in ids:
        gate = threading.Barrier(2)

        def step(
            action: str,
            token: str,
            body: dict[str, Any],
            tid: str = tid,
            gate: threading.Barrier = gate,
        ) -> Callable[[], Result]:
            def call() -> Result:
                gate.wait(timeout=10)
                return api.call("POST", f"/v1/transfers/{tid}/{action}", token, body)

            return call

        accept, revise = race(
            [
                step("accept", operator, {"version": 2}),
                step("request-revision", staff, {"version": 2, "reason": "Rapor belum jelas"}),
            ],
            workers=2,
        )
        outcomes = [(s, b.get("code") if s != 200 else None) for s, b, _ in (accept, revise)]
        winners = [o for o in outcomes if o[0] == 200]
        losers = [o for o in outcomes if o[0] != 200]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert losers[0] in LOSING_ANSWERS, outcomes
        stored = deps().transfers.get(tid)
        assert stored is not None and stored.version == 3
        if accept[0] == 200:
            accepted += 1
            assert stored.state is State.ACCEPTED_BY_DESTINATION and stored.seat_held
        else:
            assert stored.state is State.NEEDS_REVISION and not stored.seat_held
    assert free_seats(api, operator, destination) == 10 - accepted


def test_a_stale_version_in_the_body_is_refused_with_412(api: Api, world: World) -> None:
    family = new_family()
    status, draft, _ = api.call(
        "POST",
        "/v1/transfers",
        family.token,
        factories.transfer_body(world.origin, world.destination),
    )
    assert status == 201 and draft["version"] == 1, draft
    tid = draft["id"]
    clean_parent_documents(tid, family.sub)
    status, sent, _ = api.call("POST", f"/v1/transfers/{tid}/submit", family.token, {"version": 1})
    assert status == 200 and sent["version"] == 2, sent
    seats_before = free_seats(api, family.token, world.destination)

    for token, method, path, body in [
        (world.token("destination_op"), "POST", f"/v1/transfers/{tid}/accept", {"version": 1}),
        (family.token, "POST", f"/v1/transfers/{tid}/cancel", {"version": 1}),
        (
            family.token,
            "PATCH",
            f"/v1/transfers/{tid}",
            {"version": 1, "reason": "Alasan diperbarui sekali"},
        ),
    ]:
        status, problem, headers = api.call(method, path, token, body)
        assert status == 412, problem
        assert problem["code"] == "stale_version" and problem["current_version"] == 2
        assert headers["Content-Type"] == "application/problem+json"

    status, now, _ = api.call("GET", f"/v1/transfers/{tid}", family.token)
    assert (now["state"], now["version"], now["seat_held"]) == ("submitted", 2, False)
    assert free_seats(api, family.token, world.destination) == seats_before
    status, accepted, _ = api.call(
        "POST", f"/v1/transfers/{tid}/accept", world.token("destination_op"), {"version": 2}
    )
    assert status == 200 and accepted["version"] == 3, accepted


@pytest.mark.parametrize("action", [Action.CANCEL, Action.REJECT])
def test_a_closing_step_that_loses_the_race_says_concurrent_update(
    api: Api, world: World, action: Action
) -> None:
    """The losing side of a race, replayed deterministically: a cancel (parent) or reject (staff)
    decided on version 2, committed exactly as service.act builds it, after the destination
    school already accepted (version 3)."""
    family = new_family()
    transfer = submitted(api, family, world.origin, world.destination)
    snapshot = deps().transfers.get(transfer["id"])
    assert snapshot is not None and snapshot.version == 2
    status, moved, _ = api.call(
        "POST", f"/v1/transfers/{transfer['id']}/accept", world.token("destination_op"), {}
    )
    assert status == 200 and moved["version"] == 3, moved
    seats_after_accept = free_seats(api, family.token, world.destination)

    actor = (
        Principal(family.sub, Role.PARENT)
        if action is Action.CANCEL
        else Principal("staff-x", Role.EDUCATION_STAFF)
    )
    outcome = decide(snapshot, action, actor, now=deps().clock.now(), reason="Data tidak sesuai")
    change = Change(
        after=outcome.transfer,
        expected_version=snapshot.version,
        free_seat=outcome.free_seat,
        lock_key=LOCK_PREFIX + snapshot.student.nik_hmac,
        release_lock=outcome.close_request,
    )
    with pytest.raises(Conflict) as lost:
        deps().transfers.commit(change)
    assert lost.value.code == "concurrent_update", lost.value.code

    stored = deps().transfers.get(transfer["id"])
    assert stored is not None and (stored.state, stored.version) == (
        State.ACCEPTED_BY_DESTINATION,
        3,
    )
    assert free_seats(api, family.token, world.destination) == seats_after_accept
    lock = LockModel.get(LOCK_PREFIX + snapshot.student.nik_hmac)  # still held by the request
    assert lock.owner_id == transfer["id"]
