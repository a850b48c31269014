"""Routes closed and announced one after the other (Kota Tangerang's calendar): each closed
prefix of routes is allocated when it closes, afirmasi is announced before domisili opens, a
child not admitted there registers in domisili, and the later run never changes an announced
result."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.admission_results import jobs
from chalicelib.admissions.application import Application, AppStatus, Review
from chalicelib.core.clock import FixedClock
from chalicelib.core.ids import new_id
from chalicelib.core.notify import RecordingSender
from chalicelib.documents.domain import DocStatus, Document, clean_key, quarantine_key
from chalicelib.wiring import deps, use
from tests.support import factories
from tests.support.fixtures import Api
from tests.support.ppdb import (
    T0,
    application,
    period_record,
    period_school,
    smp_routes,
    store_application,
    store_period,
    take_allocation_messages,
)


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    fixed = FixedClock(T0)
    use(dataclasses.replace(deps(), clock=fixed, sender=RecordingSender()))
    try:
        yield fixed
    finally:
        use(None)


def run_queued(pid: str) -> list[dict[str, Any]]:
    """Take this period's messages off the allocations queue and run them as the worker would."""
    mine = take_allocation_messages(pid)
    for message in mine:
        jobs.allocate(message, deps())
    return mine


def verified_documents(app: Application) -> Application:
    """Clean, verified KK, akta and ijazah, as after a real verification."""
    d = deps()
    ref, reviews = f"ppdb#{app.id}", []
    for slot in ("kartu_keluarga", "akta_kelahiran", "ijazah_skl"):
        doc_id, now = new_id(), d.clock.now()
        doc = Document(ref, doc_id, slot, "application/pdf", DocStatus.PENDING_UPLOAD,
                       app.parent_sub, "parent", now, now + timedelta(minutes=10),
                       quarantine_key(ref, doc_id))  # fmt: skip
        d.documents.create(doc)
        d.documents.settle(doc, DocStatus.CLEAN, size=10, clean_key=clean_key(ref, doc_id),
                           reason=None)  # fmt: skip
        reviews.append(Review(doc_id, slot, "verified", "", "op", "school_operator", now))
    return dataclasses.replace(app, reviews=tuple(reviews))


def test_each_closed_route_is_allocated_and_announced_in_turn(api: Api, clock: FixedClock) -> None:
    from tests.conftest import KEYS

    routes = tuple(
        dataclasses.replace(r, announce_at=r.closes_at + timedelta(hours=2),
                            reregister_by=r.closes_at + timedelta(days=2))
        for r in smp_routes(T0)
    )  # fmt: skip
    period = period_record()
    period = dataclasses.replace(period, config=dataclasses.replace(period.config, routes=routes))
    school = factories.npsn()
    period = store_period(deps().admissions, period, [period_school(school, period, capacity=4)])
    seats = period_school(school, period, capacity=4).seats
    assert (seats["afirmasi"], seats["domisili"]) == (1, 2)

    def registered(route: str, name: str, zone: float, seq: int) -> Application:
        app = application(period, status=AppStatus.REGISTERED, route=route, choices=(school,),
                          seq=seq, name=name, verifier_npsn=school,
                          choice_attrs=({"distance_m": 900.0, "domicile_score": 4.0,
                                         "zone_score": zone},))  # fmt: skip
        return store_application(deps().admissions, verified_documents(app))

    best = registered("afirmasi", "Anak Afirmasi Satu", 2.0, 1)
    second = registered("afirmasi", "Anak Afirmasi Dua", 1.0, 2)
    local = registered("domisili", "Anak Domisili", 0.0, 3)
    afirmasi, domisili = routes[0], routes[2]

    clock.at = afirmasi.closes_at + timedelta(minutes=1)
    jobs.tick(deps())
    [first_run] = run_queued(period.id)
    assert (first_run["run"], first_run["routes"]) == (1, 1)
    got = {a.id: deps().admissions.get_application(a.id) for a in (best, second, local)}
    assert got[best.id].status is AppStatus.ADMITTED  # type: ignore[union-attr]
    assert got[second.id].status is AppStatus.NOT_ADMITTED  # type: ignore[union-attr]
    assert got[local.id].outcome is None  # type: ignore[union-attr]

    clock.at = afirmasi.announce_at + timedelta(minutes=1)  # before domisili even opens
    jobs.tick(deps())
    stored = deps().admissions.get_period(period.id)
    assert stored is not None and stored.announced_run == 1
    parent = KEYS.token(second.parent_sub, "parent")
    status, result, _ = api.call("GET", f"/v1/admissions/applications/{second.id}/result", parent)
    assert status == 200 and result["admitted"] is False, result

    clock.at = domisili.opens_at + timedelta(hours=1)  # the child tries domisili
    status, moved, _ = api.call(
        "PUT", f"/v1/admissions/applications/{second.id}/registration", parent,
        {"route": "domisili", "choices": [school]},
    )  # fmt: skip
    assert status == 200, moved
    assert moved["status"] == "registered" and moved["registration"]["route"] == "domisili"
    status, problem, _ = api.call(
        "PUT", f"/v1/admissions/applications/{best.id}/registration",
        KEYS.token(best.parent_sub, "parent"), {"route": "domisili", "choices": [school]},
    )  # fmt: skip
    assert (status, problem["code"]) == (409, "not_verified")  # admitted: nothing to retry

    before = deps().admissions.get_application(best.id)
    clock.at = domisili.closes_at + timedelta(minutes=1)
    jobs.tick(deps())
    [second_run] = run_queued(period.id)
    assert (second_run["run"], second_run["routes"]) == (2, 3)
    after = {a.id: deps().admissions.get_application(a.id) for a in (best, second, local)}
    assert after[best.id] == before  # announced: never rewritten
    for aid in (second.id, local.id):
        app = after[aid]
        assert app is not None and app.status is AppStatus.ADMITTED
        assert app.outcome is not None and (app.outcome.run, app.outcome.route) == (2, "domisili")
    status, hidden, _ = api.call("GET", f"/v1/admissions/applications/{second.id}/result", parent)
    assert (status, hidden["code"]) == (409, "not_announced")  # domisili's time has not come
    clock.at = domisili.announce_at + timedelta(minutes=1)
    jobs.tick(deps())
    status, result, _ = api.call("GET", f"/v1/admissions/applications/{second.id}/result", parent)
    assert status == 200 and result["admitted"] is True and result["route"] == "domisili"
