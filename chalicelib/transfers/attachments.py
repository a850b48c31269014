"""Documents of a transfer: who may fill which slot when, listing and downloading."""

from __future__ import annotations

from chalicelib.core.errors import Conflict, Forbidden, Invalid, NotFound, TooManyRequests
from chalicelib.core.ids import is_id
from chalicelib.core.principal import Principal
from chalicelib.documents import service as documents
from chalicelib.documents.schemas import (
    DocumentList,
    DownloadPublic,
    UploadPublic,
    present,
    upload_reply,
)
from chalicelib.transfers.domain import PARENT_SLOTS, Slot, State, Transfer, parties
from chalicelib.transfers.service import load, subject
from chalicelib.wiring import Deps

MAX_UPLOADS_PER_REQUEST = 40
SLOT_RULES: dict[Slot, tuple[str, frozenset[State]]] = {
    **{slot: ("owner", frozenset({State.DRAFT, State.NEEDS_REVISION})) for slot in PARENT_SLOTS},
    Slot.SURAT_KETERANGAN_PINDAH: ("origin", frozenset({State.ACCEPTED_BY_DESTINATION})),
    Slot.SURAT_KETERANGAN_DITERIMA: (
        "destination",
        frozenset({State.SUBMITTED, State.ACCEPTED_BY_DESTINATION}),
    ),
}


def _check_slot(t: Transfer, slot_name: str, actor: Principal) -> None:
    try:
        slot = Slot(slot_name)
    except ValueError as exc:
        raise Invalid(
            "unknown_slot", "Jenis dokumen tidak dikenal.", allowed=[s.value for s in Slot]
        ) from exc
    party, states = SLOT_RULES[slot]
    if party not in parties(t, actor):
        raise Forbidden("slot_not_yours", "Dokumen ini diunggah oleh pihak lain.")
    if t.state not in states:
        raise Conflict(
            "slot_closed",
            f"Dokumen ini tidak dapat diunggah saat status '{t.state.value}'.",
            state=t.state.value,
        )


def open_upload(
    transfer_id: str,
    slot: str,
    content_type: str,
    *,
    actor: Principal,
    deps: Deps,
    request_id: str = "",
) -> UploadPublic:
    t = load(transfer_id, actor, deps, request_id)
    _check_slot(t, slot, actor)
    if len(deps.documents.for_ref(subject(t.id))) >= MAX_UPLOADS_PER_REQUEST:
        raise TooManyRequests("too_many_uploads", "Batas unggahan untuk permohonan ini tercapai.")
    ticket = documents.open_slot(
        subject(t.id),
        slot,
        content_type,
        actor=actor,
        now=deps.clock.now(),
        docs=deps.documents,
        storage=deps.storage,
        settings=deps.settings,
    )
    return upload_reply(ticket.document, ticket.post, deps.settings.upload_max_bytes)


def list_documents(
    transfer_id: str, *, actor: Principal, deps: Deps, request_id: str = ""
) -> DocumentList:
    t = load(transfer_id, actor, deps, request_id)
    docs = sorted(deps.documents.for_ref(subject(t.id)), key=lambda d: (d.created_at, d.id))
    return DocumentList(items=[present(d) for d in docs])


def download(
    transfer_id: str, document_id: str, *, actor: Principal, deps: Deps, request_id: str = ""
) -> DownloadPublic:
    t = load(transfer_id, actor, deps, request_id)
    doc = deps.documents.get(subject(t.id), document_id) if is_id(document_id) else None
    if doc is None:
        raise NotFound("document_not_found", "Dokumen tidak ditemukan.")
    url = documents.download_url(doc, storage=deps.storage, settings=deps.settings)
    return DownloadPublic(url=url, expires_in=deps.settings.download_url_ttl_seconds)
