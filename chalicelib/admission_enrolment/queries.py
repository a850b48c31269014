"""Read side of daftar ulang: tahap 2 seats, statistics, and the Query-only iterations the jobs
share (periods, the schools of a period, a school's result list). Never a Scan.

Statistics are computed from Queries and cached as ONE item per period (``period#<pid>`` /
``stats``, zlib-compressed JSON, a few KB for 300 schools), refreshed by the 15-minute
``admission_release`` job while the period runs (jobs.refresh_statistics). Readers cost one
GetItem: the public endpoint never computes (404 ``statistics_not_available`` until the first
snapshot with a registration exists); the staff/operator endpoint computes and stores the
snapshot once when it is missing.

Cost of one computation (SMP 2023: 26,047 registrations, 34 schools, 4 routes): every
registration of every route through the by_route index (1 MB pages, about 13,000 read units
for 3 KB items, eventually consistent), plus per school one Query of its verification queue and
one of its not-yet-registered applications (``preregistered``). At 96 runs a day that is about
1.3 million read units a day during the season, and nothing once the period is released.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import chain

from chalicelib.admission_enrolment import domain, statistics
from chalicelib.admission_enrolment.schemas import (
    LeftoverSchool,
    LeftoverSeats,
    PeriodStatistics,
    RouteStatistics,
    SchoolStatistics,
)
from chalicelib.admission_enrolment.statistics import RouteTally, Snapshot
from chalicelib.admissions.application import Application
from chalicelib.admissions.periods import load_period
from chalicelib.admissions.records import PeriodRecord
from chalicelib.core.errors import NotFound
from chalicelib.core.principal import Principal, Role
from chalicelib.wiring import Deps

PAGE = 100


# -- iterations shared with the jobs ------------------------------------------------------------


def periods(deps: Deps) -> Iterator[PeriodRecord]:
    after = None
    while True:
        items, after = deps.admissions.list_periods(PAGE, after)
        yield from items
        if not after:
            return


def school_names(deps: Deps, period: PeriodRecord) -> dict[str, str]:
    """NPSN -> name of the period's live school import (empty before an import)."""
    if period.schools_import is None:
        return {}
    schools = deps.admissions.schools(period.id, period.schools_import, cached=True)
    return {s.npsn: s.name for s in schools}


def school_ids(deps: Deps, period: PeriodRecord) -> list[str]:
    """Every school of the period: its import and any school with a daftar ulang counter."""
    counters = [c.npsn for c in deps.admissions.seat_counters(period.id)]
    return sorted(set(school_names(deps, period)) | set(counters))


def queue(deps: Deps, key: str) -> Iterator[Application]:
    after = None
    while True:
        items, after = deps.admissions.queue(key, PAGE, after)
        yield from items
        if not after:
            return


def school_results(deps: Deps, period_id: str, npsn: str) -> Iterator[Application]:
    """Admitted, confirmed and released applications of a school (GSI ``queue``)."""
    return queue(deps, f"school#{period_id}#{npsn}")


# -- tahap 2 seats ------------------------------------------------------------------------------


def find_period(period_id: str, deps: Deps) -> PeriodRecord:
    """The period, or 404; odd ids (or a pasted NIK) are never looked up."""
    return load_period(period_id, deps)


def leftover(period_id: str, deps: Deps, actor: Principal) -> LeftoverSeats:
    """Seats, confirmations and seats left per school (read-only). ``final`` once the
    unconfirmed seats were released: the ``left`` numbers are then the tahap 2 seats.
    A school operator sees their own school only (items and totals); staff see every school."""
    period = find_period(period_id, deps)
    counters = sorted(deps.admissions.seat_counters(period.id), key=lambda c: c.npsn)
    if actor.role is Role.SCHOOL_OPERATOR:
        counters = [c for c in counters if c.npsn == actor.npsn]
    left = domain.leftover_seats(counters)
    names = school_names(deps, period)
    items = [
        LeftoverSchool(
            npsn=c.npsn,
            name=names.get(c.npsn, ""),
            seats=c.seats,
            confirmed=c.confirmed,
            left=left[c.npsn],
        )
        for c in counters
    ]
    return LeftoverSeats(
        period_id=period.id,
        final=period.released_at is not None,
        released_at=period.released_at,
        seats=sum(i.seats for i in items),
        confirmed=sum(i.confirmed for i in items),
        left=sum(i.left for i in items),
        items=items,
    )


# -- statistics ---------------------------------------------------------------------------------


def compute_statistics(period: PeriodRecord, deps: Deps, now: datetime) -> Snapshot:
    """Tally the period from Queries: registrations per route, and per school its
    not-yet-registered applications (every status before registration)."""
    schools = school_ids(deps, period)
    routes = [r.id for r in period.config.routes]
    apps: Iterable[Application] = chain(
        chain.from_iterable(deps.admissions.registered(period.id, r) for r in routes),
        chain.from_iterable(deps.admissions.preregistered(period.id, npsn) for npsn in schools),
    )
    return statistics.tally(period.id, routes, schools, apps, now)


def refresh_statistics(period: PeriodRecord, deps: Deps, now: datetime) -> Snapshot:
    snap = compute_statistics(period, deps, now)
    deps.admissions.put_statistics(period.id, statistics.dump(snap))
    return snap


def _snapshot(period: PeriodRecord, deps: Deps) -> Snapshot | None:
    data = deps.admissions.get_statistics(period.id)
    return None if data is None else statistics.load(data)


def staff_statistics(period_id: str, actor: Principal, deps: Deps) -> PeriodStatistics:
    """Education staff: every school, result counts always. Operators: their school's row only,
    result counts once the route is announced."""
    period = find_period(period_id, deps)
    now = deps.clock.now()
    snap = _snapshot(period, deps) or refresh_statistics(period, deps, now)
    only = (actor.npsn or "-") if actor.role is Role.SCHOOL_OPERATOR else None
    return present(snap, period, school_names(deps, period), now, full=actor.is_staff, only=only)


def public_statistics(period_id: str, deps: Deps) -> PeriodStatistics:
    """Anyone: the cached counts once the period has a registration; result counts once the
    route is announced (a period up to PERIOD_CACHE_SECONDS old: an announcement shows that much
    later, never earlier)."""
    period = load_period(period_id, deps, cached=True)
    snap = _snapshot(period, deps)
    if snap is None or snap.registrations == 0:
        raise NotFound("statistics_not_available", "Statistik periode ini belum tersedia.")
    return present(snap, period, school_names(deps, period), deps.clock.now(), full=False)


def present(
    snap: Snapshot,
    period: PeriodRecord,
    names: dict[str, str],
    now: datetime,
    *,
    full: bool,
    only: str | None = None,
) -> PeriodStatistics:
    shown = {r.id for r in period.config.routes if full or domain.announced(period, r, now)}
    schools = [
        SchoolStatistics(
            npsn=npsn,
            name=names.get(npsn, ""),
            pre_registered=s.pre_registered,
            verified=s.verified,
            routes=[_route(r, t, r in shown) for r, t in s.routes.items()],
        )
        for npsn, s in sorted(snap.schools.items())
        if only is None or npsn == only
    ]
    totals = _totals(snap)
    return PeriodStatistics(
        period_id=snap.period_id,
        computed_at=snap.computed_at,
        registrations=snap.registrations,
        routes=[_route(r, t, r in shown, total=True) for r, t in totals.items()],
        schools=schools,
    )


def _totals(snap: Snapshot) -> dict[str, RouteTally]:
    """Per route over all schools (period totals are public: they hold no school's detail)."""
    totals = {r: RouteTally() for r in snap.routes}
    for school in snap.schools.values():
        for r, t in school.routes.items():
            total = totals.setdefault(r, RouteTally())
            total.first_choice += t.first_choice
            total.admitted += t.admitted
            total.confirmed += t.confirmed
            total.released += t.released
    return totals


def _route(route_id: str, t: RouteTally, shown: bool, total: bool = False) -> RouteStatistics:
    return RouteStatistics(
        route=route_id,
        applicants=t.first_choice if total else t.applicants,
        first_choice=t.first_choice,
        admitted=t.admitted if shown else None,
        confirmed=t.confirmed if shown else None,
        released=t.released if shown else None,
    )
