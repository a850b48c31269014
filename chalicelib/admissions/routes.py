"""PPDB HTTP routes: periods, pre-registration, documents, verification, registration."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.admissions import periods, registration, service, verification
from chalicelib.admissions.schemas import (
    ApplicationCreate,
    ApplicationPage,
    ApplicationPublic,
    ApplicationUpdate,
    PeriodCreate,
    PeriodPage,
    PeriodPublic,
    PeriodUpdate,
    RegistrationPut,
    ReviewCreate,
)
from chalicelib.core.http import PAGE_QUERY, Reply, Req, endpoint
from chalicelib.documents.schemas import DocumentList, DownloadPublic, UploadCreate, UploadPublic
from chalicelib.wiring import deps

bp = Blueprint(__name__)
PERIODS = "/v1/admissions/periods"
APPS = "/v1/admissions/applications"


@endpoint(
    bp,
    PERIODS,
    "POST",
    body=PeriodCreate,
    returns=PeriodPublic,
    status=201,
    summary="Buat periode PPDB (jalur, kuota, jadwal, kriteria)",
)
def create_period(req: Req) -> Reply:
    body = req.body(PeriodCreate)
    return Reply(periods.create(body, actor=req.actor, deps=deps(), request_id=req.request_id), 201)


@endpoint(bp, PERIODS, returns=PeriodPage, summary="Daftar periode PPDB", query=PAGE_QUERY)
def list_periods(req: Req) -> Reply:
    return Reply(periods.list_periods(req.query, deps=deps()))


@endpoint(bp, PERIODS + "/{period_id}", returns=PeriodPublic, summary="Rincian periode PPDB")
def get_period(req: Req, period_id: str) -> Reply:
    return Reply(periods.get(period_id, deps=deps()))


@endpoint(
    bp,
    PERIODS + "/{period_id}",
    "PUT",
    body=PeriodUpdate,
    returns=PeriodPublic,
    summary="Ubah periode sebelum pendaftaran dibuka (dengan versi)",
)
def update_period(req: Req, period_id: str) -> Reply:
    body = req.body(PeriodUpdate)
    return Reply(
        periods.update(period_id, body, actor=req.actor, deps=deps(), request_id=req.request_id)
    )


@endpoint(
    bp,
    PERIODS + "/{period_id}/applications",
    "POST",
    body=ApplicationCreate,
    returns=ApplicationPublic,
    status=201,
    summary="Pra-pendaftaran anak (satu per anak per periode)",
)
def create_application(req: Req, period_id: str) -> Reply:
    body = req.body(ApplicationCreate)
    created = service.create(
        period_id, body, actor=req.actor, deps=deps(), request_id=req.request_id
    )
    return Reply(created, 201)


@endpoint(
    bp,
    PERIODS + "/{period_id}/verification-queue",
    returns=ApplicationPage,
    summary="Antrean verifikasi berkas sebuah sekolah (terlama dahulu)",
    query={"school": "NPSN sekolah (wajib untuk Dinas Pendidikan).", **PAGE_QUERY},
)
def verification_queue(req: Req, period_id: str) -> Reply:
    return Reply(
        verification.queue(
            period_id, req.query, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )


@endpoint(bp, APPS, returns=ApplicationPage, summary="Pendaftaran PPDB milik saya",
          query=PAGE_QUERY)  # fmt: skip
def my_applications(req: Req) -> Reply:
    return Reply(service.mine(req.query, actor=req.actor, deps=deps()))


@endpoint(bp, APPS + "/{application_id}", returns=ApplicationPublic,
          summary="Rincian pendaftaran")  # fmt: skip
def get_application(req: Req, application_id: str) -> Reply:
    return Reply(
        service.get(application_id, actor=req.actor, deps=deps(), request_id=req.request_id)
    )


@endpoint(
    bp,
    APPS + "/{application_id}",
    "PATCH",
    body=ApplicationUpdate,
    returns=ApplicationPublic,
    summary="Perbaiki data pra-pendaftaran (draft / perlu perbaikan)",
)
def update_application(req: Req, application_id: str) -> Reply:
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
    body=UploadCreate,
    returns=UploadPublic,
    status=201,
    summary="Buka unggahan dokumen PPDB (presigned POST ke S3)",
)
def open_application_upload(req: Req, application_id: str) -> Reply:
    body = req.body(UploadCreate)
    ticket = service.open_upload(
        application_id, body.slot, body.content_type, actor=req.actor, deps=deps()
    )
    return Reply(ticket, 201)


@endpoint(bp, APPS + "/{application_id}/documents", returns=DocumentList,
          summary="Daftar dokumen pendaftaran")  # fmt: skip
def list_application_documents(req: Req, application_id: str) -> Reply:
    return Reply(
        service.list_documents(
            application_id, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )


@endpoint(
    bp,
    APPS + "/{application_id}/documents/{document_id}/download",
    returns=DownloadPublic,
    summary="Tautan unduh sementara dokumen pendaftaran",
)
def download_application_document(req: Req, application_id: str, document_id: str) -> Reply:
    return Reply(
        service.download(
            application_id, document_id, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )


@endpoint(
    bp,
    APPS + "/{application_id}/submit",
    "POST",
    returns=ApplicationPublic,
    summary="Ajukan berkas untuk diverifikasi",
)
def submit_application(req: Req, application_id: str) -> Reply:
    return Reply(
        service.submit(application_id, actor=req.actor, deps=deps(), request_id=req.request_id)
    )


@endpoint(
    bp,
    APPS + "/{application_id}/review",
    "POST",
    body=ReviewCreate,
    returns=ApplicationPublic,
    summary="Verifikasi atau tolak dokumen (dengan alasan)",
)
def review_documents(req: Req, application_id: str) -> Reply:
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
    body=RegistrationPut,
    returns=ApplicationPublic,
    summary="Daftar atau ubah pilihan di jalur yang sedang dibuka",
)
def put_registration(req: Req, application_id: str) -> Reply:
    body = req.body(RegistrationPut)
    return Reply(
        registration.register(
            application_id, body, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )
