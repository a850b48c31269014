"""Admission periods: created and changed by education staff, read by everyone.

A period config is checked against the national floors and caps (Permendikdasmen 3/2025) and
the config rules (quota total 100 %, timeline order, spillover only to later routes, valid
criteria). Config errors are always refused (422 ``invalid_period``); breaches of a national rule
are refused (422 ``national_rules``) unless staff give a written ``override_reason``, which is
stored with the codes it overrides and audited.

A tahap 2 period names its tahap 1 period (``previous_period_id``); it can be created once that
period released its unconfirmed seats. Its schools are the tahap 1 schools with capacity = the
seats left (seats - confirmed), split by tahap 2's own quotas.
A period can be changed (PUT, with its version) until PERIOD_CACHE_SECONDS before its first
registration window opens: request paths read a period from an in-function cache that may be
that old (repository.PERIOD_CACHE_SECONDS), so by the time any window opens every instance holds
the final configuration, and a window decision is never taken on a changed config.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from chalicelib.admissions.domain import Criterion, Period, Route, check_period, split_seats
from chalicelib.admissions.records import PeriodRecord, PeriodSchool
from chalicelib.admissions.repository import PERIOD_CACHE_SECONDS
from chalicelib.admissions.schemas import (
    CriterionOut,
    PeriodCreate,
    PeriodPage,
    PeriodPublic,
    PeriodUpdate,
    RouteOut,
)
from chalicelib.core.audit import entry
from chalicelib.core.errors import Conflict, NotFound, Unprocessable
from chalicelib.core.ids import is_id, new_id
from chalicelib.core.pagination import decode_cursor, encode_cursor, parse_limit
from chalicelib.core.principal import Principal
from chalicelib.core.schemas import wib_text
from chalicelib.schools.domain import Level
from chalicelib.wiring import Deps


def subject(pid: str) -> str:
    return f"ppdb-period#{pid}"


def load_period(pid: str, deps: Deps, cached: bool = False) -> PeriodRecord:
    """The period or 404. A malformed id (a pasted NIK, say) is never looked up or logged.
    ``cached``: for read-only request paths, a copy up to PERIOD_CACHE_SECONDS old will do."""
    period = deps.admissions.get_period(pid, cached=cached) if is_id(pid) else None
    if period is None:
        raise NotFound("period_not_found", "Periode PPDB tidak ditemukan.")
    return period


def _config(body: PeriodCreate) -> Period:
    routes = tuple(
        Route(
            id=r.id,
            family=r.family,
            quota_percent=r.quota_percent,
            opens_at=r.opens_at,
            closes_at=r.closes_at,
            announce_at=r.announce_at,
            reregister_by=r.reregister_by,
            criteria=tuple(Criterion(c.field, c.order) for c in r.criteria),
            spill_to=r.spill_to,
            documents=tuple(r.documents),
            residence=r.residence,
        )
        for r in body.routes
    )
    return Period(
        level=Level(body.level),
        school_year=body.school_year,
        stage=body.stage,
        routes=routes,
        max_choices=body.max_choices,
        changes_per_day=body.changes_per_day,
    )


def _checked(body: PeriodCreate) -> tuple[Period, tuple[str, ...]]:
    """The config and the national rules it overrides; raises Unprocessable."""
    config = _config(body)
    problems = check_period(config)
    errors = [v for v in problems if not v.national]
    national = [v for v in problems if v.national]
    listed = [{"code": v.code, "message": v.message, "national": v.national} for v in problems]
    if errors:
        raise Unprocessable(
            "invalid_period",
            "Konfigurasi periode tidak valid; lihat violations.",
            violations=listed,
        )
    if national and not body.override_reason:
        raise Unprocessable(
            "national_rules",
            "Kuota melanggar batas nasional. Perbaiki, atau isi override_reason (alasan tertulis, "
            "diaudit) bila ada dasar hukumnya.",
            violations=listed,
        )
    return config, tuple(v.code for v in national)


def _tahap2_schools(body: PeriodCreate, config: Period, deps: Deps) -> list[PeriodSchool]:
    from chalicelib.admission_enrolment.domain import leftover_seats

    previous = load_period(body.previous_period_id or "", deps)
    if previous.config.level is not config.level:
        raise Conflict("level_mismatch", "Tahap 2 harus untuk jenjang yang sama dengan tahap 1.")
    if previous.released_at is None or previous.schools_import is None:
        raise Conflict(
            "previous_not_released",
            "Tahap 1 belum selesai: kursi yang tidak didaftar-ulangi belum dilepas.",
        )
    left = leftover_seats(deps.admissions.seat_counters(previous.id))
    schools = []
    for s in deps.admissions.schools(previous.id, previous.schools_import):
        capacity = left.get(s.npsn, 0)
        schools.append(replace(s, capacity=capacity, seats=split_seats(capacity, config)))
    return schools


def create(body: PeriodCreate, *, actor: Principal, deps: Deps, request_id: str) -> PeriodPublic:
    config, overridden = _checked(body)
    now = deps.clock.now()
    pid = new_id()
    record = PeriodRecord(
        id=pid,
        name=body.name,
        config=config,
        prereg_opens_at=body.prereg_opens_at,
        prereg_closes_at=body.prereg_closes_at,
        created_at=now,
        created_by=actor.sub,
        override_reason=body.override_reason if overridden else None,
        overridden=overridden,
        previous_period_id=body.previous_period_id,
    )
    if body.stage == 2:
        schools = _tahap2_schools(body, config, deps)
        import_id = new_id()
        deps.admissions.put_schools(pid, import_id, schools)  # staged; live with the period
        record = replace(record, schools_import=import_id, school_count=len(schools))
    audit = [entry(subject(pid), "create_period", actor, now, request_id=request_id)]
    if overridden:
        audit.append(
            entry(
                subject(pid),
                "override_national_rules",
                actor,
                now,
                detail=f"{','.join(overridden)}: {body.override_reason}",
                request_id=request_id,
            )
        )
    return present(deps.admissions.create_period(record, audit), now)


def update(
    pid: str, body: PeriodUpdate, *, actor: Principal, deps: Deps, request_id: str
) -> PeriodPublic:
    current = load_period(pid, deps)
    now = deps.clock.now()
    if now >= current.first_opening - timedelta(seconds=PERIOD_CACHE_SECONDS):
        raise Conflict(
            "period_started", "Pendaftaran sudah dibuka; konfigurasi periode tidak dapat diubah."
        )
    if body.version != current.version:
        raise Conflict(
            "concurrent_update",
            "Periode baru saja diubah orang lain. Muat ulang lalu coba lagi.",
            current_version=current.version,
        )
    if body.stage != current.config.stage or body.level != current.config.level.value:
        raise Conflict("immutable_fields", "Jenjang dan tahap periode tidak dapat diubah.")
    config, overridden = _checked(body)
    record = replace(
        current,
        name=body.name,
        config=config,
        prereg_opens_at=body.prereg_opens_at,
        prereg_closes_at=body.prereg_closes_at,
        override_reason=body.override_reason if overridden else None,
        overridden=overridden,
    )
    if current.schools_import and config.routes != current.config.routes:
        # Seats per route follow the quotas: re-split the live schools under a new import id.
        schools = [
            replace(s, seats=split_seats(s.capacity, config))
            for s in deps.admissions.schools(pid, current.schools_import)
        ]
        import_id = new_id()
        deps.admissions.put_schools(pid, import_id, schools)
        record = replace(record, schools_import=import_id)
    detail = f"{','.join(overridden)}: {body.override_reason}" if overridden else ""
    audit = [entry(subject(pid), "update_period", actor, now, detail=detail, request_id=request_id)]
    return present(deps.admissions.save_period(record, current.version, audit), now)


def get(pid: str, *, deps: Deps) -> PeriodPublic:
    return present(load_period(pid, deps, cached=True), deps.clock.now())


def list_periods(query: dict[str, str], *, deps: Deps) -> PeriodPage:
    secret, scope = deps.settings.signing_secret, "ppdb-periods"
    items, last = deps.admissions.list_periods(
        parse_limit(query.get("limit")), decode_cursor(secret, scope, query.get("cursor"))
    )
    now = deps.clock.now()
    return PeriodPage(
        items=[present(p, now) for p in items], next_cursor=encode_cursor(secret, scope, last)
    )


def window(route: Route, now: datetime) -> str:
    if now < route.opens_at:
        return "upcoming"
    return "open" if now < route.closes_at else "closed"


def present(p: PeriodRecord, now: datetime) -> PeriodPublic:
    c = p.config
    return PeriodPublic(
        id=p.id,
        name=p.name,
        level=c.level.value,
        school_year=c.school_year,
        stage=c.stage,
        previous_period_id=p.previous_period_id,
        prereg_opens_at=p.prereg_opens_at,
        prereg_closes_at=p.prereg_closes_at,
        prereg_open=p.prereg_opens_at <= now < p.prereg_closes_at,
        max_choices=c.max_choices,
        changes_per_day=c.changes_per_day,
        routes=[
            RouteOut(
                id=r.id,
                family=r.family.value,
                quota_percent=str(r.quota_percent),
                opens_at=r.opens_at,
                closes_at=r.closes_at,
                announce_at=r.announce_at,
                reregister_by=r.reregister_by,
                opens_at_wib=wib_text(r.opens_at),
                closes_at_wib=wib_text(r.closes_at),
                announce_at_wib=wib_text(r.announce_at),
                reregister_by_wib=wib_text(r.reregister_by),
                criteria=[CriterionOut(field=k.field, order=k.order) for k in r.criteria],
                spill_to=r.spill_to,
                documents=list(r.documents),
                residence=r.residence,
                window=window(r, now),
            )
            for r in c.routes
        ],
        school_count=p.school_count,
        overridden=list(p.overridden),
        override_reason=p.override_reason,
        allocation_run=p.allocation_run,
        announced_run=p.announced_run,
        released_at=p.released_at,
        version=p.version,
    )
