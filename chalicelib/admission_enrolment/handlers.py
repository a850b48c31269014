"""Scheduled entry points of daftar ulang: reminders (07:00 WIB) and the release of unconfirmed
seats after the deadline (every 15 minutes)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from chalice import Blueprint, Cron, Rate

from chalicelib.wiring import deps

bp = Blueprint(__name__)

# 07:00 WIB (UTC+7) is 00:00 UTC; EventBridge rules run in UTC.
REMINDER_SCHEDULE = Cron(0, 0, "*", "*", "?", "*")
RELEASE_SCHEDULE = Rate(15, unit=Rate.MINUTES)


@bp.schedule(REMINDER_SCHEDULE)
def admission_reminders(event: Any) -> dict[str, Any]:
    from chalicelib.admission_enrolment import jobs

    return asdict(jobs.remind(deps()))


@bp.schedule(RELEASE_SCHEDULE)
def admission_release(event: Any) -> dict[str, Any]:
    from chalicelib.admission_enrolment import jobs

    return asdict(jobs.release(deps()))
