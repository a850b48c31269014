"""Correction of a school's daftar ulang seats by education staff after the announcement."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib.core.clock import FixedClock
from chalicelib.core.notify import RecordingSender
from chalicelib.wiring import deps, use
from tests.api.test_enrolment import ANNOUNCE, confirm, counter, season, token
from tests.support.fixtures import Api


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    fixed = FixedClock(ANNOUNCE + timedelta(hours=13))
    use(dataclasses.replace(deps(), clock=fixed, sender=RecordingSender()))
    try:
        yield fixed
    finally:
        use(None)


@pytest.mark.usefixtures("clock")
def test_staff_lower_the_seats_never_below_confirmations_and_the_counter_decides(api: Api) -> None:
    s = season(seats=3)
    apps = [s.admit(f"parent-seats-{i}") for i in range(3)]
    staff = token("education_staff")
    path = f"/v1/admissions/periods/{s.period.id}/schools/{s.school}/reregistration-seats"
    status, first, _ = confirm(api, apps[0], token("parent", apps[0].parent_sub))
    assert status == 200, first

    status, problem, _ = api.call("PUT", path, staff, {"seats": 0, "reason": "Ruang kelas rusak"})
    assert (status, problem["code"], problem["confirmed"]) == (409, "below_confirmed", 1)
    status, problem, _ = api.call("PUT", path, staff, {"seats": 1, "reason": "x"})
    assert status == 422  # a written reason is required
    for who in ("parent", "school_operator", "admin"):
        status, problem, _ = api.call("PUT", path, token(who, npsn=s.school),
                                      {"seats": 1, "reason": "Ruang kelas rusak"})  # fmt: skip
        assert (status, problem["code"]) == (403, "forbidden_role")

    status, row, _ = api.call("PUT", path, staff, {"seats": 2, "reason": "Satu rombel ditutup"})
    assert status == 200, row
    assert (row["seats"], row["confirmed"], row["left"]) == (2, 1, 1)
    results = [confirm(api, a, token("parent", a.parent_sub)) for a in apps[1:]]
    assert sorted(r[0] for r in results) == [200, 409]
    assert [r[1]["code"] for r in results if r[0] == 409] == ["no_seat"]
    assert (counter(s).seats, counter(s).confirmed) == (2, 2)
    entries, _ = deps().audit.for_subject(f"ppdb-period#{s.period.id}", 10, None)
    assert any(
        e.action == "correct_reregistration_seats" and "Satu rombel ditutup" in e.detail
        for e in entries
    )
    missing = f"/v1/admissions/periods/{s.period.id}/schools/20699999/reregistration-seats"
    status, problem, _ = api.call("PUT", missing, staff, {"seats": 2, "reason": "Uji sekolah lain"})
    assert (status, problem["code"]) == (404, "no_seat_counter")
