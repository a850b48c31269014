"""Scheduled entry points of Pindah Sekolah."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from chalice import Blueprint, Cron

from chalicelib.wiring import deps

bp = Blueprint(__name__)

# 07:00 WIB (UTC+7) is 00:00 UTC; EventBridge rules run in UTC.
REMINDER_SCHEDULE = Cron(0, 0, "*", "*", "?", "*")


@bp.schedule(REMINDER_SCHEDULE)
def transfer_reminders(event: Any) -> dict[str, int]:
    from chalicelib.transfers import reminders

    return asdict(reminders.run(deps()))
