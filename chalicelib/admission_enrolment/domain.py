"""Daftar ulang (re-registration) rules. Pure: no I/O, no clock (``now`` is always passed in).

- **Confirm.** Only an applicant the final allocation admitted, only once its result is announced
  (the period has an announced run and the route's announcement time has passed) and only before
  the route's ``reregister_by``. The seat itself is counted by the school's daftar ulang counter
  in the same transaction as the application (condition ``confirmed < seats``), so there are never
  more confirmations than seats, whatever the concurrency.
- **Reminders.** At 07:00 WIB on the WIB date two days before the last day ("d-2") and on the
  last day itself ("d-0"). The last day is the WIB date of the last instant before the deadline
  (a deadline at 00:00 WIB means the day before was the last day). A run before 07:00 WIB sends
  nothing (the scheduled run will), a run after the deadline sends nothing (it is too late).
- **Release.** Once a route's deadline has passed, its still-admitted applicants are released;
  the seats they leave (``seats - confirmed`` per school) are the seats of tahap 2.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from chalicelib.admissions.application import Application, AppStatus, route_of
from chalicelib.admissions.domain import Route
from chalicelib.admissions.records import PeriodRecord, SeatCounter
from chalicelib.core.clock import WIB, wib_date
from chalicelib.core.errors import Conflict, InvalidTransition

REMINDER_TIME = time(7, 0)  # WIB
BEFORE_RESULTS = frozenset(
    {AppStatus.DRAFT, AppStatus.SUBMITTED, AppStatus.NEEDS_FIX, AppStatus.VERIFIED}
)


class ReminderKind(StrEnum):
    TWO_DAYS_BEFORE = "d-2"
    LAST_DAY = "d-0"


def result_route(period: PeriodRecord, app: Application) -> Route | None:
    """The route whose announcement and deadline apply to this application's result."""
    route_id = app.outcome.route if app.outcome is not None else None
    if route_id is None and app.registration is not None:
        route_id = app.registration.route
    return None if route_id is None else route_of(period.config, route_id)


def announced(period: PeriodRecord, route: Route, now: datetime) -> bool:
    return period.announced_run is not None and now >= route.announce_at


def check_confirmable(app: Application, period: PeriodRecord, now: datetime) -> Route:
    """The route of an application that may be confirmed now.

    Raises InvalidTransition (``invalid_transition``: not registered, not admitted, released),
    Conflict ``not_announced`` (checked before the status, so nothing of an unannounced result
    leaks), ``already_confirmed`` or ``reregistration_closed``.
    """
    route = result_route(period, app)
    if app.status in BEFORE_RESULTS or route is None:
        raise _not_allowed(app)
    if not announced(period, route, now):
        raise Conflict("not_announced", "Hasil seleksi jalur ini belum diumumkan.")
    if app.status is AppStatus.CONFIRMED:
        raise Conflict("already_confirmed", "Daftar ulang anak ini sudah tercatat.")
    if now >= route.reregister_by:
        raise Conflict("reregistration_closed", "Batas waktu daftar ulang sudah lewat.")
    if app.status is not AppStatus.ADMITTED or app.outcome is None or not app.outcome.school:
        raise _not_allowed(app)
    return route


def _not_allowed(app: Application) -> InvalidTransition:
    return InvalidTransition(
        "invalid_transition",
        "Daftar ulang hanya untuk pendaftar yang diterima.",
        allowed=[],
        state=app.status.value,
    )


def confirmed(app: Application, role: str, now: datetime) -> Application:
    return replace(app.moved(AppStatus.CONFIRMED, role, now), confirmed_at=now)


def last_day(deadline: datetime) -> date:
    """The last WIB calendar day on which daftar ulang is still possible."""
    return wib_date(deadline - timedelta(microseconds=1))


def reminder_due(period: PeriodRecord, route: Route, now: datetime) -> ReminderKind | None:
    """Which reminder (if any) the run at ``now`` sends for the route's admitted applicants."""
    if not announced(period, route, now) or now >= route.reregister_by:
        return None
    today = wib_date(now)
    if now < datetime.combine(today, REMINDER_TIME, tzinfo=WIB):
        return None
    days_left = (last_day(route.reregister_by) - today).days
    if days_left == 2:
        return ReminderKind.TWO_DAYS_BEFORE
    if days_left == 0:
        return ReminderKind.LAST_DAY
    return None


def routes_to_release(period: PeriodRecord, now: datetime) -> frozenset[str]:
    """Routes of an announced period whose daftar ulang deadline has passed."""
    if period.announced_run is None or period.released_at is not None:
        return frozenset()
    return frozenset(r.id for r in period.config.routes if now >= r.reregister_by)


def must_release(app: Application, routes: frozenset[str]) -> bool:
    return (
        app.status is AppStatus.ADMITTED and app.outcome is not None and app.outcome.route in routes
    )


def released(app: Application, now: datetime) -> Application:
    return app.moved(AppStatus.RELEASED, "system", now)


def leftover_seats(counters: Iterable[SeatCounter]) -> dict[str, int]:
    """Tahap 2 seats per school: the daftar ulang seats nobody confirmed (never negative).

    Meant for after the release (``PeriodRecord.released_at`` set); before it the numbers still
    include seats that admitted applicants may confirm.
    """
    return {c.npsn: max(c.seats - c.confirmed, 0) for c in counters}
