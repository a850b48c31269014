"""HTTP routes of PPDB results: live position, final allocation runs, the announced result and
the per-school XLSX export. Thin: parse, call one use case, return its model."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core.http import Reply, Req, endpoint
from chalicelib.wiring import deps

bp = Blueprint(__name__)
APPS = "/v1/admissions/applications/{application_id}"
PERIOD = "/v1/admissions/periods/{period_id}"


@endpoint(
    bp,
    APPS + "/position",
    returns="chalicelib.admission_results.schemas.PositionPublic",
    summary="Posisi sementara pendaftar pada peringkat langsung (dari snapshot terakhir)",
    errors=(409,),
)
def application_position(req: Req, application_id: str) -> Reply:
    from chalicelib.admission_results import service

    return Reply(
        service.position(application_id, actor=req.actor, deps=deps(), request_id=req.request_id)
    )


@endpoint(
    bp,
    APPS + "/result",
    returns="chalicelib.admission_results.schemas.AdmissionResultPublic",
    summary="Hasil seleksi dengan penjelasan (setelah pengumuman)",
    errors=(409,),
)
def application_result(req: Req, application_id: str) -> Reply:
    from chalicelib.admission_results import service

    return Reply(
        service.result(application_id, actor=req.actor, deps=deps(), request_id=req.request_id)
    )


@endpoint(
    bp,
    PERIOD + "/allocations",
    "POST",
    body="chalicelib.admission_results.schemas.AllocationRequest",
    returns="chalicelib.admission_results.schemas.AllocationQueued",
    status=202,
    summary="Jalankan (ulang) seleksi akhir setelah semua jalur ditutup, sebelum pengumuman",
)
def request_allocation(req: Req, period_id: str) -> Reply:
    from chalicelib.admission_results import service
    from chalicelib.admission_results.schemas import AllocationRequest

    body = req.body(AllocationRequest)
    queued = service.request_allocation(
        period_id, body, actor=req.actor, deps=deps(), request_id=req.request_id
    )
    return Reply(queued, 202)


@endpoint(
    bp,
    PERIOD + "/allocations/latest",
    returns="chalicelib.admission_results.schemas.AllocationRunPublic",
    summary="Run seleksi akhir terbaru dan ringkasannya",
)
def latest_allocation(req: Req, period_id: str) -> Reply:
    from chalicelib.admission_results import service

    return Reply(service.latest_run(period_id, actor=req.actor, deps=deps()))


@endpoint(
    bp,
    PERIOD + "/schools/{npsn}/results.xlsx",
    returns="chalicelib.admission_results.schemas.ResultsExport",
    summary="Unduh hasil seleksi satu sekolah (XLSX, tautan sementara)",
    errors=(409,),
)
def school_results_xlsx(req: Req, period_id: str, npsn: str) -> Reply:
    from chalicelib.admission_results import export

    return Reply(
        export.export_school(
            period_id, npsn, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )
