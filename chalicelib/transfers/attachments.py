"""Documents of a transfer: who may fill which slot when, listing and downloading."""

from __future__ import annotations

from chalicelib.core.errors import Conflict, Forbidden, Invalid, TooManyRequests
from chalicelib.core.principal import Principal
from chalicelib.documents import service as documents
from chalicelib.documents.schemas import (
    DocumentList,
    DownloadPublic,
    UploadPublic,
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
    return documents.upload_ticket(
        subject(t.id),
        slot,
        content_type,
        actor=actor,
        now=deps.clock.now(),
        docs=deps.documents,
        storage=deps.storage,
        settings=deps.settings,
    )


def list_documents(
    transfer_id: str, *, actor: Principal, deps: Deps, request_id: str = ""
) -> DocumentList:
    t = load(transfer_id, actor, deps, request_id)
    return documents.list_of(subject(t.id), deps.documents)


def download(
    transfer_id: str, document_id: str, *, actor: Principal, deps: Deps, request_id: str = ""
) -> DownloadPublic:
    t = load(transfer_id, actor, deps, request_id)
    return documents.download_of(
        subject(t.id), document_id, docs=deps.documents, storage=deps.storage,
        settings=deps.settings,
    )  # fmt: skip
