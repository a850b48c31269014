"""Daftar ulang under concurrency (issue 3 section 6; security brief section 8 item 1): never
more confirmations than seats, never a confirmation counted twice, never a 5xx.

The race for the last seat: after the announcement the office lowers a school's daftar ulang
seats to 1 (``put_seat_counter``) while 100 applicants are admitted there, and all 100 families
confirm at once. The requests go through the one chalice test client from a thread pool (as in
tests/api/test_concurrency.py), with the embedded DynamoDB serialised like the real one
(``serializable_dynamodb``).
"""

from __future__ import annotations

import dataclasses
import os
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.admissions.application import AppStatus
from chalicelib.admissions.records import SeatCounter
from chalicelib.core.clock import FixedClock
from chalicelib.core.notify import RecordingSender
from chalicelib.wiring import deps, use
from tests.api.test_enrolment import ANNOUNCE, Season, counter, season, token
from tests.support.fixtures import Api

pytestmark = pytest.mark.xdist_group("heavy")

Result = tuple[int, Any, dict[str, str]]


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    fixed = FixedClock(ANNOUNCE + timedelta(hours=13))
    use(dataclasses.replace(deps(), clock=fixed, sender=RecordingSender()))
    try:
        yield fixed
    finally:
        use(None)


def race(calls: list[Callable[[], Result]], workers: int) -> list[Result]:
    """Run the calls from a thread pool; when every call has its own thread they start together
    (a barrier). chalice.test swaps ``os.environ`` per request, so the real mapping is put back
    afterwards (see tests/api/test_concurrency.py)."""
    saved = os.environ
    gate = threading.Barrier(len(calls)) if len(calls) <= workers else None

    def run(call: Callable[[], Result]) -> Result:
        if gate is not None:
            gate.wait(timeout=30)
        return call()

    try:
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(run, calls))
    finally:
        os.environ = saved  # noqa: B003 - restoring the very same object, not clearing


def confirm_call(api: Api, application_id: str, tok: str, **headers: str) -> Callable[[], Result]:
    path = f"/v1/admissions/applications/{application_id}/confirm"
    return lambda: api.call("POST", path, tok, {}, headers=headers or None)


@pytest.mark.usefixtures("serializable_dynamodb")
def test_a_hundred_families_racing_for_the_last_seat_confirm_exactly_one(
    api: Api, clock: FixedClock
) -> None:
    s: Season = season(seats=100)
    families = [f"parent-{uuid.uuid4().hex[:12]}" for _ in range(100)]
    apps = [s.admit(sub) for sub in families]
    deps().admissions.put_seat_counter(SeatCounter(s.period.id, s.school, seats=1, confirmed=0))

    calls = [
        confirm_call(api, a.id, token("parent", sub)) for a, sub in zip(apps, families, strict=True)
    ]
    results = race(calls, workers=16)

    statuses = Counter(status for status, _, _ in results)
    assert statuses == Counter({200: 1, 409: 99}), statuses  # and therefore zero 5xx
    codes = Counter(body["code"] for status, body, _ in results if status == 409)
    assert codes == Counter({"no_seat": 99}), codes
    assert all(h["Content-Type"] == "application/problem+json" for st, _, h in results if st == 409)
    assert counter(s) == SeatCounter(s.period.id, s.school, seats=1, confirmed=1)
    [winner] = [body["id"] for status, body, _ in results if status == 200]
    stored = {a.id: deps().admissions.get_application(a.id) for a in apps}
    assert Counter(a.status for a in stored.values() if a) == Counter(
        {AppStatus.CONFIRMED: 1, AppStatus.ADMITTED: 99}
    )
    assert stored[winner] is not None and stored[winner].status is AppStatus.CONFIRMED  # type: ignore[union-attr]
    assert all(a.version == 1 for aid, a in stored.items() if a and aid != winner)


@pytest.mark.usefixtures("serializable_dynamodb")
@pytest.mark.parametrize("same_key", [False, True], ids=["no-key", "one-idempotency-key"])
def test_ten_concurrent_confirmations_of_one_application_count_once(
    api: Api, clock: FixedClock, same_key: bool
) -> None:
    s = season(seats=5)
    sub = f"parent-{uuid.uuid4().hex[:12]}"
    app = s.admit(sub)
    tok = token("parent", sub)
    key = {"Idempotency-Key": str(uuid.uuid4())} if same_key else {}

    results = race([confirm_call(api, app.id, tok, **key) for _ in range(10)], workers=10)

    assert all(status < 500 for status, _, _ in results), results
    ok = [body for status, body, _ in results if status == 200]
    losers = {(status, body["code"]) for status, body, _ in results if status != 200}
    assert ok and all(body["status"] == "confirmed" for body in ok)
    if not same_key:
        assert len(ok) == 1, results
        assert losers <= {(409, "already_confirmed"), (409, "concurrent_update")}, losers
    else:  # replays of the one execution, or "still in progress" while it ran
        assert len({body["version"] for body in ok}) == 1
        assert all(status == 409 for status, _ in losers), losers
    assert counter(s).confirmed == 1
    stored = deps().admissions.get_application(app.id)
    assert stored is not None and (stored.status, stored.version) == (AppStatus.CONFIRMED, 2)
