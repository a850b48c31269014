"""Daily reminders: a step waiting past the SLA (working days in WIB) is reminded once a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.clock import WIB, FixedClock, working_days_between
from chalicelib.core.notify import RecordingSender
from chalicelib.transfers import reminders
from chalicelib.transfers.domain import State, Transfer
from chalicelib.transfers.messages import REMINDER_TITLE, REVISION_REMINDER_TITLE
from chalicelib.transfers.repository import Change
from chalicelib.wiring import Deps
from tests.support.fakes import build_transfer, fake_deps

ORIGIN, DESTINATION = "20601001", "20601002"
PARENT_INBOX, ORIGIN_INBOX, DESTINATION_INBOX = (
    "user#parent-1",
    f"school#{ORIGIN}",
    f"school#{DESTINATION}",
)


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 (Mon 2, Thu 5, Fri 6, Sat 7, Mon 9, Tue 10, Wed 11) in WIB."""
    return datetime(2026, 11, day, hour, minute, tzinfo=WIB).astimezone(UTC)


def deps_at(moment: datetime) -> Deps:
    return fake_deps(clock=FixedClock(moment), sla_working_days=3)


def waiting(deps: Deps, state: State, since: datetime, **changes: object) -> Transfer:
    t = build_transfer(
        origin=ORIGIN, destination=DESTINATION, state=state, state_since=since, **changes
    )
    return deps.transfers.commit(Change(t, expected_version=None))


def inbox(deps: Deps, recipient: str) -> list[str]:
    return [item.title for item in deps.inbox.list(recipient, 100, None)[0]]


def pushed(deps: Deps) -> list[str]:
    assert isinstance(deps.sender, RecordingSender)
    return [n.recipient for n in deps.sender.sent]


def clock(deps: Deps) -> FixedClock:
    assert isinstance(deps.clock, FixedClock)
    return deps.clock


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (wib(5, 10), wib(5, 23), 0),
        (wib(5, 10), wib(6, 7), 1),
        (wib(5, 10), wib(9, 7), 2),  # Fri, (Sat, Sun,) Mon
        (wib(5, 10), wib(10, 7), 3),
        (wib(6, 1), wib(10, 7), 2),  # Fri 01:00 WIB is still Thursday in UTC
        (wib(7, 9), wib(8, 9), 0),  # a weekend is no working day
    ],
)
def test_working_days_are_counted_after_the_start_in_wib(
    start: datetime, end: datetime, days: int
) -> None:
    assert working_days_between(start, end) == days


def test_a_step_waiting_three_working_days_across_a_weekend_is_reminded() -> None:
    deps = deps_at(wib(9, 7))
    waiting(deps, State.SUBMITTED, wib(5, 10))

    monday = reminders.run(deps)
    clock(deps).at = wib(10, 7)
    tuesday = reminders.run(deps)

    assert (monday.examined, monday.sent) == (1, 0)
    assert (tuesday.examined, tuesday.sent) == (1, 1)
    assert inbox(deps, DESTINATION_INBOX) == [REMINDER_TITLE]
    assert pushed(deps) == [DESTINATION_INBOX]
    assert "sudah 3 hari kerja" in deps.inbox.list(DESTINATION_INBOX, 1, None)[0][0].body


def test_the_sla_is_counted_in_wib_days_not_utc_days() -> None:
    deps = deps_at(wib(10, 7))
    waiting(deps, State.ACCEPTED_BY_DESTINATION, wib(6, 1))  # Thursday 18:00 UTC

    assert reminders.run(deps).sent == 0
    clock(deps).at = wib(11, 7)
    assert reminders.run(deps).sent == 1
    assert pushed(deps) == [ORIGIN_INBOX]


def test_a_second_run_the_same_day_sends_nothing_twice_and_the_next_day_sends_again() -> None:
    deps = deps_at(wib(10, 7))
    waiting(deps, State.UNDER_REVIEW, wib(5, 10))

    first = reminders.run(deps)
    clock(deps).at = wib(10, 16)
    again = reminders.run(deps)
    clock(deps).at = wib(11, 7)
    next_day = reminders.run(deps)

    assert (first.sent, again.sent, again.skipped_duplicates, next_day.sent) == (1, 0, 1, 1)
    assert pushed(deps) == ["office#disdik", "office#disdik"]
    assert inbox(deps, "office#disdik") == [REMINDER_TITLE, REMINDER_TITLE]


def test_a_parent_asked_for_revision_is_reminded_after_one_working_day() -> None:
    deps = deps_at(wib(7, 7))
    waiting(deps, State.NEEDS_REVISION, wib(6, 14), revision_from=State.SUBMITTED)

    saturday = reminders.run(deps)
    clock(deps).at = wib(9, 7)
    monday = reminders.run(deps)

    assert (saturday.sent, monday.sent) == (0, 1)
    assert inbox(deps, PARENT_INBOX) == [REVISION_REMINDER_TITLE]
    assert pushed(deps) == [PARENT_INBOX]


def test_an_approved_request_reminds_only_the_school_yet_to_confirm_dapodik() -> None:
    deps = deps_at(wib(11, 7))
    waiting(deps, State.APPROVED, wib(5, 10), origin_confirmed=True)

    assert reminders.run(deps).sent == 1
    assert pushed(deps) == [DESTINATION_INBOX]
    assert inbox(deps, ORIGIN_INBOX) == []


@pytest.mark.parametrize(
    "state", [State.DRAFT, State.COMPLETED, State.REJECTED, State.CANCELLED], ids=str
)
def test_drafts_and_finished_requests_are_never_reminded(state: State) -> None:
    deps = deps_at(wib(11, 7))
    waiting(deps, state, wib(2, 7))

    run = reminders.run(deps)

    assert (run.examined, run.sent) == (0, 0)
    assert pushed(deps) == []


def test_every_waiting_request_is_reminded_past_the_first_page() -> None:
    deps = deps_at(wib(11, 7))
    for minute in range(reminders.PAGE + 5):
        waiting(deps, State.SUBMITTED, wib(2, 8) + timedelta(minutes=minute))

    run = reminders.run(deps)

    assert (run.examined, run.sent) == (reminders.PAGE + 5, reminders.PAGE + 5)
    assert len(pushed(deps)) == reminders.PAGE + 5
