"""Pindah Sekolah HTTP routes: parse, call one service function, return its model."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core.http import PAGE_QUERY, QueryParam, Reply, Req, endpoint
from chalicelib.core.principal import Role
from chalicelib.core.schemas import ActionInput
from chalicelib.transfers.domain import Action
from chalicelib.wiring import deps

bp = Blueprint(__name__)
BASE = "/v1/transfers"
OPERATOR, STAFF = Role.SCHOOL_OPERATOR, Role.EDUCATION_STAFF
SIDE_TEXT = "incoming (sekolah tujuan, bawaan) atau outgoing (sekolah asal)."
ACTION_SUMMARIES = {
    Action.SUBMIT: "Orang tua mengajukan permohonan (dokumen wajib sudah bersih)",
    Action.ACCEPT: "Sekolah tujuan menerima dan memegang satu kursi",
    Action.RELEASE: "Sekolah asal melepas siswa (surat keterangan pindah sudah bersih)",
    Action.REQUEST_REVIEW: "Dinas Pendidikan meminta peninjauan",
    Action.APPROVE: "Dinas Pendidikan menyetujui; surat rekomendasi terbit",
    Action.CONFIRM_DAPODIK: "Sekolah mengonfirmasi mutasi di Dapodik",
    Action.REQUEST_REVISION: "Peninjau meminta perbaikan (alasan wajib)",
    Action.REJECT: "Peninjau menolak permohonan (alasan wajib)",
    Action.CANCEL: "Orang tua membatalkan permohonan sebelum disetujui",
}


@endpoint(
    bp,
    BASE,
    "POST",
    body="chalicelib.transfers.schemas.TransferCreate",
    returns="chalicelib.transfers.schemas.TransferPublic",
    status=201,
    summary="Buat draf permohonan pindah sekolah",
)
def create_transfer(req: Req) -> Reply:
    from chalicelib.transfers import service
    from chalicelib.transfers.schemas import TransferCreate

    body = req.body(TransferCreate)
    return Reply(service.create(body, actor=req.actor, deps=deps(), request_id=req.request_id), 201)


@endpoint(
    bp,
    BASE,
    returns="chalicelib.transfers.schemas.TransferPage",
    summary="Daftar permohonan yang boleh dilihat pemanggil",
    query={
        "side": QueryParam(
            SIDE_TEXT + " Operator; Dinas Pendidikan bersama school.",
            roles=frozenset({OPERATOR, STAFF}),
        ),
        "school": QueryParam("NPSN sekolah (khusus Dinas Pendidikan).", roles=frozenset({STAFF})),
        "state": QueryParam(
            "Status permohonan (khusus Dinas Pendidikan, bawaan under_review).",
            roles=frozenset({STAFF}),
        ),
        **PAGE_QUERY,
    },
)
def list_transfers(req: Req) -> Reply:
    from chalicelib.transfers import queries

    return Reply(
        queries.list_transfers(req.query, actor=req.actor, deps=deps(), request_id=req.request_id)
    )


@endpoint(
    bp,
    "/v1/worklist",
    returns="chalicelib.transfers.schemas.TransferPage",
    summary="Antrean kerja sekolah atau Dinas Pendidikan",
    query={"side": QueryParam(SIDE_TEXT, roles=frozenset({OPERATOR})), **PAGE_QUERY},
)
def worklist(req: Req) -> Reply:
    from chalicelib.transfers import queries

    return Reply(
        queries.worklist(req.query, actor=req.actor, deps=deps(), request_id=req.request_id)
    )


@endpoint(
    bp,
    BASE + "/{transfer_id}",
    returns="chalicelib.transfers.schemas.TransferPublic",
    summary="Rincian satu permohonan",
)
def get_transfer(req: Req, transfer_id: str) -> Reply:
    from chalicelib.transfers import service

    return Reply(service.get(transfer_id, actor=req.actor, deps=deps(), request_id=req.request_id))


@endpoint(
    bp,
    BASE + "/{transfer_id}",
    "PATCH",
    body="chalicelib.transfers.schemas.TransferUpdate",
    returns="chalicelib.transfers.schemas.TransferPublic",
    summary="Ubah draf atau permohonan yang perlu perbaikan",
)
def update_transfer(req: Req, transfer_id: str) -> Reply:
    from chalicelib.transfers import service
    from chalicelib.transfers.schemas import TransferUpdate

    body = req.body(TransferUpdate)
    return Reply(
        service.update(transfer_id, body, actor=req.actor, deps=deps(), request_id=req.request_id)
    )


@endpoint(
    bp,
    BASE + "/{transfer_id}/timeline",
    returns="chalicelib.transfers.schemas.Timeline",
    summary="Riwayat status permohonan",
)
def get_timeline(req: Req, transfer_id: str) -> Reply:
    from chalicelib.transfers import presenters, service

    transfer = service.load(transfer_id, req.actor, deps(), req.request_id)
    return Reply(presenters.timeline(transfer))


def _action_route(action: Action) -> None:
    path = BASE + "/{transfer_id}/" + action.value.replace("_", "-")

    def view(req: Req, transfer_id: str) -> Reply:
        from chalicelib.transfers import service

        body = req.body(ActionInput)
        return Reply(
            service.act(
                transfer_id,
                action,
                reason=body.reason,
                version=body.version,
                actor=req.actor,
                deps=deps(),
                request_id=req.request_id,
            )
        )

    view.__name__ = f"transfer_{action.value}"
    endpoint(
        bp,
        path,
        "POST",
        body=ActionInput,
        returns="chalicelib.transfers.schemas.TransferPublic",
        summary=ACTION_SUMMARIES[action],
    )(view)


for _action in Action:
    _action_route(_action)


@endpoint(
    bp,
    BASE + "/{transfer_id}/documents",
    "POST",
    body="chalicelib.documents.schemas.UploadCreate",
    returns="chalicelib.documents.schemas.UploadPublic",
    status=201,
    summary="Buka unggahan dokumen (presigned POST ke S3)",
)
def open_upload(req: Req, transfer_id: str) -> Reply:
    from chalicelib.documents.schemas import UploadCreate
    from chalicelib.transfers import attachments

    body = req.body(UploadCreate)
    return Reply(
        attachments.open_upload(
            transfer_id,
            body.slot,
            body.content_type,
            actor=req.actor,
            deps=deps(),
            request_id=req.request_id,
        ),
        201,
    )


@endpoint(
    bp,
    BASE + "/{transfer_id}/documents",
    returns="chalicelib.documents.schemas.DocumentList",
    summary="Daftar dokumen permohonan",
)
def list_documents(req: Req, transfer_id: str) -> Reply:
    from chalicelib.transfers import attachments

    return Reply(
        attachments.list_documents(
            transfer_id, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )


@endpoint(
    bp,
    BASE + "/{transfer_id}/documents/{document_id}/download",
    returns="chalicelib.documents.schemas.DownloadPublic",
    summary="Tautan unduh sementara untuk dokumen yang bersih",
)
def download_document(req: Req, transfer_id: str, document_id: str) -> Reply:
    from chalicelib.transfers import attachments

    return Reply(
        attachments.download(
            transfer_id, document_id, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )


@endpoint(
    bp,
    BASE + "/{transfer_id}/letter",
    returns="chalicelib.transfers.schemas.LetterDownload",
    summary="Tautan unduh surat rekomendasi pindah",
)
def download_letter(req: Req, transfer_id: str) -> Reply:
    from chalicelib.transfers import letter_files, service

    transfer = service.load(transfer_id, req.actor, deps(), req.request_id)
    return Reply(letter_files.download(transfer, deps()))


@endpoint(
    bp,
    BASE + "/{transfer_id}/letter/revoke",
    "POST",
    body=ActionInput,
    returns="chalicelib.transfers.schemas.LetterVerification",
    summary="Cabut surat rekomendasi (alasan wajib)",
)
def revoke_letter(req: Req, transfer_id: str) -> Reply:
    from chalicelib.transfers import letter_files, service

    body = req.body(ActionInput)
    transfer = service.load(transfer_id, req.actor, deps(), req.request_id)
    return Reply(letter_files.revoke(transfer, body.reason, req.actor, deps(), req.request_id))


@endpoint(
    bp,
    "/v1/public/letters/{code}",
    public=True,
    returns="chalicelib.transfers.schemas.LetterVerification",
    summary="Verifikasi publik surat rekomendasi dari kode QR",
)
def verify_letter(req: Req, code: str) -> Reply:
    from chalicelib.transfers import letter_files

    return Reply(letter_files.verify(code, deps()))


@endpoint(
    bp,
    BASE + "/{transfer_id}/audit",
    returns="chalicelib.transfers.schemas.AuditPage",
    summary="Jejak audit permohonan",
    query=PAGE_QUERY,
)
def transfer_audit(req: Req, transfer_id: str) -> Reply:
    from chalicelib.transfers import service

    return Reply(service.audit_trail(transfer_id, req.query, deps()))
