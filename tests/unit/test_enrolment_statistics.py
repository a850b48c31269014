"""Statistics tally (chalicelib.admission_enrolment.statistics): what each count means, and that
a snapshot survives its stored form."""

from __future__ import annotations

from chalicelib.admission_enrolment import statistics
from chalicelib.admissions.application import Application, AppStatus, Outcome
from chalicelib.admissions.records import PeriodRecord
from tests.support.ppdb import T0, application, period_record

A, B, C = "20606901", "20606902", "20606903"
ROUTES = ("afirmasi", "mutasi", "domisili", "prestasi")


def placed(
    period: PeriodRecord, status: AppStatus, school: str | None, choices: tuple[str, ...]
) -> Application:
    outcome = Outcome(1, school, "domisili", (1,) * len(choices), (None,) * len(choices),
                      ((0.0,),) * len(choices))  # fmt: skip
    return application(
        period, status=status, route="domisili", choices=choices, outcome=outcome,
        verifier_npsn=A,
    )  # fmt: skip


def test_counts_per_school_and_route_and_per_verifying_school() -> None:
    period = period_record(max_choices=3)
    apps = [
        application(period, status=AppStatus.DRAFT, verifier_npsn=B),  # not sent yet
        application(period, status=AppStatus.SUBMITTED, verifier_npsn=B),
        application(period, status=AppStatus.NEEDS_FIX, verifier_npsn=B),
        application(period, status=AppStatus.VERIFIED, verifier_npsn=B),
        application(period, status=AppStatus.REGISTERED, route="afirmasi", choices=(B, A)),
        placed(period, AppStatus.ADMITTED, A, (A, B)),
        placed(period, AppStatus.CONFIRMED, A, (A,)),
        placed(period, AppStatus.RELEASED, B, (A, B)),
        placed(period, AppStatus.NOT_ADMITTED, None, (B, A, A)),  # a repeated choice counts once
    ]
    snap = statistics.tally(period.id, ROUTES, [A, B, C], apps + apps[:3], T0)

    assert snap.registrations == 5
    a, b, c = snap.schools[A], snap.schools[B], snap.schools[C]
    assert (b.pre_registered, b.verified) == (3, 1)
    assert (a.pre_registered, a.verified) == (5, 5)
    assert (c.pre_registered, c.verified) == (0, 0)
    assert a.routes["domisili"].as_list() == [4, 3, 2, 1, 0]
    assert b.routes["domisili"].as_list() == [3, 1, 1, 0, 1]
    assert a.routes["afirmasi"].as_list() == [1, 0, 0, 0, 0]
    assert b.routes["afirmasi"].as_list() == [1, 1, 0, 0, 0]
    assert c.routes == {r: statistics.RouteTally() for r in ROUTES}


def test_applications_of_another_period_are_ignored() -> None:
    period, other = period_record(), period_record()
    app = placed(other, AppStatus.ADMITTED, A, (A,))
    snap = statistics.tally(period.id, ROUTES, [A], [app], T0)
    assert snap.registrations == 0 and snap.schools[A].pre_registered == 0


def test_a_snapshot_survives_its_stored_form() -> None:
    period = period_record()
    apps = [placed(period, AppStatus.CONFIRMED, A, (A, B)), application(period)]
    snap = statistics.tally(period.id, ROUTES, [A, B], apps, T0)
    data = statistics.dump(snap)
    assert statistics.load(data) == snap
    assert set(data) == {"format", "period_id", "computed_at", "routes", "registrations",
                         "schools"}  # fmt: skip
