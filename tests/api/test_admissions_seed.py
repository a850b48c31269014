"""The PPDB demo data of the local stack is consistent with the rules it is meant to show."""

from __future__ import annotations

from chalicelib.admissions.application import AppStatus
from chalicelib.wiring import deps
from local.seed_ppdb import DEMO_PARENT, seed_ppdb


def test_demo_periods_have_schools_and_registrations() -> None:
    d = deps()
    seeded = seed_ppdb(d)
    now = d.clock.now()
    open_period = d.admissions.get_period(seeded["ppdb_open_period"])
    closed = d.admissions.get_period(seeded["ppdb_closed_period"])
    assert open_period is not None and closed is not None
    assert open_period.prereg_opens_at <= now < open_period.prereg_closes_at
    assert all(r.opens_at <= now < r.closes_at for r in open_period.config.routes)
    assert all(r.closes_at < now for r in closed.config.routes)
    for period in (open_period, closed):
        schools = d.admissions.schools(period.id, period.schools_import or "")
        assert len(schools) == 3
        assert all(sum(s.seats.values()) == s.capacity for s in schools)
    registered = [a for r in closed.config.routes for a in d.admissions.registered(closed.id, r.id)]
    assert len(registered) == 40
    assert all(a.status is AppStatus.REGISTERED and a.registration for a in registered)
    assert sum(a.parent_sub == DEMO_PARENT for a in registered) == 2
    assert all(
        len(a.registration.choice_attrs) == len(a.registration.choices)
        for a in registered
        if a.registration
    )
