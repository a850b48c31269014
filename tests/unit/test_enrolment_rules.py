"""Daftar ulang rules (chalicelib.admission_enrolment.domain): who may confirm when, the WIB dates
of the reminders, what is released, and the tahap 2 seats."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.admission_enrolment import domain
from chalicelib.admission_enrolment.domain import ReminderKind
from chalicelib.admissions.application import Application, AppStatus, Outcome
from chalicelib.admissions.records import PeriodRecord, SeatCounter
from chalicelib.core.clock import WIB
from chalicelib.core.errors import Conflict, InvalidTransition
from tests.support.ppdb import T0, application, period_record

# smp_routes(T0): announcement 2027-06-08 13:00 UTC (20:00 WIB), deadline 2027-06-11 01:00 UTC
# (08:00 WIB) for every route.
ANNOUNCE = T0 + timedelta(days=7, hours=12)
DEADLINE = T0 + timedelta(days=10)
NPSN = "20606901"


def wib(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WIB)


def announced_period() -> PeriodRecord:
    return period_record(announced_run=1)


def admitted(
    period: PeriodRecord, status: AppStatus = AppStatus.ADMITTED, route: str = "domisili"
) -> Application:
    outcome = Outcome(run=1, school=NPSN, route=route, ranks=(1,), cutoffs=(None,),
                      values=((0.0,),))  # fmt: skip
    return application(period, status=status, route=route, choices=(NPSN,), outcome=outcome)


def with_deadline(period: PeriodRecord, deadline: datetime) -> PeriodRecord:
    routes = tuple(replace(r, reregister_by=deadline) for r in period.config.routes)
    return replace(period, config=replace(period.config, routes=routes))


# -- confirm ------------------------------------------------------------------------------------


def test_an_admitted_applicant_may_confirm_between_announcement_and_deadline() -> None:
    period = announced_period()
    app = admitted(period)
    for now in (ANNOUNCE, DEADLINE - timedelta(seconds=1)):
        assert domain.check_confirmable(app, period, now).id == "domisili"
    after = domain.confirmed(app, "parent", ANNOUNCE)
    assert after.status is AppStatus.CONFIRMED and after.confirmed_at == ANNOUNCE
    assert after.history[-1] == ("confirmed", "parent", ANNOUNCE)


def test_nothing_can_be_confirmed_before_the_announcement_whatever_the_status() -> None:
    unannounced = period_record()
    for status in (AppStatus.ADMITTED, AppStatus.NOT_ADMITTED, AppStatus.CONFIRMED):
        app = admitted(unannounced, status)
        with pytest.raises(Conflict) as err:
            domain.check_confirmable(app, unannounced, ANNOUNCE + timedelta(days=1))
        assert err.value.code == "not_announced"
    period = announced_period()
    with pytest.raises(Conflict) as err:
        domain.check_confirmable(admitted(period), period, ANNOUNCE - timedelta(seconds=1))
    assert err.value.code == "not_announced"


def test_the_deadline_itself_is_too_late() -> None:
    period = announced_period()
    with pytest.raises(Conflict) as err:
        domain.check_confirmable(admitted(period), period, DEADLINE)
    assert err.value.code == "reregistration_closed"


def test_a_second_confirmation_says_already_confirmed() -> None:
    period = announced_period()
    with pytest.raises(Conflict) as err:
        domain.check_confirmable(admitted(period, AppStatus.CONFIRMED), period, ANNOUNCE)
    assert err.value.code == "already_confirmed"


@pytest.mark.parametrize(
    "status", [AppStatus.NOT_ADMITTED, AppStatus.REGISTERED, AppStatus.VERIFIED]
)
def test_only_admitted_applicants_can_confirm(status: AppStatus) -> None:
    period = announced_period()
    app = admitted(period, status)
    if status is not AppStatus.REGISTERED:
        app = replace(app, outcome=None)
    with pytest.raises(InvalidTransition) as err:
        domain.check_confirmable(app, period, ANNOUNCE)
    assert err.value.code == "invalid_transition"
    assert err.value.extra["state"] == status.value


# -- reminders ----------------------------------------------------------------------------------


def test_reminders_fall_two_days_before_and_on_the_last_day_from_0700_wib() -> None:
    period = announced_period()  # deadline 2027-06-11 08:00 WIB
    route = period.config.routes[0]
    expected = {
        wib(2027, 6, 8, 7): None,  # d-3 (and before the announcement)
        wib(2027, 6, 9, 6, 59): None,  # d-2 but before 07:00 WIB
        wib(2027, 6, 9, 7): ReminderKind.TWO_DAYS_BEFORE,
        wib(2027, 6, 9, 23, 59): ReminderKind.TWO_DAYS_BEFORE,  # a late rerun, same day
        wib(2027, 6, 10, 7): None,  # d-1
        wib(2027, 6, 11, 6, 59): None,
        wib(2027, 6, 11, 7): ReminderKind.LAST_DAY,
        wib(2027, 6, 11, 8): None,  # the deadline passed
    }
    got = {now: domain.reminder_due(period, route, now) for now in expected}
    assert got == expected


def test_the_0700_wib_run_is_midnight_utc() -> None:
    period = announced_period()
    route = period.config.routes[0]
    assert domain.reminder_due(period, route, datetime(2027, 6, 9, 0, 0, tzinfo=UTC)) == (
        ReminderKind.TWO_DAYS_BEFORE
    )
    assert domain.reminder_due(period, route, datetime(2027, 6, 8, 23, 59, tzinfo=UTC)) is None


def test_a_deadline_at_midnight_wib_makes_the_day_before_the_last_day() -> None:
    midnight = wib(2027, 6, 12, 0)
    assert domain.last_day(midnight) == date(2027, 6, 11)
    assert domain.last_day(wib(2027, 6, 12, 0, 1)) == date(2027, 6, 12)
    period = with_deadline(announced_period(), midnight)
    route = period.config.routes[0]
    assert domain.reminder_due(period, route, wib(2027, 6, 9, 7)) is ReminderKind.TWO_DAYS_BEFORE
    assert domain.reminder_due(period, route, wib(2027, 6, 11, 7)) is ReminderKind.LAST_DAY
    assert domain.reminder_due(period, route, wib(2027, 6, 12, 7)) is None


def test_no_reminder_before_the_results_are_announced() -> None:
    period = period_record()  # no announced run
    assert domain.reminder_due(period, period.config.routes[0], wib(2027, 6, 9, 7)) is None


# -- release and tahap 2 ------------------------------------------------------------------------


def test_routes_are_released_once_their_own_deadline_passed() -> None:
    period = announced_period()
    early = replace(period.config.routes[0], reregister_by=DEADLINE - timedelta(days=1))
    period = replace(
        period, config=replace(period.config, routes=(early, *period.config.routes[1:]))
    )
    assert domain.routes_to_release(period, DEADLINE - timedelta(seconds=1)) == {"afirmasi"}
    assert domain.routes_to_release(period, DEADLINE) == {r.id for r in period.config.routes}
    assert domain.routes_to_release(replace(period, released_at=DEADLINE), DEADLINE) == set()
    assert domain.routes_to_release(replace(period, announced_run=None), DEADLINE) == set()


def test_only_unconfirmed_admitted_applicants_of_passed_routes_are_released() -> None:
    period = announced_period()
    routes = frozenset({"domisili"})
    assert domain.must_release(admitted(period), routes)
    assert not domain.must_release(admitted(period, AppStatus.CONFIRMED), routes)
    assert not domain.must_release(admitted(period, route="prestasi"), routes)
    released = domain.released(admitted(period), DEADLINE)
    assert released.status is AppStatus.RELEASED and released.history[-1][1] == "system"


def test_leftover_seats_are_the_unconfirmed_seats_of_each_school() -> None:
    counters = [
        SeatCounter("p", "20606901", seats=32, confirmed=30),
        SeatCounter("p", "20606902", seats=10, confirmed=10),
        SeatCounter("p", "20606903", seats=5, confirmed=0),
        SeatCounter("p", "20606904", seats=1, confirmed=3),  # seats lowered below: never negative
    ]
    assert domain.leftover_seats(counters) == {
        "20606901": 2,
        "20606902": 0,
        "20606903": 5,
        "20606904": 0,
    }
    assert domain.leftover_seats([]) == {}
