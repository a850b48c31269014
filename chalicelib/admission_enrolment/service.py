"""Daftar ulang use case: confirm an admitted applicant's seat.

Who: the parent who owns the application, or an operator of the admitting school recording a
confirmation at the school desk (audited with the operator's identity and optional reason).
Education staff and admins are refused by the route table.

One transaction (``AppChange``): the application (version condition), the school's daftar ulang
counter (``take_seat``: ``confirmed < seats``), the audit entry and the inbox items of the
school (``school#<npsn>``) and the parent (``user#<sub>``, a receipt, also when the parent
confirmed). A second confirmation of the same application is 409 ``already_confirmed``; a
retried POST with the same ``Idempotency-Key`` replays the first 200 instead (core.http).
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.admission_enrolment import domain
from chalicelib.admission_enrolment.schemas import EnrolmentPublic
from chalicelib.admissions.application import Application
from chalicelib.admissions.domain import Route
from chalicelib.admissions.records import PeriodRecord
from chalicelib.admissions.repository import AppChange
from chalicelib.admissions.service import subject  # one audit trail per application
from chalicelib.core import audit as audit_mod
from chalicelib.core.errors import NotFound, StaleVersion
from chalicelib.core.ids import is_id
from chalicelib.core.notify import Notification, push
from chalicelib.core.observability import count
from chalicelib.core.principal import Principal, Role
from chalicelib.core.schemas import ActionInput, wib_text
from chalicelib.wiring import Deps


def _not_found() -> NotFound:
    return NotFound("application_not_found", "Pendaftaran tidak ditemukan.")


def _may_act(app: Application, period: PeriodRecord, actor: Principal, now: datetime) -> bool:
    """Object-level rule: the owning parent; an operator of the admitting school once the result
    of the route is announced (before that the outcome is not shown to anybody)."""
    if actor.role is Role.PARENT:
        return app.parent_sub == actor.sub
    if actor.role is Role.SCHOOL_OPERATOR and app.outcome is not None and app.outcome.school:
        route = domain.result_route(period, app)
        return (
            actor.operates(app.outcome.school)
            and route is not None
            and domain.announced(period, route, now)
        )
    return False


def _load(
    application_id: str, actor: Principal, deps: Deps, now: datetime, request_id: str
) -> tuple[Application, PeriodRecord]:
    """The application and its period, or 404 (ids that are not ULIDs are never looked up; a
    denied attempt on an existing application is audited)."""
    app = deps.admissions.get_application(application_id) if is_id(application_id) else None
    period = deps.admissions.get_period(app.period_id) if app is not None else None
    if app is None or period is None:
        raise _not_found()
    if not _may_act(app, period, actor, now):
        deps.audit.append(
            audit_mod.entry(
                subject(app.id), "confirm", actor, now, outcome="denied", request_id=request_id
            )
        )
        raise _not_found()
    return app, period


def confirm(
    application_id: str,
    cmd: ActionInput,
    *,
    actor: Principal,
    deps: Deps,
    request_id: str = "",
) -> EnrolmentPublic:
    """Record daftar ulang. Raises NotFound, StaleVersion, InvalidTransition, Conflict
    (``not_announced``, ``already_confirmed``, ``reregistration_closed``, ``no_seat``,
    ``concurrent_update``)."""
    now = deps.clock.now()
    app, period = _load(application_id, actor, deps, now, request_id)
    if cmd.version is not None and cmd.version != app.version:
        raise StaleVersion(
            "stale_version",
            f"Data sudah berubah (versi terbaru {app.version}). Muat ulang lalu coba lagi.",
            current_version=app.version,
        )
    route = domain.check_confirmable(app, period, now)
    after = domain.confirmed(app, actor.role.value, now)
    npsn = str(after.outcome.school) if after.outcome else ""
    change = AppChange(
        after=after,
        expected_version=app.version,
        take_seat=npsn,
        audit=[
            audit_mod.entry(
                subject(app.id),
                "confirm",
                actor,
                now,
                detail=cmd.reason[:200],
                request_id=request_id,
            )
        ],
        notifications=_notes(after, npsn, now),
    )
    saved = deps.admissions.commit(change)
    push(deps.sender, change.notifications)
    count("AdmissionConfirmed")
    return present(saved, route)


def _notes(app: Application, npsn: str, now: datetime) -> list[Notification]:
    parent = Notification(
        f"user#{app.parent_sub}",
        f"ppdb-confirm#{app.id}#parent",
        "admission.confirmed",
        "Daftar ulang berhasil",
        f"Daftar ulang {app.child.name} tercatat pada {wib_text(now)}.",
        app.id,
        now,
    )
    school = Notification(
        f"school#{npsn}",
        f"ppdb-confirm#{app.id}#school",
        "admission.confirmed",
        "Daftar ulang baru",
        f"{app.child.name} telah melakukan daftar ulang.",
        app.id,
        now,
    )
    return [parent, school]


def present(app: Application, route: Route | None) -> EnrolmentPublic:
    return EnrolmentPublic(
        id=app.id,
        period_id=app.period_id,
        status=app.status.value,
        child_name=app.child.name,
        school_npsn=app.outcome.school if app.outcome else None,
        route=route.id if route else None,
        reregister_by=route.reregister_by if route else None,
        confirmed_at=app.confirmed_at,
        version=app.version,
    )
