"""The daily reminder job (security brief R-30, R-31; section 8 item 4: a scheduled consumer run
twice produces one effect), invoked as Lambda would through the chalice test client, and the inbox
routes it feeds.

Time is controlled with ``chalicelib.wiring.use`` and a FixedClock; the request's ``state_since``
is moved into the past through the repository (one committed Change, as a transition would write
it). The runs happen today or on recent past dates, so requests of other tests (which waited only
seconds) are never due; assertions look only at this test's inboxes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.core.clock import FixedClock, wib_date
from chalicelib.transfers.handlers import REMINDER_SCHEDULE
from chalicelib.transfers.repository import Change
from chalicelib.wiring import deps, use
from tests.support import factories
from tests.support.fixtures import Api, World, clean_parent_documents

PARENT_SLOTS = ("surat_permohonan_orang_tua", "rapor_terakhir", "kartu_keluarga", "akta_kelahiran")


def at_0700_wib(day: date) -> datetime:
    """The scheduled run: 07:00 WIB is 00:00 UTC of the same calendar day."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    fixed = FixedClock(datetime.now(UTC))
    use(dataclasses.replace(deps(), clock=fixed))
    try:
        yield fixed
    finally:
        use(None)


def run_job(chalice_client: Client) -> dict[str, Any]:
    event = chalice_client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    return dict(chalice_client.lambda_.invoke("transfer_reminders", event).payload)


def submitted_transfer(api: Api, world: World) -> str:
    parent = world.token("parent")
    status, draft, _ = api.call(
        "POST", "/v1/transfers", parent, factories.transfer_body(world.origin, world.destination)
    )
    assert status == 201, draft
    clean_parent_documents(draft["id"], "p")  # through the repository, no S3 round trip
    status, submitted, _ = api.call("POST", f"/v1/transfers/{draft['id']}/submit", parent, {})
    assert status == 200 and submitted["state"] == "submitted", submitted
    return str(draft["id"])


def waiting_since(tid: str, since: datetime) -> None:
    t = deps().transfers.get(tid)
    assert t is not None
    deps().transfers.commit(
        Change(after=dataclasses.replace(t, state_since=since), expected_version=t.version)
    )


def inbox(api: Api, token: str) -> list[dict[str, Any]]:
    status, page, _ = api.call("GET", "/v1/notifications?limit=100", token)
    assert status == 200, page
    return list(page["items"])


def unread(api: Api, token: str) -> int:
    status, count, _ = api.call("GET", "/v1/notifications/unread-count", token)
    assert status == 200, count
    return int(count["unread"])


def reminders_for(api: Api, token: str, tid: str) -> list[dict[str, Any]]:
    return [n for n in inbox(api, token) if n["kind"] == "transfer.reminder" and n["ref"] == tid]


def test_the_schedule_is_0700_wib_in_utc() -> None:
    assert REMINDER_SCHEDULE.to_string() == "cron(0 0 * * ? *)"


def test_a_waiting_school_gets_one_reminder_per_working_day(
    api: Api, world: World, chalice_client: Client, clock: FixedClock
) -> None:
    school, parent = world.token("destination_op"), world.token("parent")
    tid = submitted_transfer(api, world)
    assert [n["kind"] for n in inbox(api, school)] == ["transfer.submitted"]
    assert unread(api, school) == 1

    today = at_0700_wib(wib_date(datetime.now(UTC)))
    waiting_since(tid, today - timedelta(days=10))  # more than 3 working days by any calendar

    clock.at = today
    first = run_job(chalice_client)
    clock.at = today + timedelta(hours=5)  # the same WIB day (12:00 WIB): a retry or a rerun
    second = run_job(chalice_client)
    assert first["sent"] >= 1
    assert second["sent"] == 0 and second["skipped_duplicates"] >= 1
    [reminder] = reminders_for(api, school, tid)
    assert reminder["unread"] and reminder["title"]
    assert unread(api, school) == 2
    assert reminders_for(api, parent, tid) == []  # the request waits on the school, not the parent

    clock.at = at_0700_wib(next_working_day(today.date()))
    assert run_job(chalice_client)["sent"] >= 1
    assert len(reminders_for(api, school, tid)) == 2
    assert unread(api, school) == 3

    status, after, _ = api.call("POST", f"/v1/notifications/{reminder['id']}/read", school, {})
    assert (status, after["unread"]) == (200, 2), after
    assert unread(api, school) == 2
    [read] = [n for n in inbox(api, school) if n["id"] == reminder["id"]]
    assert not read["unread"] and read["read_at"]

    still_unread = next(n for n in reminders_for(api, school, tid) if n["unread"])
    for who in ("origin_op", "outside_op", "parent", "staff", "admin"):
        status, problem, _ = api.call(
            "POST", f"/v1/notifications/{still_unread['id']}/read", world.token(who), {}
        )
        assert (status, problem["code"]) == (404, "notification_not_found"), (who, problem)
    status, problem, _ = api.call("POST", f"/v1/notifications/{'0' * 32}/read", school, {})
    assert (status, problem["code"]) == (404, "notification_not_found")
    assert unread(api, school) == 2  # the other inboxes' attempts changed nothing here


def test_the_sla_counts_working_days_not_calendar_days(
    api: Api, world: World, chalice_client: Client, clock: FixedClock
) -> None:
    school = world.token("destination_op")
    tid = submitted_transfer(api, world)
    # a Friday three to four weeks back, 10:00 WIB
    friday = wib_date(datetime.now(UTC)) - timedelta(days=21)
    friday -= timedelta(days=(friday.weekday() - 4) % 7)
    waiting_since(tid, at_0700_wib(friday) + timedelta(hours=3))

    runs = [
        (friday + timedelta(days=3), 0),  # Monday: 1 working day
        (friday + timedelta(days=4), 0),  # Tuesday: 2 working days
        (friday + timedelta(days=5), 1),  # Wednesday: 3 working days, due
    ]
    for day, expected in runs:
        clock.at = at_0700_wib(day)
        run_job(chalice_client)
        assert len(reminders_for(api, school, tid)) == expected, day


def a_monday_weeks_ago(weeks: int) -> date:
    monday = wib_date(datetime.now(UTC)) - timedelta(weeks=weeks)
    return monday - timedelta(days=monday.weekday())


def test_a_request_sent_back_for_revision_reminds_the_parent_after_one_working_day(
    api: Api, world: World, chalice_client: Client, clock: FixedClock
) -> None:
    parent, school = world.token("parent"), world.token("destination_op")
    tid = submitted_transfer(api, world)
    status, revised, _ = api.call(
        "POST",
        f"/v1/transfers/{tid}/request-revision",
        school,
        {"reason": "Foto kartu keluarga tidak terbaca"},
    )
    assert status == 200 and revised["state"] == "needs_revision", revised
    monday = a_monday_weeks_ago(2)
    waiting_since(tid, at_0700_wib(monday) - timedelta(minutes=30))  # Monday 06:30 WIB

    clock.at = at_0700_wib(monday) + timedelta(hours=10)  # the same day, 17:00 WIB: not yet
    run_job(chalice_client)
    assert reminders_for(api, parent, tid) == []
    clock.at = at_0700_wib(monday + timedelta(days=1))
    run_job(chalice_client)
    run_job(chalice_client)
    [reminder] = reminders_for(api, parent, tid)
    assert reminder["unread"]
    assert reminders_for(api, school, tid) == []


def test_a_step_taken_after_0700_wib_is_reminded_on_the_day_it_is_due(
    api: Api, world: World, chalice_client: Client, clock: FixedClock
) -> None:
    school, parent = world.token("destination_op"), world.token("parent")
    waiting = submitted_transfer(api, world)
    monday_0900 = at_0700_wib(a_monday_weeks_ago(3)) + timedelta(hours=2)
    waiting_since(waiting, monday_0900)

    clock.at = at_0700_wib(monday_0900.date() + timedelta(days=3))  # Thursday: 3 working days
    run_job(chalice_client)
    assert len(reminders_for(api, school, waiting)) == 1

    revising = submitted_transfer(api, world)  # another child of the same family
    status, _, _ = api.call(
        "POST",
        f"/v1/transfers/{revising}/request-revision",
        school,
        {"reason": "Rapor semester terakhir belum ada"},
    )
    assert status == 200
    waiting_since(revising, monday_0900)
    clock.at = at_0700_wib(monday_0900.date() + timedelta(days=1))  # Tuesday: 1 working day
    run_job(chalice_client)
    assert len(reminders_for(api, parent, revising)) == 1
