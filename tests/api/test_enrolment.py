"""Daftar ulang through the API and the two scheduled jobs (issue 3, sections 6 and 7).

The season is written through the repository (tests/support/ppdb.py): a period whose result is
announced (``announced_run=1``), its schools, the daftar ulang counter and admitted applications,
as the final allocation leaves them. Time is a FixedClock (``chalicelib.wiring.use``); the jobs
are invoked as Lambda would through the chalice test client.

Dates: the period starts 40 days before today, so every route deadline lies in the past while the
inbox items the jobs write (kept 180 days from their creation) are still listed, and periods of
other tests (built around today or 2027) are never due in these jobs' runs.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.admission_enrolment.handlers import REMINDER_SCHEDULE
from chalicelib.admissions.application import Application, AppStatus, Outcome
from chalicelib.admissions.records import PeriodRecord, SeatCounter
from chalicelib.core.clock import FixedClock, iso_utc
from chalicelib.core.notify import RecordingSender
from chalicelib.wiring import deps, use
from tests.support import factories
from tests.support.fixtures import Api
from tests.support.ppdb import application, period_record, period_school, store_application
from tests.support.ppdb import store_period as store_period_record

BASE = datetime.combine(date.today() - timedelta(days=40), time(1, 0), tzinfo=UTC)
ANNOUNCE = BASE + timedelta(days=7, hours=12)  # 20:00 WIB
DEADLINE = BASE + timedelta(days=10)  # 08:00 WIB
DEADLINE_DAY = DEADLINE.date()  # the same date in WIB (08:00 WIB = 01:00 UTC)


def at_0700_wib(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    fixed = FixedClock(ANNOUNCE + timedelta(hours=13))  # the morning after the announcement
    use(dataclasses.replace(deps(), clock=fixed, sender=RecordingSender()))
    try:
        yield fixed
    finally:
        use(None)


def token(role: str, sub: str | None = None, npsn: str | None = None) -> str:
    from tests.conftest import KEYS

    return KEYS.token(sub or f"{role}-{uuid.uuid4().hex[:10]}", role, npsn=npsn)


@dataclass
class Season:
    period: PeriodRecord
    school: str
    other: str

    def admit(
        self, sub: str | None = None, route: str = "domisili", name: str = "Siti Aminah"
    ) -> Application:
        outcome = Outcome(run=1, school=self.school, route=route, ranks=(1,), cutoffs=(None,),
                          values=((0.0,),))  # fmt: skip
        app = application(self.period, parent_sub=sub, status=AppStatus.ADMITTED, route=route,
                          choices=(self.school,), outcome=outcome, name=name,
                          verifier_npsn=self.school)  # fmt: skip
        return store_application(deps().admissions, app)


def season(seats: int = 5, announced: bool = True) -> Season:
    period = period_record(base=BASE, announced_run=1 if announced else None)
    school, other = factories.npsn(), factories.npsn()
    schools = [period_school(school, period), period_school(other, period)]
    stored = store_period_record(deps().admissions, period, schools)
    deps().admissions.put_seat_counter(SeatCounter(period.id, school, seats, 0))
    deps().admissions.put_seat_counter(SeatCounter(period.id, other, 3, 0))
    return Season(stored, school, other)


def counter(s: Season) -> SeatCounter:
    [c] = [c for c in deps().admissions.seat_counters(s.period.id) if c.npsn == s.school]
    return c


def inbox(recipient: str) -> list[Any]:
    items, _ = deps().inbox.list(recipient, 100, None)
    return items


def confirm(api: Api, app: Application, tok: str, **kw: Any) -> tuple[int, Any, dict[str, str]]:
    return api.call("POST", f"/v1/admissions/applications/{app.id}/confirm", tok, {}, **kw)


def run_job(chalice_client: Client, name: str) -> dict[str, Any]:
    event = chalice_client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    return dict(chalice_client.lambda_.invoke(name, event).payload)


# -- confirm ------------------------------------------------------------------------------------


def test_a_parent_confirms_the_seat_in_one_transaction(api: Api, clock: FixedClock) -> None:
    s = season(seats=5)
    sub = f"parent-{uuid.uuid4().hex[:10]}"
    app = s.admit(sub)

    status, body, _ = confirm(api, app, token("parent", sub))

    assert status == 200, body
    assert body["status"] == "confirmed" and body["school_npsn"] == s.school
    assert body["confirmed_at"] and body["version"] == app.version + 1
    assert "nik" not in str(body).lower()
    assert counter(s).confirmed == 1
    stored = deps().admissions.get_application(app.id)
    assert stored is not None and stored.status is AppStatus.CONFIRMED
    assert [n.kind for n in inbox(f"user#{sub}")] == ["admission.confirmed"]
    assert [n.kind for n in inbox(f"school#{s.school}")] == ["admission.confirmed"]
    audit, _ = deps().audit.for_subject(f"ppdb#{app.id}", 10, None)
    assert [(e.action, e.actor_sub) for e in audit] == [("confirm", sub)]


def test_a_second_confirmation_is_refused_but_a_retry_with_its_key_replays(
    api: Api, clock: FixedClock
) -> None:
    s = season()
    sub = f"parent-{uuid.uuid4().hex[:10]}"
    app, tok = s.admit(sub), token("parent", sub)
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = confirm(api, app, tok, headers=key)
    replay = confirm(api, app, tok, headers=key)
    status, problem, _ = confirm(api, app, tok)
    assert first[0] == replay[0] == 200 and replay[2]["Idempotent-Replayed"] == "true"
    assert replay[1] == first[1]
    assert (status, problem["code"]) == (409, "already_confirmed"), problem
    assert counter(s).confirmed == 1


def test_an_operator_of_the_admitting_school_records_a_confirmation_at_the_desk(
    api: Api, clock: FixedClock
) -> None:
    s = season()
    app = s.admit()
    other_op = token("school_operator", npsn=s.other)
    status, problem, _ = confirm(api, app, other_op)
    assert (status, problem["code"]) == (404, "application_not_found")

    op_sub = f"op-{uuid.uuid4().hex[:8]}"
    status, body, _ = confirm(api, app, token("school_operator", op_sub, npsn=s.school))
    assert status == 200 and body["status"] == "confirmed", body
    audit, _ = deps().audit.for_subject(f"ppdb#{app.id}", 10, None)
    assert ("confirm", op_sub, "school_operator", "ok") in {
        (e.action, e.actor_sub, e.actor_role, e.outcome) for e in audit
    }


def test_another_family_gets_404_and_staff_or_admin_403(api: Api, clock: FixedClock) -> None:
    s = season()
    app = s.admit()
    status, problem, _ = confirm(api, app, token("parent"))
    assert (status, problem["code"]) == (404, "application_not_found")
    assert "Siti" not in str(problem)
    for role in ("education_staff", "admin"):
        status, problem, _ = confirm(api, app, token(role))
        assert (status, problem["code"]) == (403, "forbidden_role"), role
    status, problem, _ = confirm(api, app, None)
    assert status == 401
    status, problem, _ = api.call(
        "POST", "/v1/admissions/applications/3671011705120001/confirm", token("parent"), {}
    )
    assert (status, problem["code"]) == (404, "application_not_found")
    assert counter(s).confirmed == 0


def test_confirming_before_the_announcement_says_not_announced(api: Api, clock: FixedClock) -> None:
    unannounced = season(announced=False)
    sub = f"parent-{uuid.uuid4().hex[:10]}"
    app = unannounced.admit(sub)
    status, problem, _ = confirm(api, app, token("parent", sub))
    assert (status, problem["code"]) == (409, "not_announced"), problem

    s = season()
    app = s.admit(sub)
    clock.at = ANNOUNCE - timedelta(minutes=1)
    status, problem, _ = confirm(api, app, token("parent", sub))
    assert (status, problem["code"]) == (409, "not_announced"), problem
    status, problem, _ = confirm(api, app, token("school_operator", npsn=s.school))
    assert status == 404, problem  # the school does not see the result before it either
    assert counter(s).confirmed == counter(unannounced).confirmed == 0


def test_confirming_at_the_deadline_is_too_late(api: Api, clock: FixedClock) -> None:
    s = season()
    sub = f"parent-{uuid.uuid4().hex[:10]}"
    app = s.admit(sub)
    clock.at = DEADLINE
    status, problem, _ = confirm(api, app, token("parent", sub))
    assert (status, problem["code"]) == (409, "reregistration_closed"), problem
    assert counter(s).confirmed == 0


def test_no_seat_left_is_409_no_seat_and_changes_nothing(api: Api, clock: FixedClock) -> None:
    s = season(seats=0)
    sub = f"parent-{uuid.uuid4().hex[:10]}"
    app = s.admit(sub)
    status, problem, _ = confirm(api, app, token("parent", sub))
    assert (status, problem["code"]) == (409, "no_seat"), problem
    stored = deps().admissions.get_application(app.id)
    assert stored is not None and (stored.status, stored.version) == (AppStatus.ADMITTED, 1)
    assert inbox(f"user#{sub}") == []


# -- reminders ----------------------------------------------------------------------------------


def test_the_reminder_schedule_is_0700_wib() -> None:
    assert REMINDER_SCHEDULE.to_string() == "cron(0 0 * * ? *)"


def test_reminders_go_out_once_two_days_before_and_on_the_last_day(
    api: Api, chalice_client: Client, clock: FixedClock
) -> None:
    s = season()
    waiting_sub, done_sub = (f"parent-{uuid.uuid4().hex[:10]}" for _ in range(2))
    waiting = s.admit(waiting_sub)
    done = s.admit(done_sub)
    status, _, _ = confirm(api, done, token("parent", done_sub))
    assert status == 200

    def reminders() -> list[str]:
        return sorted(n.title for n in inbox(f"user#{waiting_sub}")
                      if n.kind == "admission.reregistration_reminder")  # fmt: skip

    runs = [
        (at_0700_wib(DEADLINE_DAY - timedelta(days=3)), 0),
        (at_0700_wib(DEADLINE_DAY - timedelta(days=2)) - timedelta(minutes=1), 0),  # 06:59 WIB
        (at_0700_wib(DEADLINE_DAY - timedelta(days=2)), 1),
        (at_0700_wib(DEADLINE_DAY - timedelta(days=2)) + timedelta(hours=3), 1),  # a rerun
        (at_0700_wib(DEADLINE_DAY - timedelta(days=1)), 1),
        (at_0700_wib(DEADLINE_DAY), 2),
        (at_0700_wib(DEADLINE_DAY) + timedelta(minutes=30), 2),  # a retry the same morning
        (at_0700_wib(DEADLINE_DAY + timedelta(days=1)), 2),
    ]
    for now, expected in runs:
        clock.at = now
        result = run_job(chalice_client, "admission_reminders")
        assert len(reminders()) == expected, (now, result)
    assert reminders() == ["Daftar ulang: 2 hari lagi", "Daftar ulang: hari terakhir"]
    pushed = [n for n in deps().sender.sent if n.recipient == f"user#{waiting_sub}"]  # type: ignore[attr-defined]
    assert sorted(n.dedupe_key for n in pushed) == [
        f"ppdb-rereg#{waiting.id}#d-0",
        f"ppdb-rereg#{waiting.id}#d-2",
    ]
    assert [n.kind for n in inbox(f"user#{done_sub}")] == ["admission.confirmed"]


# -- release and tahap 2 ------------------------------------------------------------------------


def test_unconfirmed_seats_are_released_at_the_deadline_and_left_for_tahap_2(
    api: Api, chalice_client: Client, clock: FixedClock
) -> None:
    s = season(seats=4)
    subs = [f"parent-{uuid.uuid4().hex[:10]}" for _ in range(3)]
    apps = [s.admit(sub) for sub in subs]
    assert confirm(api, apps[0], token("parent", subs[0]))[0] == 200
    staff = token("education_staff")

    clock.at = DEADLINE - timedelta(minutes=1)
    run_job(chalice_client, "admission_release")
    assert deps().admissions.get_application(apps[1].id).status is AppStatus.ADMITTED  # type: ignore[union-attr]

    clock.at = DEADLINE + timedelta(minutes=5)
    first = run_job(chalice_client, "admission_release")
    second = run_job(chalice_client, "admission_release")
    assert first["released"] >= 2 and first["completed"] >= 1
    statuses = [deps().admissions.get_application(a.id).status for a in apps]  # type: ignore[union-attr]
    assert statuses == [AppStatus.CONFIRMED, AppStatus.RELEASED, AppStatus.RELEASED]
    period = deps().admissions.get_period(s.period.id)
    assert period is not None and period.released_at == DEADLINE + timedelta(minutes=5)
    assert second["released"] == 0 and second["completed"] == 0
    for sub in subs[1:]:
        assert [n.kind for n in inbox(f"user#{sub}")] == ["admission.seat_released"]

    status, seats, _ = api.call(
        "GET", f"/v1/admissions/periods/{s.period.id}/leftover-seats", staff
    )
    assert status == 200, seats
    assert seats["final"] is True
    mine = {i["npsn"]: (i["seats"], i["confirmed"], i["left"]) for i in seats["items"]}
    assert mine == {s.school: (4, 1, 3), s.other: (3, 0, 3)}
    assert (seats["seats"], seats["confirmed"], seats["left"]) == (7, 1, 6)


def test_leftover_seats_are_for_staff_and_operators_only(api: Api, clock: FixedClock) -> None:
    s = season()
    path = f"/v1/admissions/periods/{s.period.id}/leftover-seats"
    status, body, _ = api.call("GET", path, token("school_operator", npsn=s.other))
    assert status == 200 and body["final"] is False, body
    assert [i["npsn"] for i in body["items"]] == [s.other], body
    assert body["seats"] == body["items"][0]["seats"]
    status, body, _ = api.call("GET", path, token("school_operator", npsn=factories.npsn()))
    assert (status, body["items"], body["seats"]) == (200, [], 0), body
    status, body, _ = api.call("GET", path, token("education_staff"))
    assert {i["npsn"] for i in body["items"]} == {s.school, s.other}, body
    for role in ("parent", "admin"):
        status, problem, _ = api.call("GET", path, token(role))
        assert (status, problem["code"]) == (403, "forbidden_role")
    status, problem, _ = api.call(
        "GET", "/v1/admissions/periods/nope/leftover-seats", token("education_staff")
    )
    assert (status, problem["code"]) == (404, "period_not_found")


# -- statistics ---------------------------------------------------------------------------------


def stats(api: Api, path: str, tok: str | None) -> tuple[int, Any, dict[str, str]]:
    return api.call("GET", path, tok)


def rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["npsn"]: s for s in body["schools"]}


def route_row(school: dict[str, Any], route: str) -> list[Any]:
    [r] = [r for r in school["routes"] if r["route"] == route]
    return [r["applicants"], r["first_choice"], r["admitted"], r["confirmed"], r["released"]]


def test_statistics_per_school_and_route_for_staff_operators_and_the_public(
    api: Api, clock: FixedClock
) -> None:
    s = season()
    name = f"Canary Nama {uuid.uuid4().hex[:6]}"
    sub = f"parent-{uuid.uuid4().hex[:10]}"
    admitted = [s.admit(sub, name=name), s.admit(name=name)]
    assert confirm(api, admitted[0], token("parent", sub))[0] == 200
    registered = application(s.period, status=AppStatus.REGISTERED, route="afirmasi",
                             choices=(s.other, s.school), verifier_npsn=s.other, name=name)  # fmt: skip
    waiting = application(s.period, status=AppStatus.SUBMITTED, verifier_npsn=s.school,
                          name=name)  # fmt: skip
    for app in (registered, waiting):
        store_application(deps().admissions, app)
    base = f"/v1/admissions/periods/{s.period.id}/statistics"

    status, body, _ = stats(api, base, token("education_staff"))
    assert status == 200, body
    assert body["registrations"] == 3
    school, other = rows(body)[s.school], rows(body)[s.other]
    assert (school["pre_registered"], school["verified"]) == (3, 2)
    assert (other["pre_registered"], other["verified"]) == (1, 1)
    assert route_row(school, "domisili") == [2, 2, 2, 1, 0]
    assert route_row(school, "afirmasi") == [1, 0, 0, 0, 0]
    assert route_row(other, "afirmasi") == [1, 1, 0, 0, 0]
    assert school["name"] and name not in str(body)

    status, own, _ = stats(api, base, token("school_operator", npsn=s.school))
    assert status == 200 and [r["npsn"] for r in own["schools"]] == [s.school], own
    for role in ("parent", "admin"):
        assert stats(api, base, token(role))[0] == 403

    status, public, headers = stats(api, "/v1/public" + base[3:], None)
    assert status == 200, public
    assert headers["Cache-Control"] == "public, max-age=300"
    assert public["schools"] == body["schools"]  # announced: the same counts for everyone
    text = str(public)
    assert name not in text and sub not in text and "nik" not in text.lower()
    assert all(a.id not in text for a in [*admitted, registered, waiting])


def test_result_counts_stay_hidden_from_the_public_until_the_announcement(
    api: Api, clock: FixedClock
) -> None:
    s = season(announced=False)
    s.admit()
    base = f"/v1/admissions/periods/{s.period.id}/statistics"
    status, staff_view, _ = stats(api, base, token("education_staff"))
    assert status == 200 and route_row(rows(staff_view)[s.school], "domisili") == [1, 1, 1, 0, 0]
    status, public, _ = stats(api, "/v1/public" + base[3:], None)
    assert status == 200, public
    assert route_row(rows(public)[s.school], "domisili") == [1, 1, None, None, None]
    status, own, _ = stats(api, base, token("school_operator", npsn=s.school))
    assert route_row(rows(own)[s.school], "domisili") == [1, 1, None, None, None]


def test_public_statistics_wait_for_a_registration(api: Api, clock: FixedClock) -> None:
    s = season()
    public = f"/v1/public/admissions/periods/{s.period.id}/statistics"
    status, problem, _ = stats(api, public, None)
    assert (status, problem["code"]) == (404, "statistics_not_available")
    assert stats(api, f"/v1/admissions/periods/{s.period.id}/statistics",
                 token("education_staff"))[0] == 200  # fmt: skip
    status, problem, _ = stats(api, public, None)
    assert (status, problem["code"]) == (404, "statistics_not_available")
    status, problem, _ = stats(
        api, "/v1/public/admissions/periods/3671011705120001/statistics", None
    )
    assert (status, problem["code"]) == (404, "period_not_found")


def test_the_release_job_refreshes_the_cached_statistics(
    api: Api, chalice_client: Client, clock: FixedClock
) -> None:
    s = season()
    s.admit()
    public = f"/v1/public/admissions/periods/{s.period.id}/statistics"
    assert stats(api, public, None)[0] == 404
    run_job(chalice_client, "admission_release")
    status, body, _ = stats(api, public, None)
    assert status == 200 and body["registrations"] == 1, body
    s.admit()
    clock.advance(timedelta(minutes=15))
    run_job(chalice_client, "admission_release")
    status, body, _ = stats(api, public, None)
    assert (body["registrations"], body["computed_at"]) == (2, iso_utc(clock.at))


def test_verified_applications_not_yet_registered_count_as_pre_registered_and_verified(
    api: Api, clock: FixedClock
) -> None:
    s = season()
    for status in (AppStatus.VERIFIED, AppStatus.NEEDS_FIX):
        store_application(
            deps().admissions, application(s.period, status=status, verifier_npsn=s.school)
        )
    status, body, _ = stats(
        api, f"/v1/admissions/periods/{s.period.id}/statistics", token("education_staff")
    )
    assert status == 200, body
    school = rows(body)[s.school]
    assert (school["pre_registered"], school["verified"]) == (2, 1)
