"""Document use cases: open an upload slot, settle an uploaded object, sign a download."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.core.errors import Invalid, NotFound
from chalicelib.core.ids import is_id, new_id
from chalicelib.core.principal import Principal
from chalicelib.core.storage import PresignedPost, Storage
from chalicelib.documents.content import inspect_content
from chalicelib.documents.domain import (
    IMPORT_REF_KIND,
    DocStatus,
    Document,
    allowed_types,
    clean_key,
    inspect,
    parse_quarantine_key,
    quarantine_key,
    ref_kind,
    sniff_bytes,
)
from chalicelib.documents.repository import DocumentRepository
from chalicelib.documents.schemas import (
    DocumentList,
    DownloadPublic,
    UploadPublic,
    present,
    upload_reply,
)

if TYPE_CHECKING:
    from chalicelib.core.settings import Settings


@dataclass(frozen=True)
class UploadTicket:
    document: Document
    post: PresignedPost


def open_slot(
    ref: str,
    slot: str,
    content_type: str,
    *,
    actor: Principal,
    now: datetime,
    docs: DocumentRepository,
    storage: Storage,
    settings: Settings,
) -> UploadTicket:
    """Create a pending document record and a presigned POST for exactly that key and type."""
    allowed = allowed_types(ref)  # PDF/JPEG/PNG; CSV/XLSX for school imports only
    if content_type not in allowed:
        raise Invalid(
            "type_not_allowed",
            "Jenis berkas harus PDF, JPEG, atau PNG."
            if ref_kind(ref) != IMPORT_REF_KIND
            else "Jenis berkas harus CSV atau XLSX.",
            allowed=sorted(allowed),
        )
    doc_id = new_id()
    doc = Document(
        ref=ref,
        id=doc_id,
        slot=slot,
        content_type=content_type,
        status=DocStatus.PENDING_UPLOAD,
        uploaded_by=actor.sub,
        uploader_role=actor.role.value,
        created_at=now,
        upload_expires_at=now + timedelta(seconds=settings.upload_url_ttl_seconds),
        quarantine_key=quarantine_key(ref, doc_id),
    )
    docs.create(doc)
    post = storage.presign_post(
        doc.quarantine_key, content_type, settings.upload_max_bytes, settings.upload_url_ttl_seconds
    )
    return UploadTicket(doc, post)


def settle_upload(
    key: str,
    event_time: datetime,
    *,
    docs: DocumentRepository,
    storage: Storage,
    settings: Settings,
) -> tuple[str, Document | None]:
    """Check one uploaded object and mark its document clean or rejected, exactly once.

    Returns (outcome, document). Safe to call again for the same event (duplicate delivery).
    """
    parsed = parse_quarantine_key(key)
    doc = docs.get(*parsed) if parsed else None
    if doc is None:
        storage.delete(key)  # a key the server never issued: drop it
        return "unknown_key", None
    if doc.status is not DocStatus.PENDING_UPLOAD:
        storage.delete(key)  # a second upload with the same ticket after settling: dropped
        return "already_settled", doc
    target = clean_key(doc.ref, doc.id)
    # one read: the size, type and bytes judged below are those of the same object version
    info = storage.fetch(key, settings.upload_max_bytes)
    if info is None:
        if storage.exists(target):  # stored by an earlier attempt that died before settling
            docs.settle(doc, DocStatus.CLEAN, size=None, clean_key=target, reason=None)
            return "clean", doc
        return "missing", doc
    head = info.head[: sniff_bytes(doc.ref)]
    reason = inspect(doc.content_type, info.size, head, settings.upload_max_bytes, ref=doc.ref)
    if reason is None and info.content_type != doc.content_type:
        reason = "stored_type_mismatch"  # not what the slot signed (S3 enforces it; re-checked)
    if reason is None and event_time > doc.upload_expires_at:
        reason = "upload_slot_expired"
    if reason is None and ref_kind(doc.ref) != IMPORT_REF_KIND:
        reason = inspect_content(doc.content_type, info.head)  # the whole file, real parsers
    if reason:
        docs.settle(doc, DocStatus.REJECTED, size=info.size, clean_key=None, reason=reason)
        storage.delete(key)
        return "rejected", doc
    # the bytes that were checked are the bytes kept (a re-upload meanwhile cannot slip in)
    storage.put(target, info.head, doc.content_type)
    storage.delete(key)
    docs.settle(doc, DocStatus.CLEAN, size=info.size, clean_key=target, reason=None)
    return "clean", doc


def download_url(doc: Document, *, storage: Storage, settings: Settings) -> str:
    if doc.status is not DocStatus.CLEAN or not doc.clean_key:
        raise Invalid(
            "document_not_available",
            "Dokumen belum lolos pemeriksaan atau ditolak, tidak dapat diunduh.",
        )
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
    filename = f"{doc.slot}-{doc.id}.{extension.get(doc.content_type, 'bin')}"
    return storage.presign_get(
        doc.clean_key, settings.download_url_ttl_seconds, filename, doc.content_type
    )


# -- the answers every feature with documents gives (a feature checks who and when first) --------


def upload_ticket(
    ref: str,
    slot: str,
    content_type: str,
    *,
    actor: Principal,
    now: datetime,
    docs: DocumentRepository,
    storage: Storage,
    settings: Settings,
) -> UploadPublic:
    """Open an upload slot of ``ref`` and answer with what the client POSTs to S3."""
    ticket = open_slot(
        ref, slot, content_type, actor=actor, now=now, docs=docs, storage=storage,
        settings=settings,
    )  # fmt: skip
    return upload_reply(ticket.document, ticket.post, settings.upload_max_bytes)


def list_of(ref: str, docs: DocumentRepository) -> DocumentList:
    """Every document of ``ref``, oldest first."""
    items = sorted(docs.for_ref(ref), key=lambda d: (d.created_at, d.id))
    return DocumentList(items=[present(d) for d in items])


def download_of(
    ref: str, document_id: str, *, docs: DocumentRepository, storage: Storage, settings: Settings
) -> DownloadPublic:
    """A short-lived link to a clean document of ``ref``; 404 for any other id (never looked
    up when malformed)."""
    doc = docs.get(ref, document_id) if is_id(document_id) else None
    if doc is None:
        raise NotFound("document_not_found", "Dokumen tidak ditemukan.")
    url = download_url(doc, storage=storage, settings=settings)
    return DownloadPublic(url=url, expires_in=settings.download_url_ttl_seconds)
