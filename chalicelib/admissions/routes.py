"""PPDB HTTP routes: periods, pre-registration, documents, verification, registration."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core.http import PAGE_QUERY, EmptyBody, QueryParam, Reply, Req, endpoint
from chalicelib.core.principal import Role
from chalicelib.wiring import deps

bp = Blueprint(__name__)
PERIODS = "/v1/admissions/periods"
APPS = "/v1/admissions/applications"


@endpoint(
    bp,
    PERIODS,
    "POST",
    body="chalicelib.admissions.schemas.PeriodCreate",
    returns="chalicelib.admissions.schemas.PeriodPublic",
    status=201,
    summary="Buat periode PPDB (jalur, kuota, jadwal, kriteria)",
)
def create_period(req: Req) -> Reply:
    from chalicelib.admissions import periods
    from chalicelib.admissions.schemas import PeriodCreate

    body = req.body(PeriodCreate)
    return Reply(periods.create(body, actor=req.actor, deps=deps(), request_id=req.request_id), 201)


@endpoint(
    bp,
    PERIODS,
    returns="chalicelib.admissions.schemas.PeriodPage",
    summary="Daftar periode PPDB",
    query=PAGE_QUERY,
)
def list_periods(req: Req) -> Reply:
    from chalicelib.admissions import periods

    return Reply(periods.list_periods(req.query, deps=deps()))


@endpoint(
    bp,
    PERIODS + "/{period_id}",
    returns="chalicelib.admissions.schemas.PeriodPublic",
    summary="Rincian periode PPDB",
)
def get_period(req: Req, period_id: str) -> Reply:
    from chalicelib.admissions import periods

    return Reply(periods.get(period_id, deps=deps()))


@endpoint(
    bp,
    PERIODS + "/{period_id}",
    "PUT",
    body="chalicelib.admissions.schemas.PeriodUpdate",
    returns="chalicelib.admissions.schemas.PeriodPublic",
    summary="Ubah periode sebelum pendaftaran dibuka (dengan versi)",
)
def update_period(req: Req, period_id: str) -> Reply:
    from chalicelib.admissions import periods
    from chalicelib.admissions.schemas import PeriodUpdate

    body = req.body(PeriodUpdate)
    return Reply(
        periods.update(period_id, body, actor=req.actor, deps=deps(), request_id=req.request_id)
    )


@endpoint(
    bp,
    PERIODS + "/{period_id}/applications",
    "POST",
    body="chalicelib.admissions.schemas.ApplicationCreate",
    returns="chalicelib.admissions.schemas.ApplicationPublic",
    status=201,
    summary="Pra-pendaftaran anak (satu per anak per periode)",
)
def create_application(req: Req, period_id: str) -> Reply:
    from chalicelib.admissions import service
    from chalicelib.admissions.schemas import ApplicationCreate

    body = req.body(ApplicationCreate)
    created = service.create(
        period_id, body, actor=req.actor, deps=deps(), request_id=req.request_id
    )
    return Reply(created, 201)


@endpoint(
    bp,
    PERIODS + "/{period_id}/verification-queue",
    returns="chalicelib.admissions.schemas.ApplicationPage",
    summary="Antrean verifikasi berkas sebuah sekolah (terlama dahulu)",
    query={
        "school": QueryParam(
            "NPSN sekolah: wajib untuk Dinas Pendidikan; operator: sekolahnya sendiri.",
            roles=frozenset({Role.SCHOOL_OPERATOR, Role.EDUCATION_STAFF}),
        ),
        **PAGE_QUERY,
    },
)
def verification_queue(req: Req, period_id: str) -> Reply:
    from chalicelib.admissions import verification

    return Reply(
        verification.queue(
            period_id, req.query, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )


@endpoint(
    bp,
    APPS,
    returns="chalicelib.admissions.schemas.ApplicationPage",
    summary="Pendaftaran PPDB milik saya",
    query=PAGE_QUERY,
)
def my_applications(req: Req) -> Reply:
    from chalicelib.admissions import service

    return Reply(service.mine(req.query, actor=req.actor, deps=deps()))


@endpoint(
    bp,
    APPS + "/{application_id}",
    returns="chalicelib.admissions.schemas.ApplicationPublic",
    summary="Rincian pendaftaran",
)
def get_application(req: Req, application_id: str) -> Reply:
    from chalicelib.admissions import service

    return Reply(
        service.get(application_id, actor=req.actor, deps=deps(), request_id=req.request_id)
    )


@endpoint(
    bp,
    APPS + "/{application_id}",
    "PATCH",
    body="chalicelib.admissions.schemas.ApplicationUpdate",
    returns="chalicelib.admissions.schemas.ApplicationPublic",
    summary="Perbaiki data pra-pendaftaran (draft / perlu perbaikan)",
)
def update_application(req: Req, application_id: str) -> Reply:
    from chalicelib.admissions import service
    from chalicelib.admissions.schemas import ApplicationUpdate

    body = req.body(ApplicationUpdate)
    return Reply(
        service.update(
            application_id, body, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )


@endpoint(
    bp,
    APPS + "/{application_id}/documents",
    "POST",
    body="chalicelib.documents.schemas.UploadCreate",
    returns="chalicelib.documents.schemas.UploadPublic",
    status=201,
    summary="Buka unggahan dokumen PPDB (presigned POST ke S3)",
)
def open_application_upload(req: Req, application_id: str) -> Reply:
    from chalicelib.admissions import service
    from chalicelib.documents.schemas import UploadCreate

    body = req.body(UploadCreate)
    ticket = service.open_upload(
        application_id, body.slot, body.content_type, actor=req.actor, deps=deps()
    )
    return Reply(ticket, 201)


@endpoint(
    bp,
    APPS + "/{application_id}/documents",
    returns="chalicelib.documents.schemas.DocumentList",
    summary="Daftar dokumen pendaftaran",
)
def list_application_documents(req: Req, application_id: str) -> Reply:
    from chalicelib.admissions import service

    return Reply(
        service.list_documents(
            application_id, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )


@endpoint(
    bp,
    APPS + "/{application_id}/documents/{document_id}/download",
    returns="chalicelib.documents.schemas.DownloadPublic",
    summary="Tautan unduh sementara dokumen pendaftaran",
)
def download_application_document(req: Req, application_id: str, document_id: str) -> Reply:
    from chalicelib.admissions import service

    return Reply(
        service.download(
            application_id, document_id, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )


@endpoint(
    bp,
    APPS + "/{application_id}/submit",
    "POST",
    body=EmptyBody,
    returns="chalicelib.admissions.schemas.ApplicationPublic",
    summary="Ajukan berkas untuk diverifikasi",
)
def submit_application(req: Req, application_id: str) -> Reply:
    from chalicelib.admissions import service

    return Reply(
        service.submit(application_id, actor=req.actor, deps=deps(), request_id=req.request_id)
    )


@endpoint(
    bp,
    APPS + "/{application_id}/review",
    "POST",
    body="chalicelib.admissions.schemas.ReviewCreate",
    returns="chalicelib.admissions.schemas.ApplicationPublic",
    summary="Verifikasi atau tolak dokumen (dengan alasan)",
)
def review_documents(req: Req, application_id: str) -> Reply:
    from chalicelib.admissions import verification
    from chalicelib.admissions.schemas import ReviewCreate

    body = req.body(ReviewCreate)
    return Reply(
        verification.review(
            application_id, body, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )


@endpoint(
    bp,
    APPS + "/{application_id}/registration",
    "PUT",
    body="chalicelib.admissions.schemas.RegistrationPut",
    returns="chalicelib.admissions.schemas.ApplicationPublic",
    summary="Daftar atau ubah pilihan di jalur yang sedang dibuka",
)
def put_registration(req: Req, application_id: str) -> Reply:
    from chalicelib.admissions import registration
    from chalicelib.admissions.schemas import RegistrationPut

    body = req.body(RegistrationPut)
    return Reply(
        registration.register(
            application_id, body, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )
