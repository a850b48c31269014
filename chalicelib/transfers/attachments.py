"""Documents of a transfer: who may fill which slot when, listing and downloading."""

from __future__ import annotations

from chalicelib.core.errors import Conflict, Forbidden, Invalid
from chalicelib.core.principal import Principal
from chalicelib.documents import service as documents
from chalicelib.documents.schemas import (
    DocumentList,
    DownloadPublic,
    UploadPublic,
)
from chalicelib.transfers.document_kinds import TRANSFER_DOCUMENTS
from chalicelib.transfers.domain import PARENT_SLOTS, Slot, State, Transfer, parties
from chalicelib.transfers.service import load, subject
from chalicelib.wiring import Deps

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
    return documents.list_visible(TRANSFER_DOCUMENTS.owner, transfer_id, actor=actor, deps=deps,
                                  request_id=request_id)  # fmt: skip


def download(
    transfer_id: str, document_id: str, *, actor: Principal, deps: Deps, request_id: str = ""
) -> DownloadPublic:
    return documents.download_visible(TRANSFER_DOCUMENTS.owner, transfer_id, document_id,
                                      actor=actor, deps=deps, request_id=request_id)  # fmt: skip
