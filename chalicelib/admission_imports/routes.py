"""HTTP routes of school imports: open an import, read its report, list a period's schools."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.admission_imports import service
from chalicelib.admission_imports.schemas import (
    PeriodSchoolList,
    SchoolImportCreate,
    SchoolImportPublic,
    SchoolImportTicket,
)
from chalicelib.core.http import Reply, Req, endpoint
from chalicelib.wiring import deps

bp = Blueprint(__name__)
BASE = "/v1/admissions/periods/{period_id}"


@endpoint(
    bp,
    BASE + "/school-imports",
    "POST",
    body=SchoolImportCreate,
    returns=SchoolImportTicket,
    status=201,
    summary="Buka impor data sekolah periode (CSV/XLSX lewat presigned POST ke S3)",
)
def open_school_import(req: Req, period_id: str) -> Reply:
    body = req.body(SchoolImportCreate)
    return Reply(
        service.open_import(
            period_id, body.content_type, actor=req.actor, deps=deps(), request_id=req.request_id
        ),
        201,
    )


@endpoint(
    bp,
    BASE + "/school-imports/{import_id}",
    returns=SchoolImportPublic,
    summary="Status dan laporan kesalahan per baris satu impor sekolah",
)
def get_school_import(req: Req, period_id: str, import_id: str) -> Reply:
    return Reply(service.get_import(period_id, import_id, actor=req.actor, deps=deps()))


@endpoint(
    bp,
    BASE + "/schools",
    returns=PeriodSchoolList,
    summary="Sekolah yang berlaku pada periode, dengan kursi per jalur",
)
def list_period_schools(req: Req, period_id: str) -> Reply:
    return Reply(service.list_schools(period_id, actor=req.actor, deps=deps()))
