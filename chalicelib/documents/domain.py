"""Uploaded documents: a record per upload, which request (ref) and which slot it fills.

Life: pending_upload -> clean | rejected (decided by the S3 event handler from the real object:
size, stored Content-Type and magic bytes against what the slot signed, then the whole content
read by a real parser (``documents.content``: a PDF must parse and carry no active content, an
image must decode); uploads after the slot expired are rejected).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chalicelib.documents.kinds import PAPERS_KIND, DocumentKind


class DocStatus(StrEnum):
    PENDING_UPLOAD = "pending_upload"
    CLEAN = "clean"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Document:
    ref: str
    id: str
    slot: str
    content_type: str
    status: DocStatus
    uploaded_by: str
    uploader_role: str
    created_at: datetime
    upload_expires_at: datetime
    quarantine_key: str
    clean_key: str | None = None
    size: int | None = None
    reject_reason: str | None = None


def quarantine_key(ref: str, doc_id: str) -> str:
    """Server-chosen key: no NIK, no name, no client file name."""
    kind, ref_id = ref.split("#", 1)
    return f"quarantine/{kind}/{ref_id}/{doc_id}"


def clean_key(ref: str, doc_id: str) -> str:
    kind, ref_id = ref.split("#", 1)
    return f"clean/{kind}/{ref_id}/{doc_id}"


def parse_quarantine_key(key: str) -> tuple[str, str] | None:
    """(ref, doc_id) from a quarantine key, or None for a key the server never issued."""
    parts = key.split("/")
    if len(parts) != 4 or parts[0] != "quarantine" or not all(parts[1:]):
        return None
    return f"{parts[1]}#{parts[2]}", parts[3]


def inspect(
    declared_type: str, size: int, head: bytes, max_bytes: int, kind: DocumentKind = PAPERS_KIND
) -> str | None:
    """Why an uploaded object is not acceptable by its size and first bytes, or None.

    ``head`` is at most the kind's ``sniff_bytes``; it is the whole file when ``size`` is no
    larger (a cut multi-byte character at its end is then an error)."""
    if size <= 0:
        return "empty_file"
    if size > max_bytes:
        return "file_too_large"
    fmt = kind.format(declared_type)
    if fmt is None:
        return "type_not_allowed"
    return fmt.sniff(head, size <= len(head))


REJECT_MESSAGES = {
    "empty_file": "Berkas kosong.",
    "file_too_large": "Berkas lebih dari 5 MB.",
    "type_not_allowed": "Jenis berkas tidak diizinkan (hanya PDF, JPEG, PNG).",
    "content_does_not_match_type": "Isi berkas tidak sesuai dengan jenisnya (mis. bukan PDF asli).",
    "upload_slot_expired": "Tautan unggah sudah kedaluwarsa; minta tautan baru.",
    "stored_type_mismatch": (
        "Jenis berkas yang tersimpan berbeda dengan jenis yang diminta saat tautan unggah dibuat; "
        "unggah ulang dengan jenis yang sama."
    ),
    "pdf_unreadable": (
        "Berkas PDF rusak, tidak lengkap, atau bukan PDF asli (struktur PDF tidak terbaca); "
        "simpan ulang atau pindai ulang dokumen lalu unggah lagi."
    ),
    "pdf_encrypted": "PDF dilindungi kata sandi; unggah PDF tanpa kata sandi.",
    "pdf_too_complex": (
        "Struktur PDF terlalu rumit (lebih dari 20.000 objek); cetak ulang dokumen ke PDF biasa "
        "lalu unggah lagi."
    ),
    "pdf_javascript": (
        "PDF berisi JavaScript (skrip), yang tidak diizinkan; cetak ulang dokumen ke PDF biasa "
        "lalu unggah lagi."
    ),
    "pdf_launch_action": (
        "PDF berisi perintah untuk membuka program atau berkas lain, yang tidak diizinkan; "
        "unggah PDF biasa."
    ),
    "pdf_embedded_file": (
        "PDF berisi berkas lampiran tersemat, yang tidak diizinkan; unggah PDF tanpa lampiran."
    ),
    "pdf_active_content": (
        "PDF berisi konten aktif (formulir XFA, multimedia, atau pengiriman formulir), yang "
        "tidak diizinkan; cetak ulang dokumen ke PDF biasa lalu unggah lagi."
    ),
    "image_unreadable": (
        "Gambar rusak, terpotong, atau bukan JPEG/PNG asli; foto atau pindai ulang dokumen lalu "
        "unggah lagi."
    ),
    "image_too_large": (
        "Resolusi gambar terlalu besar (lebih dari 50 megapiksel); perkecil lalu unggah lagi."
    ),
}


def reject_message(reason: str | None, kind: DocumentKind | None = None) -> str | None:
    """The Indonesian reason of a rejection: the owner's own wording first."""
    if not reason:
        return None
    own = kind.reject_messages.get(reason) if kind is not None else None
    return own or REJECT_MESSAGES.get(reason)


def latest_clean(docs: list[Document], slot: str) -> Document | None:
    """The document that currently fills a slot: the newest clean upload."""
    clean = [d for d in docs if d.slot == slot and d.status is DocStatus.CLEAN]
    return max(clean, key=lambda d: (d.created_at, d.id)) if clean else None


def ref_kind(ref: str) -> str:
    """The owner kind of a ref (``transfer`` of ``transfer#<id>``): who registered its rules."""
    return ref.split("#", 1)[0]
