"""Data-subject rights (UU PDP) HTTP routes: parse, call one service function, return its model."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core.http import PAGE_QUERY, Reply, Req, endpoint
from chalicelib.wiring import deps

bp = Blueprint(__name__)
BASE = "/v1/privacy-requests"


@endpoint(
    bp,
    "/v1/me/data-export",
    returns="chalicelib.privacy.schemas.DataExport",
    summary="Unduh semua data saya dan anak saya beserta rekam jejak pemrosesannya (UU PDP)",
)
def data_export(req: Req) -> Reply:
    from chalicelib.privacy import export
    from chalicelib.privacy.repository import default_repository

    return Reply(
        export.export(
            actor=req.actor, deps=deps(), requests=default_repository(), request_id=req.request_id
        )
    )


@endpoint(
    bp,
    BASE,
    "POST",
    body="chalicelib.privacy.schemas.PrivacyRequestCreate",
    returns="chalicelib.privacy.schemas.PrivacyRequestPublic",
    status=201,
    summary="Catat permintaan perbaikan atau penghapusan data dari pemilik data",
    errors=(404,),
)
def record_privacy_request(req: Req) -> Reply:
    from chalicelib.privacy import service
    from chalicelib.privacy.repository import default_repository
    from chalicelib.privacy.schemas import PrivacyRequestCreate

    body = req.body(PrivacyRequestCreate)
    return Reply(
        service.record(
            body,
            actor=req.actor,
            deps=deps(),
            requests=default_repository(),
            request_id=req.request_id,
        ),
        201,
    )


@endpoint(
    bp,
    BASE,
    returns="chalicelib.privacy.schemas.PrivacyRequestPage",
    summary="Daftar permintaan pemilik data, tenggat 3 x 24 jam terdekat lebih dahulu",
    query={"status": "open (bawaan), completed, atau refused.", **PAGE_QUERY},
)
def list_privacy_requests(req: Req) -> Reply:
    from chalicelib.privacy import service
    from chalicelib.privacy.repository import default_repository

    return Reply(service.listing(req.query, deps=deps(), requests=default_repository()))


@endpoint(
    bp,
    BASE + "/{privacy_id}",
    returns="chalicelib.privacy.schemas.PrivacyRequestPublic",
    summary="Rincian satu permintaan (dengan rencana penghapusan bila masih terbuka)",
)
def get_privacy_request(req: Req, privacy_id: str) -> Reply:
    from chalicelib.privacy import service
    from chalicelib.privacy.repository import default_repository

    return Reply(
        service.get(privacy_id, actor=req.actor, deps=deps(), requests=default_repository())
    )


@endpoint(
    bp,
    BASE + "/{privacy_id}/complete",
    "POST",
    body="chalicelib.privacy.schemas.PrivacyRequestComplete",
    returns="chalicelib.privacy.schemas.PrivacyRequestPublic",
    summary="Laksanakan permintaan (penghapusan: hapus yang boleh, simpan yang wajib + alasan)",
)
def complete_privacy_request(req: Req, privacy_id: str) -> Reply:
    from chalicelib.privacy import service
    from chalicelib.privacy.repository import default_repository
    from chalicelib.privacy.schemas import PrivacyRequestComplete

    body = req.body(PrivacyRequestComplete)
    return Reply(
        service.complete(
            privacy_id,
            body,
            actor=req.actor,
            deps=deps(),
            requests=default_repository(),
            request_id=req.request_id,
        )
    )


@endpoint(
    bp,
    BASE + "/{privacy_id}/refuse",
    "POST",
    body="chalicelib.privacy.schemas.PrivacyRequestRefuse",
    returns="chalicelib.privacy.schemas.PrivacyRequestPublic",
    summary="Tolak permintaan dengan dasar dan alasan (tanpa data orang lain)",
)
def refuse_privacy_request(req: Req, privacy_id: str) -> Reply:
    from chalicelib.privacy import service
    from chalicelib.privacy.repository import default_repository
    from chalicelib.privacy.schemas import PrivacyRequestRefuse

    body = req.body(PrivacyRequestRefuse)
    return Reply(
        service.refuse(
            privacy_id,
            body,
            actor=req.actor,
            deps=deps(),
            requests=default_repository(),
            request_id=req.request_id,
        )
    )
