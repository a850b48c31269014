"""Families are told when their route's result is announced: one inbox item and push per
registration, once, queued by the tick and written by the allocations worker."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pytest

from chalicelib.admission_results import jobs
from chalicelib.admissions.application import AppStatus, Outcome
from chalicelib.core.clock import FixedClock
from chalicelib.core.notify import RecordingSender
from chalicelib.wiring import deps, use
from tests.support import factories
from tests.support.ppdb import (
    T0,
    application,
    period_record,
    period_school,
    store_application,
    store_period,
    take_allocation_messages,
)


@pytest.fixture
def sender() -> Iterator[RecordingSender]:
    recording = RecordingSender()
    use(dataclasses.replace(deps(), clock=FixedClock(T0), sender=recording))
    try:
        yield recording
    finally:
        use(None)


def test_each_family_is_told_once_when_its_route_is_announced(sender: RecordingSender) -> None:
    d = deps()
    period = period_record(
        announced_run=1, allocation_run=1, allocation_requested=1, allocation_routes=4
    )
    school = factories.npsn()
    period = store_period(d.admissions, period, [period_school(school, period, name="SMPN X")])
    admitted = Outcome(1, school, "domisili", (3,), (None,), ((5.0,),))
    refused = Outcome(1, None, "domisili", (40,), ((5.0,),), ((2.0,),))
    apps = [
        store_application(d.admissions, application(
            period, status=status, route="domisili", choices=(school,), outcome=outcome,
            name=name))
        for status, outcome, name in [(AppStatus.ADMITTED, admitted, "Budi Utomo"),
                                      (AppStatus.NOT_ADMITTED, refused, "Sari Dewi")]
    ]  # fmt: skip
    announce_at = period.config.routes[0].announce_at

    d.clock.at = announce_at - timedelta(minutes=1)  # type: ignore[attr-defined]
    jobs.tick(deps())
    assert take_allocation_messages(period.id) == []

    d.clock.at = announce_at + timedelta(minutes=1)  # type: ignore[attr-defined]
    jobs.tick(deps())
    mine = take_allocation_messages(period.id)
    assert {m["route"] for m in mine} == {r.id for r in period.config.routes}
    stored = d.admissions.get_period(period.id)
    assert stored is not None and set(stored.notified_routes) == {
        r.id for r in period.config.routes
    }
    jobs.tick(deps())  # nothing is queued twice
    assert take_allocation_messages(period.id) == []

    for message in mine:
        jobs.allocate(message, deps())
    for message in mine:  # a redelivery writes and pushes nothing again
        jobs.allocate(message, deps())
    pushed = {n.recipient: n for n in sender.sent}
    assert set(pushed) == {f"user#{a.parent_sub}" for a in apps}
    assert len(sender.sent) == 2
    assert "Budi Utomo diterima di SMPN X" in pushed[f"user#{apps[0].parent_sub}"].body
    assert "belum diterima" in pushed[f"user#{apps[1].parent_sub}"].body
    items, _ = d.inbox.list(f"user#{apps[0].parent_sub}", 10, None)
    assert [i.kind for i in items] == ["ppdb.result"]
