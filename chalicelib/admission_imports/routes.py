"""HTTP routes of school imports: open an import, read its report, list a period's schools."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core.http import Reply, Req, endpoint
from chalicelib.wiring import deps

bp = Blueprint(__name__)
BASE = "/v1/admissions/periods/{period_id}"


@endpoint(
    bp,
    BASE + "/school-imports",
    "POST",
    body="chalicelib.admission_imports.schemas.SchoolImportCreate",
    returns="chalicelib.admission_imports.schemas.SchoolImportTicket",
    status=201,
    summary="Buka impor data sekolah periode (CSV/XLSX lewat presigned POST ke S3)",
)
def open_school_import(req: Req, period_id: str) -> Reply:
    from chalicelib.admission_imports import service
    from chalicelib.admission_imports.schemas import SchoolImportCreate

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
    returns="chalicelib.admission_imports.schemas.SchoolImportPublic",
    summary="Status dan laporan kesalahan per baris satu impor sekolah",
)
def get_school_import(req: Req, period_id: str, import_id: str) -> Reply:
    from chalicelib.admission_imports import service

    return Reply(service.get_import(period_id, import_id, actor=req.actor, deps=deps()))


@endpoint(
    bp,
    BASE + "/schools",
    returns="chalicelib.admission_imports.schemas.PeriodSchoolList",
    summary="Sekolah yang berlaku pada periode, dengan kursi per jalur",
)
def list_period_schools(req: Req, period_id: str) -> Reply:
    from chalicelib.admission_imports import service

    return Reply(service.list_schools(period_id, actor=req.actor, deps=deps()))
