"""Daftar ulang jobs: reminders (daily, 07:00 WIB) and the release of unconfirmed seats (every
15 minutes, which also refreshes the cached statistics). Query-only: periods through the
``periods`` index, then per school of a period its result list (GSI ``queue``,
``school#<pid>#<npsn>``).

Both are safe to run twice or to crash halfway:

- a reminder's inbox item is keyed by ``ppdb-rereg#<application id>#<d-2|d-0>`` (conditional
  put), and the push goes out only after that put succeeded: each reminder is sent once;
- a release is one application transaction each (version condition: a confirmation that wins
  the race stays confirmed); ``PeriodRecord.released_at`` is saved (conditional on the period's
  version) only after a pass over every school found nothing left to release, after the last
  route deadline. A crash or a lost race leaves ``released_at`` empty and the next run resumes.

Routes may have different deadlines: each route is released once its own deadline passed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from chalicelib.admission_enrolment import domain, queries
from chalicelib.admissions.application import Application, AppStatus
from chalicelib.admissions.periods import subject as period_subject
from chalicelib.admissions.records import PeriodRecord
from chalicelib.admissions.repository import AppChange
from chalicelib.admissions.service import subject
from chalicelib.core.audit import AuditEntry
from chalicelib.core.errors import Conflict
from chalicelib.core.notify import Notification, push
from chalicelib.core.observability import logger
from chalicelib.core.schemas import wib_text
from chalicelib.wiring import Deps

SYSTEM = "system:admission_release"
STATS_AFTER_DEADLINE = timedelta(days=1)  # statistics keep refreshing this long after it
REMINDER_TEXT = {
    domain.ReminderKind.TWO_DAYS_BEFORE: ("Daftar ulang: 2 hari lagi", "2 hari lagi"),
    domain.ReminderKind.LAST_DAY: ("Daftar ulang: hari terakhir", "hari ini hari terakhir"),
}


@dataclass
class ReminderRun:
    examined: int = 0
    sent: int = 0
    skipped_duplicates: int = 0


@dataclass
class ReleaseRun:
    periods: int = 0
    released: int = 0
    conflicts: int = 0
    completed: int = 0  # periods marked released in this run
    statistics: int = 0  # statistics snapshots refreshed


# -- reminders ----------------------------------------------------------------------------------


def remind(deps: Deps) -> ReminderRun:
    """Remind every parent of an unconfirmed admitted applicant at d-2 and on the last day."""
    now, result = deps.clock.now(), ReminderRun()
    for period in queries.periods(deps):
        due = {
            r.id: (kind, r.reregister_by)
            for r in period.config.routes
            if (kind := domain.reminder_due(period, r, now)) is not None
        }
        if due and period.released_at is None:
            _remind_period(deps, period, due, now, result)
    logger().info("admission reminders", extra=asdict(result))
    return result


def _remind_period(
    deps: Deps,
    period: PeriodRecord,
    due: dict[str, tuple[domain.ReminderKind, datetime]],
    now: datetime,
    result: ReminderRun,
) -> None:
    names = queries.school_names(deps, period)
    for npsn in queries.school_ids(deps, period):
        for app in queries.school_results(deps, period.id, npsn):
            result.examined += 1
            hit = due.get(app.outcome.route) if app.outcome is not None else None
            if hit is None or app.status is not AppStatus.ADMITTED:
                continue
            note = _reminder(app, hit[0], names.get(npsn, npsn), hit[1], now)
            if deps.inbox.put_once(note):
                push(deps.sender, [note])
                result.sent += 1
            else:
                result.skipped_duplicates += 1


def _reminder(
    app: Application, kind: domain.ReminderKind, school: str, deadline: datetime, now: datetime
) -> Notification:
    title, when = REMINDER_TEXT[kind]
    body = (
        f"{app.child.name} diterima di {school}. Batas daftar ulang {when}: "
        f"{wib_text(deadline)}. Kursi yang tidak didaftarulangi akan dilepas."
    )
    return Notification(
        f"user#{app.parent_sub}",
        f"ppdb-rereg#{app.id}#{kind.value}",
        "admission.reregistration_reminder",
        title,
        body,
        app.id,
        now,
    )


# -- release and statistics ---------------------------------------------------------------------


def release(deps: Deps) -> ReleaseRun:
    """Release unconfirmed seats of routes past their deadline; refresh the statistics of running
    periods (and once more right after a period is marked released)."""
    now, result = deps.clock.now(), ReleaseRun()
    for period in queries.periods(deps):
        marked = False
        routes = domain.routes_to_release(period, now)
        if routes:
            result.periods += 1
            complete = _release_period(deps, period, routes, now, result)
            if complete and len(routes) == len(period.config.routes):
                marked = _mark_released(deps, period, now, result)
        if marked or _statistics_running(period, now):
            queries.refresh_statistics(period, deps, now)
            result.statistics += 1
    logger().info("admission release", extra=asdict(result))
    return result


def _statistics_running(period: PeriodRecord, now: datetime) -> bool:
    """Between the opening of pre-registration and a day after the last deadline, until the
    release (which takes the final snapshot)."""
    return (
        period.released_at is None
        and period.prereg_opens_at <= now <= period.reregister_deadline + STATS_AFTER_DEADLINE
    )


def _release_period(
    deps: Deps, period: PeriodRecord, routes: frozenset[str], now: datetime, result: ReleaseRun
) -> bool:
    """True when nothing was left to release (no lost race)."""
    complete = True
    for npsn in queries.school_ids(deps, period):
        for app in queries.school_results(deps, period.id, npsn):
            if not domain.must_release(app, routes):
                continue
            try:
                deps.admissions.commit(_release_change(app, now))
            except Conflict:  # confirmed (or changed) meanwhile: decided again next run
                complete = False
                result.conflicts += 1
                continue
            result.released += 1
            push(deps.sender, [_release_note(app, now)])
    return complete


def _release_change(app: Application, now: datetime) -> AppChange:
    audit = AuditEntry(subject(app.id), "release_seat", SYSTEM, "system", now)
    return AppChange(
        after=domain.released(app, now),
        expected_version=app.version,
        audit=[audit],
        notifications=[_release_note(app, now)],
    )


def _release_note(app: Application, now: datetime) -> Notification:
    return Notification(
        f"user#{app.parent_sub}",
        f"ppdb-release#{app.id}",
        "admission.seat_released",
        "Kursi dilepas",
        f"Batas daftar ulang {app.child.name} sudah lewat, kursinya dilepas untuk tahap 2.",
        app.id,
        now,
    )


def _mark_released(deps: Deps, period: PeriodRecord, now: datetime, result: ReleaseRun) -> bool:
    """Save ``released_at`` on the latest version of the period. A concurrent change of the
    period is retried by the next run."""
    fresh = deps.admissions.get_period(period.id)
    if fresh is None or fresh.released_at is not None:
        return False
    audit = AuditEntry(period_subject(period.id), "release_seats", SYSTEM, "system", now)
    try:
        deps.admissions.save_period(replace(fresh, released_at=now), fresh.version, [audit])
    except Conflict:
        result.conflicts += 1
        return False
    result.completed += 1
    return True
