"""Races on seats and versions (security brief R-24..R-26; section 8 item 1).

Setup choice: the 50 competing requests are written straight through the repository's own
mapping (``transfers.repository.to_model`` of a draft moved to ``submitted`` by the real
``domain.decide``, plus the open-request lock item that ``service.create`` writes), instead of
50 x (POST /v1/transfers + 4 documents + POST /submit) through the API. Each API transaction costs
~0.3 s on the embedded moto, and this module is about the race, not about the happy path (that is
test_transfer_flow.py). The stale-version test goes through the API end to end (documents are
written through ``deps().documents`` as DocStatus.CLEAN). Every competing request goes through
the chalice test client from a thread pool.
"""

from __future__ import annotations

import functools
import os
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.core.crypto import encrypt_field, keyed_hash
from chalicelib.core.errors import Conflict
from chalicelib.core.ids import new_id
from chalicelib.core.principal import Principal, Role
from chalicelib.documents.domain import DocStatus, Document, clean_key, quarantine_key
from chalicelib.transfers.domain import (
    Action,
    Context,
    Event,
    SchoolRef,
    State,
    Student,
    Transfer,
    decide,
)
from chalicelib.transfers.repository import Change, LockModel, to_model
from chalicelib.transfers.service import LOCK_PREFIX
from chalicelib.wiring import deps
from tests.support import factories
from tests.support.fixtures import Api, World, add_school

pytestmark = pytest.mark.xdist_group("heavy")

Result = tuple[int, Any, dict[str, str]]
PARENT_SLOTS = ("surat_permohonan_orang_tua", "rapor_terakhir", "kartu_keluarga", "akta_kelahiran")


def _ref(npsn: str) -> SchoolRef:
    school = deps().schools.get(npsn)
    assert school is not None
    return SchoolRef(school.npsn, school.name, school.kabkota_code)


def seed_submitted(origin: str, destination: str, count: int, grade: int = 8) -> list[str]:
    """``count`` submitted transfers of different children (and families), as the service
    would have stored them: encrypted NIK, HMAC lock item, version 1."""
    d = deps()
    now, settings = d.clock.now(), d.settings
    src, dst = _ref(origin), _ref(destination)
    ids = []
    for _ in range(count):
        body = factories.transfer_body(origin, destination, grade=grade)
        st, tid = body["student"], new_id()
        parent = Principal(f"parent-{uuid.uuid4().hex[:12]}", Role.PARENT)
        nik_hmac = keyed_hash(settings.nik_hmac_key, st["nik"], "nik")
        student = Student(
            st["name"],
            nik_hmac,
            encrypt_field(settings.pii_key, st["nik"], tid),
            st["nik"][-4:],
            st["nisn"],
            date.fromisoformat(st["birth_date"]),
            st["gender"],
            grade,
        )
        draft = Transfer(
            id=tid,
            parent_sub=parent.sub,
            student=student,
            origin=src,
            destination=dst,
            reason=body["reason"],
            wanted_start_date=date.fromisoformat(body["wanted_start_date"]),
            parent_name=body["parent"]["name"],
            parent_phone="+6281234567890",
            created_at=now,
            state_since=now,
            timeline=(Event(now, "create", None, "draft", "parent", parent.sub),),
        )
        complete = Context(parent_documents_complete=True)
        submitted = decide(draft, Action.SUBMIT, parent, now=now, context=complete).transfer
        assert submitted.state is State.SUBMITTED
        to_model(submitted, None).save()
        LockModel(key=LOCK_PREFIX + nik_hmac, owner_id=tid, created_at=now).save()
        ids.append(tid)
    return ids


@pytest.fixture
def serializable_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the embedded moto as serialisable as DynamoDB is.

    moto applies a TransactWriteItems item by item and rolls a failed one back by putting back a
    deep copy of every touched table taken when it started. Two concurrent transactions on the
    in-process server can therefore undo each other's committed writes (seen here: a 200 accept
    whose transfer item was reverted by a losing transaction's rollback), and readers can see
    writes that are rolled back later. DynamoDB transactions are atomic and serialisable (brief,
    section 6: build on that, test our use of it), so the emulator's table operations are
    serialised for these tests. The requests themselves still run concurrently.
    """
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()

    def serialised(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return method(*args, **kwargs)

        return call

    for name in (
        "transact_write_items",
        "put_item",
        "update_item",
        "delete_item",
        "get_item",
        "query",
        "scan",
        "batch_write_item",
        "batch_get_item",
        "transact_get_items",
    ):
        if hasattr(DynamoDBBackend, name):
            monkeypatch.setattr(DynamoDBBackend, name, serialised(getattr(DynamoDBBackend, name)))


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


def operator_token(npsn: str) -> str:
    from tests.conftest import KEYS

    return KEYS.token(f"op-{uuid.uuid4().hex[:10]}", "school_operator", npsn=npsn)


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
    ids = seed_submitted(world.origin, destination, 50)

    def accept(tid: str) -> Callable[[], Result]:
        return lambda: api.call("POST", f"/v1/transfers/{tid}/accept", operator, {})

    results = race([accept(tid) for tid in ids], workers=16)

    statuses = Counter(status for status, _, _ in results)
    assert statuses == Counter({200: 1, 409: 49}), statuses  # and therefore zero 5xx
    for status, body, headers in results:
        if status == 409:
            assert headers["Content-Type"] == "application/problem+json"
            assert body["status"] == 409 and body["code"], body
    [winner] = [body for status, body, _ in results if status == 200]
    assert winner["state"] == "accepted_by_destination" and winner["seat_held"]

    assert free_seats(api, operator, destination) == 0
    stored = {tid: deps().transfers.get(tid) for tid in ids}
    states = Counter(t.state for t in stored.values() if t is not None)
    assert states == Counter({State.ACCEPTED_BY_DESTINATION: 1, State.SUBMITTED: 49})
    assert stored[winner["id"]].state is State.ACCEPTED_BY_DESTINATION
    losers = [t for tid, t in stored.items() if tid != winner["id"]]
    assert all(t.version == 1 and not t.seat_held for t in losers)  # nothing written for them


def test_an_accept_without_a_free_seat_says_no_seat(api: Api, world: World) -> None:
    destination = add_school(factories.npsn(), seats={8: 0})
    [tid] = seed_submitted(world.origin, destination, 1)
    status, problem, _ = api.call(
        "POST", f"/v1/transfers/{tid}/accept", operator_token(destination), {}
    )
    assert status == 409
    assert problem["code"] == "no_seat", problem


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
    ids = seed_submitted(world.origin, destination, 6)
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
                step("accept", operator, {"version": 1}),
                step("request-revision", staff, {"version": 1, "reason": "Rapor belum jelas"}),
            ],
            workers=2,
        )
        outcomes = [(s, b.get("code") if s != 200 else None) for s, b, _ in (accept, revise)]
        assert sorted(s for s, _ in outcomes) != [200, 200], outcomes
        winners = [o for o in outcomes if o[0] == 200]
        losers = [o for o in outcomes if o[0] != 200]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        assert losers[0] in LOSING_ANSWERS, outcomes
        stored = deps().transfers.get(tid)
        assert stored is not None and stored.version == 2
        if accept[0] == 200:
            accepted += 1
            assert stored.state is State.ACCEPTED_BY_DESTINATION and stored.seat_held
        else:
            assert stored.state is State.NEEDS_REVISION and not stored.seat_held
    assert free_seats(api, operator, destination) == 10 - accepted


def _clean_parent_documents(transfer_id: str, uploader: str) -> None:
    d = deps()
    ref, now = f"transfer#{transfer_id}", d.clock.now()
    for slot in PARENT_SLOTS:
        doc_id = new_id()
        doc = Document(
            ref,
            doc_id,
            slot,
            "application/pdf",
            DocStatus.PENDING_UPLOAD,
            uploader,
            "parent",
            now,
            now + timedelta(minutes=10),
            quarantine_key(ref, doc_id),
        )
        d.documents.create(doc)
        d.documents.settle(
            doc,
            DocStatus.CLEAN,
            size=len(factories.PDF),
            clean_key=clean_key(ref, doc_id),
            reason=None,
        )


def test_a_stale_version_in_the_body_is_refused_with_412(api: Api, world: World) -> None:
    parent = world.token("parent")
    status, draft, _ = api.call(
        "POST", "/v1/transfers", parent, factories.transfer_body(world.origin, world.destination)
    )
    assert status == 201 and draft["version"] == 1, draft
    tid = draft["id"]
    _clean_parent_documents(tid, "parent")
    status, submitted, _ = api.call("POST", f"/v1/transfers/{tid}/submit", parent, {"version": 1})
    assert status == 200 and submitted["version"] == 2, submitted
    seats_before = free_seats(api, parent, world.destination)

    for token, path, body in [
        (world.token("destination_op"), f"/v1/transfers/{tid}/accept", {"version": 1}),
        (parent, f"/v1/transfers/{tid}/cancel", {"version": 1}),
        (parent, f"/v1/transfers/{tid}", {"version": 1, "reason": "Alasan diperbarui sekali"}),
    ]:
        method = "PATCH" if path.endswith(tid) else "POST"
        status, problem, headers = api.call(method, path, token, body)
        assert status == 412, problem
        assert problem["code"] == "stale_version" and problem["current_version"] == 2
        assert headers["Content-Type"] == "application/problem+json"

    status, now, _ = api.call("GET", f"/v1/transfers/{tid}", parent)
    assert (now["state"], now["version"], now["seat_held"]) == ("submitted", 2, False)
    assert free_seats(api, parent, world.destination) == seats_before
    status, accepted, _ = api.call(
        "POST", f"/v1/transfers/{tid}/accept", world.token("destination_op"), {"version": 2}
    )
    assert status == 200 and accepted["version"] == 3, accepted


def test_a_cancel_that_loses_the_race_says_concurrent_update(api: Api, world: World) -> None:
    """The losing side of a race, replayed deterministically: the parent's cancel was decided on
    version 1 (exactly as service.act builds it) while staff already moved the request."""
    [tid] = seed_submitted(world.origin, world.destination, 1)
    snapshot = deps().transfers.get(tid)
    assert snapshot is not None
    status, revised, _ = api.call(
        "POST",
        f"/v1/transfers/{tid}/request-revision",
        world.token("staff"),
        {"reason": "Kartu keluarga buram"},
    )
    assert status == 200 and revised["version"] == 2, revised

    owner = Principal(snapshot.parent_sub, Role.PARENT)
    outcome = decide(snapshot, Action.CANCEL, owner, now=deps().clock.now())
    change = Change(
        after=outcome.transfer,
        expected_version=snapshot.version,
        free_seat=outcome.free_seat,
        lock_key=LOCK_PREFIX + snapshot.student.nik_hmac,
        release_lock=outcome.close_request,
    )
    with pytest.raises(Conflict) as lost:
        deps().transfers.commit(change)
    stored = deps().transfers.get(tid)
    assert stored is not None and stored.state is State.NEEDS_REVISION  # nothing written
    assert lost.value.code == "concurrent_update", lost.value.code
