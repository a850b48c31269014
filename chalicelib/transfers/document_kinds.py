"""The documents of a transfer (``transfer#<id>``): scans and photos of papers, 5 MiB each.

Who may fill which slot when is the transfer's rule (``transfers.attachments``); who may see the
documents is who may see the transfer (``transfers.service.load``)."""

from __future__ import annotations

from chalicelib.documents.kinds import DocumentKind
from chalicelib.documents.registry import register
from chalicelib.transfers.domain import Slot

TRANSFER_DOCUMENTS = register(
    DocumentKind(
        owner="transfer",
        slots=frozenset(s.value for s in Slot),
        max_per_owner=40,
        too_many_message="Batas unggahan untuk permohonan ini tercapai.",
        guard="chalicelib.transfers.service:load",
    )
)
