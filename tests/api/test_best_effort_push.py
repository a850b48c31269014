"""One best-effort push (``core.notify.push``) for every place that pushes: the inbox item is
written first, so a failing push sender is logged and skipped; it never fails the job or the
state change (the transfer reminder job used to raise, and its reminder was then lost: a rerun
skips it as a duplicate)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from chalice.test import Client

from chalicelib.core.clock import FixedClock, wib_date
from chalicelib.core.notify import Notification, RecordingSender, push
from chalicelib.wiring import deps, use
from tests.api.test_reminders_job import (
    at_0700_wib,
    reminders_for,
    run_job,
    submitted_transfer,
    waiting_since,
)
from tests.support.fixtures import Api, World


class FailingSender:
    def __init__(self, fail_kinds: set[str] | None = None) -> None:
        self.fail_kinds = fail_kinds
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> None:
        if self.fail_kinds is None or notification.kind in self.fail_kinds:
            raise ConnectionError("SNS is down")
        self.sent.append(notification)


def note(kind: str) -> Notification:
    return Notification("p", f"k-{kind}", kind, "t", "b", "ref", datetime(2026, 11, 2, tzinfo=UTC))


def test_a_failing_push_is_skipped_and_the_rest_are_sent() -> None:
    sender = FailingSender({"b"})
    assert push(sender, [note("a"), note("b"), note("c")], job="test") == 2
    assert [n.kind for n in sender.sent] == ["a", "c"]
    assert push(RecordingSender(), []) == 0


@pytest.fixture
def failing_push() -> Iterator[FixedClock]:
    fixed = FixedClock(datetime.now(UTC))
    use(dataclasses.replace(deps(), clock=fixed, sender=FailingSender()))
    try:
        yield fixed
    finally:
        use(None)


def test_the_reminder_job_survives_a_failing_push_and_keeps_the_inbox_item(
    api: Api, world: World, chalice_client: Client, failing_push: FixedClock
) -> None:
    tid = submitted_transfer(api, world)
    today = at_0700_wib(wib_date(datetime.now(UTC)))
    waiting_since(tid, today - timedelta(days=10))
    failing_push.at = today

    result = run_job(chalice_client)

    assert result["sent"] >= 1, result
    assert len(reminders_for(api, world.token("destination_op"), tid)) == 1
