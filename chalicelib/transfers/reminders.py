"""Daily reminders (07:00 WIB): actors whose step waited longer than the SLA, and parents whose
request needs revision. The dedupe key holds the WIB date, so a second run that day sends
nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta

from chalicelib.core.clock import WIB, wib_date, working_days_between
from chalicelib.core.notify import Notification, push
from chalicelib.core.observability import logger
from chalicelib.transfers.domain import State, Transfer, waiting_on
from chalicelib.transfers.messages import REMINDER_TITLE, REVISION_REMINDER_TITLE
from chalicelib.wiring import Deps

SLA_STATES = (State.SUBMITTED, State.ACCEPTED_BY_DESTINATION, State.UNDER_REVIEW, State.APPROVED)
PAGE = 100


@dataclass
class ReminderRun:
    examined: int = 0
    sent: int = 0
    skipped_duplicates: int = 0


def _waiting(deps: Deps, state: State, before: datetime) -> Iterator[Transfer]:
    after = None
    while True:
        items, after = deps.transfers.query(
            "by_state", state.value, PAGE, after, since_before=before
        )
        yield from items
        if not after:
            return


def _notice(t: Transfer, recipient: str, now: datetime) -> Notification:
    title = REVISION_REMINDER_TITLE if t.state is State.NEEDS_REVISION else REMINDER_TITLE
    days = working_days_between(t.state_since or t.created_at, now)
    body = f"{t.student.name}: status '{t.state.value}' sudah {days} hari kerja."
    key = f"reminder#{t.id}#{t.state.value}#{wib_date(now).isoformat()}#{recipient}"
    return Notification(recipient, key, "transfer.reminder", title, body, t.id, now)


def _cutoff(now: datetime, days: int) -> datetime:
    """End of the WIB day ``days`` calendar days ago: anything that entered its state before it
    may have waited ``days`` working days by today (the working-day rule is applied per item)."""
    today_start = datetime.combine(wib_date(now), time.min, tzinfo=WIB)
    return today_start - timedelta(days=days - 1)


def run(deps: Deps) -> ReminderRun:
    now, sla, result = deps.clock.now(), deps.settings.sla_working_days, ReminderRun()
    # A calendar-day prefilter in the Query; the working-day rule is applied per item.
    targets = [(s, sla) for s in SLA_STATES] + [(State.NEEDS_REVISION, 1)]
    for state, days in targets:
        for t in _waiting(deps, state, _cutoff(now, days)):
            result.examined += 1
            if working_days_between(t.state_since or t.created_at, now) < days:
                continue
            for recipient in waiting_on(t):
                note = _notice(t, recipient, now)
                if deps.inbox.put_once(note):
                    push(deps.sender, [note])  # best effort: the inbox item is there
                    result.sent += 1
                else:
                    result.skipped_duplicates += 1
    logger().info("transfer reminders", extra=asdict(result))
    return result
