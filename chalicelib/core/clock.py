"""Time: stored in UTC, shown and scheduled in WIB (UTC+7)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Protocol

WIB = timezone(timedelta(hours=7), name="WIB")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests can move by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at = self.at + delta


def to_wib(value: datetime) -> datetime:
    return value.astimezone(WIB)


def wib_date(value: datetime) -> date:
    return to_wib(value).date()


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def working_days_between(start: datetime, end: datetime) -> int:
    """Whole working days (Monday to Friday, in WIB) elapsed after ``start`` up to ``end``.

    National holidays are not subtracted yet (see README, decisions).
    """
    first, last = wib_date(start), wib_date(end)
    days = 0
    current = first + timedelta(days=1)
    while current <= last:
        if current.weekday() < 5:
            days += 1
        current += timedelta(days=1)
    return days
