"""JSON forms of the admissions records (what the table's ``body`` attribute holds)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from chalicelib.admissions.application import (
    Application,
    AppStatus,
    Child,
    Home,
    Outcome,
    Registration,
    Review,
)
from chalicelib.admissions.domain import Criterion, Family, Period, Route
from chalicelib.admissions.records import (
    AllocationRun,
    ImportJob,
    PeriodRecord,
    PeriodSchool,
    RowError,
)
from chalicelib.core.clock import iso_utc, parse_utc
from chalicelib.schools.domain import Level

J = dict[str, Any]


def _t(value: datetime | None) -> str | None:
    return None if value is None else iso_utc(value)


def _pt(value: str | None) -> datetime | None:
    return None if value is None else parse_utc(value)


# -- period -------------------------------------------------------------------------------------


def dump_route(r: Route) -> J:
    return {
        "id": r.id,
        "family": r.family.value,
        "quota_percent": str(r.quota_percent),
        "opens_at": iso_utc(r.opens_at),
        "closes_at": iso_utc(r.closes_at),
        "announce_at": iso_utc(r.announce_at),
        "reregister_by": iso_utc(r.reregister_by),
        "criteria": [{"field": c.field, "order": c.order} for c in r.criteria],
        "spill_to": r.spill_to,
        "documents": list(r.documents),
        "residence": r.residence,
    }


def load_route(d: J) -> Route:
    return Route(
        id=d["id"],
        family=Family(d["family"]),
        quota_percent=Decimal(d["quota_percent"]),
        opens_at=parse_utc(d["opens_at"]),
        closes_at=parse_utc(d["closes_at"]),
        announce_at=parse_utc(d["announce_at"]),
        reregister_by=parse_utc(d["reregister_by"]),
        criteria=tuple(Criterion(c["field"], c["order"]) for c in d["criteria"]),
        spill_to=d.get("spill_to"),
        documents=tuple(d.get("documents", ())),
        residence=d.get("residence"),
    )


def dump_period(p: PeriodRecord) -> J:
    c = p.config
    return {
        "id": p.id,
        "name": p.name,
        "level": c.level.value,
        "school_year": c.school_year,
        "stage": c.stage,
        "max_choices": c.max_choices,
        "changes_per_day": c.changes_per_day,
        "routes": [dump_route(r) for r in c.routes],
        "prereg_opens_at": iso_utc(p.prereg_opens_at),
        "prereg_closes_at": iso_utc(p.prereg_closes_at),
        "created_at": iso_utc(p.created_at),
        "created_by": p.created_by,
        "override_reason": p.override_reason,
        "overridden": list(p.overridden),
        "previous_period_id": p.previous_period_id,
        "schools_import": p.schools_import,
        "school_count": p.school_count,
        "allocation_run": p.allocation_run,
        "allocation_requested": p.allocation_requested,
        "allocation_routes": p.allocation_routes,
        "announced_run": p.announced_run,
        "released_at": _t(p.released_at),
        "notified_routes": list(p.notified_routes),
    }


def load_period(d: J, version: int) -> PeriodRecord:
    config = Period(
        level=Level(d["level"]),
        school_year=d["school_year"],
        stage=int(d["stage"]),
        routes=tuple(load_route(r) for r in d["routes"]),
        max_choices=int(d["max_choices"]),
        changes_per_day=int(d["changes_per_day"]),
    )
    return PeriodRecord(
        id=d["id"],
        name=d["name"],
        config=config,
        prereg_opens_at=parse_utc(d["prereg_opens_at"]),
        prereg_closes_at=parse_utc(d["prereg_closes_at"]),
        created_at=parse_utc(d["created_at"]),
        created_by=d["created_by"],
        override_reason=d.get("override_reason"),
        overridden=tuple(d.get("overridden", ())),
        previous_period_id=d.get("previous_period_id"),
        schools_import=d.get("schools_import"),
        school_count=int(d.get("school_count", 0)),
        allocation_run=int(d.get("allocation_run", 0)),
        allocation_requested=int(d.get("allocation_requested", 0)),
        allocation_routes=int(
            d.get("allocation_routes", len(d["routes"]) if d.get("allocation_requested") else 0)
        ),
        announced_run=d.get("announced_run"),
        released_at=_pt(d.get("released_at")),
        notified_routes=tuple(d.get("notified_routes", ())),
        version=version,
    )


# -- schools, imports, runs ----------------------------------------------------------------------


def dump_school(s: PeriodSchool) -> J:
    return {
        "npsn": s.npsn,
        "name": s.name,
        "level": s.level,
        "address": s.address,
        "rt": s.rt,
        "rw": s.rw,
        "kelurahan": s.kelurahan,
        "kecamatan": s.kecamatan,
        "zone": s.zone,
        "latitude": s.latitude,
        "longitude": s.longitude,
        "capacity": s.capacity,
        "seats": dict(s.seats),
        "neighbours": [list(n) for n in s.neighbours],
    }


def load_school(d: J) -> PeriodSchool:
    return PeriodSchool(
        npsn=d["npsn"],
        name=d["name"],
        level=d["level"],
        address=d["address"],
        rt=d["rt"],
        rw=d["rw"],
        kelurahan=d["kelurahan"],
        kecamatan=d["kecamatan"],
        zone=d["zone"],
        latitude=float(d["latitude"]),
        longitude=float(d["longitude"]),
        capacity=int(d["capacity"]),
        seats={k: int(v) for k, v in d["seats"].items()},
        neighbours=tuple((n[0], n[1], n[2]) for n in d.get("neighbours", ())),
    )


def dump_import(j: ImportJob) -> J:
    return {
        "period_id": j.period_id,
        "id": j.id,
        "document_id": j.document_id,
        "content_type": j.content_type,
        "status": j.status,
        "created_at": iso_utc(j.created_at),
        "created_by": j.created_by,
        "finished_at": _t(j.finished_at),
        "rows": j.rows,
        "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in j.errors],
        "message": j.message,
    }


def load_import(d: J) -> ImportJob:
    return ImportJob(
        period_id=d["period_id"],
        id=d["id"],
        document_id=d["document_id"],
        content_type=d["content_type"],
        status=d["status"],
        created_at=parse_utc(d["created_at"]),
        created_by=d["created_by"],
        finished_at=_pt(d.get("finished_at")),
        rows=int(d.get("rows", 0)),
        errors=tuple(RowError(e["row"], e["column"], e["message"]) for e in d.get("errors", ())),
        message=d.get("message", ""),
    )


def dump_run(r: AllocationRun) -> J:
    return {
        "period_id": r.period_id,
        "run": r.run,
        "status": r.status,
        "requested_at": iso_utc(r.requested_at),
        "requested_by": r.requested_by,
        "finished_at": _t(r.finished_at),
        "result_key": r.result_key,
        "applicants": r.applicants,
        "admitted": r.admitted,
        "seconds": r.seconds,
        "summary": r.summary,
    }


def load_run(d: J) -> AllocationRun:
    return AllocationRun(
        period_id=d["period_id"],
        run=int(d["run"]),
        status=d["status"],
        requested_at=parse_utc(d["requested_at"]),
        requested_by=d["requested_by"],
        finished_at=_pt(d.get("finished_at")),
        result_key=d.get("result_key"),
        applicants=int(d.get("applicants", 0)),
        admitted=int(d.get("admitted", 0)),
        seconds=float(d.get("seconds", 0.0)),
        summary=d.get("summary", {}),
    )


# -- application ---------------------------------------------------------------------------------


def dump_application(a: Application) -> J:
    reg = a.registration
    out = a.outcome
    return {
        "id": a.id,
        "period_id": a.period_id,
        "parent_sub": a.parent_sub,
        "status": a.status.value,
        "created_at": iso_utc(a.created_at),
        "updated_at": iso_utc(a.updated_at),
        "child": {
            "name": a.child.name,
            "birth_date": a.child.birth_date.isoformat(),
            "gender": a.child.gender,
            "nik_hmac": a.child.nik_hmac,
            "nik_cipher": a.child.nik_cipher,
            "nik_last4": a.child.nik_last4,
            "nisn": a.child.nisn,
        },
        "kk_number_cipher": a.kk_number_cipher,
        "kk_issued_on": a.kk_issued_on.isoformat(),
        "home": {
            "address": a.home.address,
            "rt": a.home.rt,
            "rw": a.home.rw,
            "kelurahan": a.home.kelurahan,
            "kecamatan": a.home.kecamatan,
            "latitude": a.home.latitude,
            "longitude": a.home.longitude,
            "kabkota_code": a.home.kabkota_code,
        },
        "verifier_npsn": a.verifier_npsn,
        "rapor_avg": a.rapor_avg,
        "achievement_score": a.achievement_score,
        "reviews": [
            {
                "document_id": r.document_id,
                "slot": r.slot,
                "decision": r.decision,
                "reason": r.reason,
                "by": r.by,
                "role": r.role,
                "at": iso_utc(r.at),
            }
            for r in a.reviews
        ],
        "registration": None
        if reg is None
        else {
            "route": reg.route,
            "choices": list(reg.choices),
            "seq": reg.seq,
            "registered_at": iso_utc(reg.registered_at),
            "changes_on": reg.changes_on,
            "changes_that_day": reg.changes_that_day,
            "attrs": reg.attrs,
            "choice_attrs": list(reg.choice_attrs),
        },
        "outcome": None
        if out is None
        else {
            "run": out.run,
            "school": out.school,
            "route": out.route,
            "ranks": list(out.ranks),
            "cutoffs": [None if c is None else list(c) for c in out.cutoffs],
            "values": [list(v) for v in out.values],
        },
        "confirmed_at": _t(a.confirmed_at),
        "submitted_at": _t(a.submitted_at),
        "history": [[s, role, iso_utc(at)] for s, role, at in a.history],
    }


def load_application(d: J, version: int) -> Application:
    c, h, reg, out = d["child"], d["home"], d.get("registration"), d.get("outcome")
    return Application(
        id=d["id"],
        period_id=d["period_id"],
        parent_sub=d["parent_sub"],
        status=AppStatus(d["status"]),
        created_at=parse_utc(d["created_at"]),
        updated_at=parse_utc(d["updated_at"]),
        child=Child(
            name=c["name"],
            birth_date=date.fromisoformat(c["birth_date"]),
            gender=c["gender"],
            nik_hmac=c["nik_hmac"],
            nik_cipher=c["nik_cipher"],
            nik_last4=c["nik_last4"],
            nisn=c.get("nisn"),
        ),
        kk_number_cipher=d["kk_number_cipher"],
        kk_issued_on=date.fromisoformat(d["kk_issued_on"]),
        home=Home(
            address=h["address"],
            rt=h["rt"],
            rw=h["rw"],
            kelurahan=h["kelurahan"],
            kecamatan=h["kecamatan"],
            latitude=float(h["latitude"]),
            longitude=float(h["longitude"]),
            kabkota_code=h.get("kabkota_code", "3671"),
        ),
        verifier_npsn=d["verifier_npsn"],
        rapor_avg=d.get("rapor_avg"),
        achievement_score=d.get("achievement_score"),
        reviews=tuple(
            Review(
                document_id=r["document_id"],
                slot=r["slot"],
                decision=r["decision"],
                reason=r["reason"],
                by=r["by"],
                role=r["role"],
                at=parse_utc(r["at"]),
            )
            for r in d.get("reviews", ())
        ),
        registration=None
        if reg is None
        else Registration(
            route=reg["route"],
            choices=tuple(reg["choices"]),
            seq=int(reg["seq"]),
            registered_at=parse_utc(reg["registered_at"]),
            changes_on=reg.get("changes_on", ""),
            changes_that_day=int(reg.get("changes_that_day", 0)),
            attrs=dict(reg.get("attrs", {})),
            choice_attrs=tuple(dict(c) for c in reg.get("choice_attrs", ())),
        ),
        outcome=None
        if out is None
        else Outcome(
            run=int(out["run"]),
            school=out.get("school"),
            route=out["route"],
            ranks=tuple(out["ranks"]),
            cutoffs=tuple(None if x is None else tuple(x) for x in out["cutoffs"]),
            values=tuple(tuple(v) for v in out["values"]),
        ),
        confirmed_at=_pt(d.get("confirmed_at")),
        submitted_at=_pt(d.get("submitted_at")),
        version=version,
        history=tuple((s, role, parse_utc(at)) for s, role, at in d.get("history", ())),
    )
