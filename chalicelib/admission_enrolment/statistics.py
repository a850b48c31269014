"""PPDB statistics: counts per school and route, tallied from applications. Pure.

Per school and route (from the registrations of the route):

- ``applicants``: registrations that list the school as any choice;
- ``first_choice``: registrations whose first choice is the school;
- ``admitted``: applicants the final allocation placed at the school in that route (those who
  later confirmed or were released included), ``confirmed`` and ``released`` among them.

Per school (the school that verifies the applicant's documents, ``verifier_npsn``):

- ``pre_registered``: applications sent for verification (every status after draft);
- ``verified``: applications whose documents were all verified (verified and every later
  status).

A ``Snapshot`` holds the counts of one moment; it is stored as one item (see service and jobs)
and read back with ``load``. Nothing personal is in it: counts and school ids only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.admissions.application import Application, AppStatus
from chalicelib.core.clock import iso_utc, parse_utc

OUTCOME_STATES = frozenset({AppStatus.ADMITTED, AppStatus.CONFIRMED, AppStatus.RELEASED})
VERIFIED_STATES = OUTCOME_STATES | {
    AppStatus.VERIFIED,
    AppStatus.REGISTERED,
    AppStatus.NOT_ADMITTED,
}
PRE_REGISTERED_STATES = VERIFIED_STATES | {AppStatus.SUBMITTED, AppStatus.NEEDS_FIX}
FORMAT = 1


@dataclass
class RouteTally:
    applicants: int = 0
    first_choice: int = 0
    admitted: int = 0
    confirmed: int = 0
    released: int = 0

    def as_list(self) -> list[int]:
        return [self.applicants, self.first_choice, self.admitted, self.confirmed, self.released]


@dataclass
class SchoolTally:
    pre_registered: int = 0
    verified: int = 0
    routes: dict[str, RouteTally] = field(default_factory=dict)

    def route(self, route_id: str) -> RouteTally:
        return self.routes.setdefault(route_id, RouteTally())


@dataclass
class Snapshot:
    period_id: str
    computed_at: datetime
    routes: tuple[str, ...]
    registrations: int = 0
    schools: dict[str, SchoolTally] = field(default_factory=dict)

    def school(self, npsn: str) -> SchoolTally:
        if npsn not in self.schools:
            self.schools[npsn] = SchoolTally(routes={r: RouteTally() for r in self.routes})
        return self.schools[npsn]


def tally(
    period_id: str,
    routes: Sequence[str],
    schools: Iterable[str],
    applications: Iterable[Application],
    computed_at: datetime,
) -> Snapshot:
    """Count ``applications`` (an application met twice is counted once). Every school of
    ``schools`` appears, with zeros if nobody chose it."""
    snap = Snapshot(period_id, computed_at, tuple(routes))
    for npsn in schools:
        snap.school(npsn)
    seen: set[str] = set()
    for app in applications:
        if app.id in seen or app.period_id != period_id:
            continue
        seen.add(app.id)
        _count(snap, app)
    return snap


def _count(snap: Snapshot, app: Application) -> None:
    if app.status in PRE_REGISTERED_STATES:
        verifier = snap.school(app.verifier_npsn)
        verifier.pre_registered += 1
        verifier.verified += app.status in VERIFIED_STATES
    reg = app.registration
    if reg is not None:
        snap.registrations += 1
        for i, npsn in enumerate(dict.fromkeys(reg.choices)):
            counts = snap.school(npsn).route(reg.route)
            counts.applicants += 1
            counts.first_choice += i == 0
    outcome = app.outcome
    if app.status in OUTCOME_STATES and outcome is not None and outcome.school:
        counts = snap.school(outcome.school).route(outcome.route)
        counts.admitted += 1
        counts.confirmed += app.status is AppStatus.CONFIRMED
        counts.released += app.status is AppStatus.RELEASED


def dump(snap: Snapshot) -> dict[str, Any]:
    """Compact JSON form (school -> [pre_registered, verified, {route: [5 counts]}])."""
    return {
        "format": FORMAT,
        "period_id": snap.period_id,
        "computed_at": iso_utc(snap.computed_at),
        "routes": list(snap.routes),
        "registrations": snap.registrations,
        "schools": {
            npsn: [s.pre_registered, s.verified, {r: t.as_list() for r, t in s.routes.items()}]
            for npsn, s in sorted(snap.schools.items())
        },
    }


def load(data: dict[str, Any]) -> Snapshot:
    schools = {
        npsn: SchoolTally(
            pre_registered=int(pre),
            verified=int(ver),
            routes={r: RouteTally(*(int(v) for v in counts)) for r, counts in routes.items()},
        )
        for npsn, (pre, ver, routes) in data["schools"].items()
    }
    return Snapshot(
        period_id=data["period_id"],
        computed_at=parse_utc(data["computed_at"]),
        routes=tuple(data["routes"]),
        registrations=int(data["registrations"]),
        schools=schools,
    )
