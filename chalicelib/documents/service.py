"""Document use cases: open an upload slot (presigned POST, or a multipart upload with presigned
part URLs for large files), settle an uploaded object by its owner's registered kind, run the
owner's listener, and the one access guard for listing and downloading."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.core.errors import Conflict, Invalid, NotFound, TooManyRequests
from chalicelib.core.ids import is_id, new_id
from chalicelib.core.principal import Principal
from chalicelib.core.storage import ObjectInfo, Part, PresignedPost, Storage
from chalicelib.documents.domain import (
    DocStatus,
    Document,
    clean_key,
    inspect,
    parse_quarantine_key,
    quarantine_key,
)
from chalicelib.documents.kinds import MIB, PAPERS_KIND, WHOLE_READ_LIMIT, DocumentKind
from chalicelib.documents.registry import kind_of, resolve
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
    from chalicelib.wiring import Deps


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
    kind = checked_kind(ref, slot, content_type, docs)
    window = kind.window(settings.upload_url_ttl_seconds)
    doc = _pending(ref, slot, content_type, actor=actor, now=now, docs=docs, window=window)
    post = storage.presign_post(
        doc.quarantine_key,
        content_type,
        kind.limit(settings.upload_max_bytes),
        settings.upload_url_ttl_seconds,
    )
    return UploadTicket(doc, post)


def registered(ref: str) -> DocumentKind:
    kind = kind_of(ref)
    if kind is None:  # a programming error: the owner's document_kinds module is missing
        raise LookupError(f"no document kind registered for {ref.split('#', 1)[0]!r}")
    return kind


def checked_kind(ref: str, slot: str, content_type: str, docs: DocumentRepository) -> DocumentKind:
    """The owner's kind after its generic rules: known slot, how many, allowed type."""
    kind = registered(ref)
    if kind.slots is not None and slot not in kind.slots:
        raise Invalid("unknown_slot", "Jenis dokumen tidak dikenal.", allowed=sorted(kind.slots))
    if kind.max_per_owner is not None and len(docs.for_ref(ref)) >= kind.max_per_owner:
        raise TooManyRequests("too_many_uploads", kind.too_many_message)
    if content_type not in kind.content_types:
        raise Invalid("type_not_allowed", kind.type_message, allowed=sorted(kind.content_types))
    return kind


def _pending(
    ref: str,
    slot: str,
    content_type: str,
    *,
    actor: Principal,
    now: datetime,
    docs: DocumentRepository,
    window: int,
) -> Document:
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
        upload_expires_at=now + timedelta(seconds=window),
        quarantine_key=quarantine_key(ref, doc_id),
    )
    docs.create(doc)
    return doc


# -- large files: S3 multipart upload through presigned part URLs -------------------------------

MIN_PART_BYTES = 5 * MIB  # S3's minimum for every part but the last
MAX_PARTS = 10_000


@dataclass(frozen=True)
class MultipartTicket:
    document: Document
    upload_id: str
    part_size: int  # every part but the last has exactly this size
    part_urls: dict[int, str]  # part number (1..) -> presigned PUT


def part_plan(size: int) -> tuple[int, int]:
    """(part size, part count) for a file of ``size`` bytes: 5 MiB parts (a weak connection
    retries little), larger only when 10,000 parts would not hold it."""
    part_size = max(MIN_PART_BYTES, -(-size // MAX_PARTS))
    return part_size, max(1, -(-size // part_size))


def open_multipart(
    ref: str,
    slot: str,
    content_type: str,
    size: int,
    *,
    actor: Principal,
    now: datetime,
    docs: DocumentRepository,
    storage: Storage,
    settings: Settings,
) -> MultipartTicket:
    """A pending document and a multipart upload of its quarantine key, with a PUT link per
    part. The settle step judges the completed object like any upload (the size S3 stores,
    its Content-Type, its bytes), so the declared ``size`` only plans the parts."""
    kind = checked_kind(ref, slot, content_type, docs)
    limit = kind.limit(settings.upload_max_bytes)
    if size <= 0 or size > limit:
        raise Invalid("file_too_large", "Ukuran berkas di luar batas.", max_bytes=limit)
    window = kind.window(settings.upload_url_ttl_seconds)
    doc = _pending(ref, slot, content_type, actor=actor, now=now, docs=docs, window=window)
    upload_id = storage.create_multipart(doc.quarantine_key, content_type)
    part_size, count = part_plan(size)
    urls = _sign(doc, upload_id, range(1, count + 1), storage, settings)
    return MultipartTicket(doc, upload_id, part_size, urls)


def _open_multipart_doc(
    ref: str, document_id: str, now: datetime, docs: DocumentRepository
) -> Document:
    doc = docs.get(ref, document_id) if is_id(document_id) else None
    if doc is None:
        raise NotFound("document_not_found", "Dokumen tidak ditemukan.")
    if doc.status is not DocStatus.PENDING_UPLOAD or now > doc.upload_expires_at:
        raise Conflict("upload_closed", "Unggahan ini sudah selesai atau kedaluwarsa.")
    return doc


def _sign(
    doc: Document, upload_id: str, numbers: Iterable[int], storage: Storage, settings: Settings
) -> dict[int, str]:
    ttl = settings.upload_url_ttl_seconds
    return {n: storage.presign_part(doc.quarantine_key, upload_id, n, ttl) for n in numbers}


def sign_parts(
    ref: str,
    document_id: str,
    upload_id: str,
    numbers: list[int],
    *,
    now: datetime,
    docs: DocumentRepository,
    storage: Storage,
    settings: Settings,
) -> dict[int, str]:
    """Fresh PUT links for some parts (a resumed upload), while the upload window is open."""
    doc = _open_multipart_doc(ref, document_id, now, docs)
    if not numbers or any(not 1 <= n <= MAX_PARTS for n in numbers):
        raise Invalid("invalid_part_number", "Nomor bagian harus 1 sampai 10.000.")
    return _sign(doc, upload_id, sorted(set(numbers)), storage, settings)


def complete_multipart(
    ref: str,
    document_id: str,
    upload_id: str,
    parts: list[Part],
    *,
    now: datetime,
    docs: DocumentRepository,
    storage: Storage,
) -> Document:
    """Join the parts into the quarantine object; S3 then sends the ObjectCreated event and the
    upload is settled like any other."""
    doc = _open_multipart_doc(ref, document_id, now, docs)
    storage.complete_multipart(doc.quarantine_key, upload_id, sorted(parts, key=lambda p: p.number))
    return doc


def abort_multipart(
    ref: str, document_id: str, upload_id: str, *, docs: DocumentRepository, storage: Storage
) -> None:
    """Drop the parts uploaded so far (the lifecycle rule would, a day later)."""
    doc = docs.get(ref, document_id) if is_id(document_id) else None
    if doc is None:
        raise NotFound("document_not_found", "Dokumen tidak ditemukan.")
    storage.abort_multipart(doc.quarantine_key, upload_id)


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
    kind = kind_of(doc.ref)
    max_bytes = (kind or PAPERS_KIND).limit(settings.upload_max_bytes)
    # one read: the size, type and bytes judged below are those of the same object version
    info = storage.fetch(key, min(max_bytes, WHOLE_READ_LIMIT))
    if info is None:
        if storage.exists(target):  # stored by an earlier attempt that died before settling
            docs.settle(doc, DocStatus.CLEAN, size=None, clean_key=target, reason=None)
            return "clean", doc
        return "missing", doc
    whole = len(info.head) == info.size  # else only the first HEAD_BYTES were read
    reason = _judge(doc, info, kind, max_bytes, event_time)
    if reason:
        docs.settle(doc, DocStatus.REJECTED, size=info.size, clean_key=None, reason=reason)
        storage.delete(key)
        return "rejected", doc
    if whole:
        # the bytes that were checked are the bytes kept (a re-upload meanwhile cannot slip in)
        storage.put(target, info.head, doc.content_type)
    else:
        # a large file (multipart: its parts can no longer change once completed) is copied
        storage.move(key, target)
    storage.delete(key)
    docs.settle(doc, DocStatus.CLEAN, size=info.size, clean_key=target, reason=None)
    return "clean", doc


def _judge(
    doc: Document,
    info: ObjectInfo,
    kind: DocumentKind | None,
    max_bytes: int,
    event_time: datetime,
) -> str | None:
    """Why the uploaded object is not acceptable by the rules of its owner's kind, or None."""
    if kind is None:
        return "type_not_allowed"  # an owner nobody registered
    reason = inspect(doc.content_type, info.size, info.head[: kind.sniff_bytes], max_bytes, kind)
    if reason is None and info.content_type != doc.content_type:
        reason = "stored_type_mismatch"  # not what the slot signed (S3 enforces it; re-checked)
    if reason is None and event_time > doc.upload_expires_at:
        reason = "upload_slot_expired"
    fmt = kind.format(doc.content_type)
    if reason is None and fmt is not None and fmt.inspect is not None:
        # the whole file, real parsers (such formats are limited to far below WHOLE_READ_LIMIT)
        reason = fmt.inspect(info.head) if len(info.head) == info.size else "file_too_large"
    return reason


def after_settle(doc: Document, outcome: str, *, deps: Deps) -> None:
    """Run the listener the owner of ``doc`` registered, if any (it is imported only now)."""
    kind = kind_of(doc.ref)
    if kind is not None and kind.listener:
        resolve(kind.listener)(doc, outcome, deps=deps)


def download_url(doc: Document, *, storage: Storage, settings: Settings) -> str:
    if doc.status is not DocStatus.CLEAN or not doc.clean_key:
        raise Invalid(
            "document_not_available",
            "Dokumen belum lolos pemeriksaan atau ditolak, tidak dapat diunduh.",
        )
    kind = kind_of(doc.ref)
    fmt = kind.format(doc.content_type) if kind else None
    filename = f"{doc.slot}-{doc.id}.{fmt.extension if fmt else 'bin'}"
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
    limit = registered(ref).limit(settings.upload_max_bytes)
    return upload_reply(ticket.document, ticket.post, limit)


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


# -- the one access guard: who may list or download the documents of an owner record ---------


def visible_ref(
    owner: str, owner_id: str, *, actor: Principal, deps: Deps, request_id: str = ""
) -> str:
    """The ref of an owner record whose documents ``actor`` may see; the owner's registered
    guard raises otherwise (404 as if it did not exist, audited as the owner does)."""
    ref = f"{owner}#{owner_id}"
    kind = registered(ref)
    if not kind.guard:
        raise NotFound("document_not_found", "Dokumen tidak ditemukan.")  # deny by default
    resolve(kind.guard)(owner_id, actor, deps, request_id)
    return ref


def list_visible(
    owner: str, owner_id: str, *, actor: Principal, deps: Deps, request_id: str = ""
) -> DocumentList:
    ref = visible_ref(owner, owner_id, actor=actor, deps=deps, request_id=request_id)
    return list_of(ref, deps.documents)


def download_visible(
    owner: str,
    owner_id: str,
    document_id: str,
    *,
    actor: Principal,
    deps: Deps,
    request_id: str = "",
) -> DownloadPublic:
    ref = visible_ref(owner, owner_id, actor=actor, deps=deps, request_id=request_id)
    return download_of(
        ref, document_id, docs=deps.documents, storage=deps.storage, settings=deps.settings
    )
