"""Response models of applications. Results stay hidden until the route's announcement: before
it, a parent or an operator sees an allocated application as ``registered``."""

from __future__ import annotations

from datetime import datetime

from chalicelib.admissions.application import (
    Application,
    AppStatus,
    kk_rule_ok,
    registration_reference,
    slot_states,
)
from chalicelib.admissions.records import PeriodRecord
from chalicelib.admissions.schemas import (
    ApplicationBrief,
    ApplicationPublic,
    ChildOut,
    ChoiceOut,
    HomeOut,
    RegistrationOut,
    RequirementOut,
    ReviewOut,
)
from chalicelib.core.clock import wib_date
from chalicelib.core.principal import Principal
from chalicelib.core.validators import mask_nik
from chalicelib.wiring import Deps

LABELS = {
    AppStatus.DRAFT: "Draf pra-pendaftaran",
    AppStatus.SUBMITTED: "Menunggu verifikasi berkas",
    AppStatus.NEEDS_FIX: "Perlu perbaikan berkas",
    AppStatus.VERIFIED: "Terverifikasi, siap mendaftar jalur",
    AppStatus.REGISTERED: "Terdaftar di jalur",
    AppStatus.ADMITTED: "Diterima",
    AppStatus.NOT_ADMITTED: "Tidak diterima",
    AppStatus.CONFIRMED: "Sudah daftar ulang",
    AppStatus.RELEASED: "Tidak daftar ulang, kursi dilepas",
}
RESULT_STATES = frozenset({AppStatus.ADMITTED, AppStatus.NOT_ADMITTED})


def announced(app: Application, period: PeriodRecord, now: datetime) -> bool:
    if app.registration is None or period.announced_run is None:
        return False
    route = next((r for r in period.config.routes if r.id == app.registration.route), None)
    return route is not None and now >= route.announce_at


def shown_status(app: Application, period: PeriodRecord, actor: Principal, now: datetime
                 ) -> AppStatus:  # fmt: skip
    if app.status in RESULT_STATES and not actor.is_staff and not announced(app, period, now):
        return AppStatus.REGISTERED
    return app.status


def requirements(
    app: Application, current: dict[str, str], required: list[str]
) -> list[RequirementOut]:
    states = slot_states(current, app.reviews)
    out = []
    for slot in required + sorted(s for s in states if s not in required):
        status, doc_id, reason = states.get(slot, ("missing", None, None))
        out.append(RequirementOut(slot=slot, status=status, document_id=doc_id, reason=reason))
    return out


def registration(
    app: Application, period: PeriodRecord, now: datetime, deps: Deps
) -> RegistrationOut | None:
    reg = app.registration
    if reg is None:
        return None
    route = next((r for r in period.config.routes if r.id == reg.route), None)
    choices = []
    for i, npsn in enumerate(reg.choices):
        school = (
            deps.admissions.school(period.id, period.schools_import, npsn, cached=True)
            if period.schools_import
            else None
        )
        attrs = reg.choice_attrs[i] if i < len(reg.choice_attrs) else {}
        choices.append(
            ChoiceOut(
                npsn=npsn,
                name=school.name if school else npsn,
                distance_m=_int(attrs.get("distance_m")),
                domicile_score=_int(attrs.get("domicile_score")),
                zone_score=_int(attrs.get("zone_score")),
            )
        )
    today = wib_date(now).isoformat()
    used = reg.changes_that_day if reg.changes_on == today else 0
    return RegistrationOut(
        route=reg.route,
        choices=choices,
        registration_seq=reg.seq,
        registered_at=reg.registered_at,
        age_days=_int(reg.attrs.get("age_days")),
        changes_left_today=max(0, period.config.changes_per_day - used),
        locked=route is None or now >= route.closes_at,
    )


def _int(value: float | None) -> int | None:
    return None if value is None else round(value)


def application(
    app: Application,
    period: PeriodRecord,
    actor: Principal,
    current: dict[str, str],
    required: list[str],
    deps: Deps,
) -> ApplicationPublic:
    now = deps.clock.now()
    status = shown_status(app, period, actor, now)
    return ApplicationPublic(
        id=app.id,
        period_id=app.period_id,
        status=status.value,
        status_label=LABELS[status],
        created_at=app.created_at,
        updated_at=app.updated_at,
        child=ChildOut(
            name=app.child.name,
            nik_masked=mask_nik("0" * 12 + app.child.nik_last4),
            nisn=app.child.nisn,
            birth_date=app.child.birth_date,
            gender=app.child.gender,
        ),
        kk_issued_on=app.kk_issued_on,
        kk_one_year_rule_met=kk_rule_ok(
            app.kk_issued_on, registration_reference(period.config), False
        ),
        home=HomeOut(
            address=app.home.address,
            rt=app.home.rt,
            rw=app.home.rw,
            kelurahan=app.home.kelurahan,
            kecamatan=app.home.kecamatan,
            kabkota_code=app.home.kabkota_code,
            latitude=app.home.latitude,
            longitude=app.home.longitude,
        ),
        verifier_npsn=app.verifier_npsn,
        rapor_avg=app.rapor_avg,
        requirements=requirements(app, current, required),
        reviews=[
            ReviewOut(
                document_id=r.document_id,
                slot=r.slot,
                decision=r.decision,
                reason=r.reason,
                role=r.role,
                at=r.at,
            )
            for r in app.reviews
        ],
        registration=registration(app, period, now, deps),
        confirmed_at=app.confirmed_at,
        version=app.version,
    )


def brief(
    app: Application, period: PeriodRecord, actor: Principal, now: datetime
) -> ApplicationBrief:
    status = shown_status(app, period, actor, now)
    return ApplicationBrief(
        id=app.id,
        period_id=app.period_id,
        status=status.value,
        status_label=LABELS[status],
        child_name=app.child.name,
        nik_masked=mask_nik("0" * 12 + app.child.nik_last4),
        verifier_npsn=app.verifier_npsn,
        submitted_at=app.submitted_at,
        updated_at=app.updated_at,
    )
