"""Uploaded documents: a record per upload, which request (ref) and which slot it fills.

Life: pending_upload -> clean | rejected (decided by the S3 event handler from the real object:
size, stored Content-Type and magic bytes against what the slot signed, then the whole content
read by a real parser (``documents.content``: a PDF must parse and carry no active content, an
image must decode); uploads after the slot expired are rejected).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

ALLOWED_TYPES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
SNIFF_BYTES = 16


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
    declared_type: str, size: int, head: bytes, max_bytes: int, ref: str = ""
) -> str | None:
    """Why an uploaded object is not acceptable, or None when it is clean."""
    if size <= 0:
        return "empty_file"
    if size > max_bytes:
        return "file_too_large"
    if ref_kind(ref) == IMPORT_REF_KIND:
        return inspect_spreadsheet(declared_type, head, whole=size <= len(head))
    magics = ALLOWED_TYPES.get(declared_type)
    if magics is None:
        return "type_not_allowed"
    if not any(head.startswith(m) for m in magics):
        return "content_does_not_match_type"
    return None


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


def latest_clean(docs: list[Document], slot: str) -> Document | None:
    """The document that currently fills a slot: the newest clean upload."""
    clean = [d for d in docs if d.slot == slot and d.status is DocStatus.CLEAN]
    return max(clean, key=lambda d: (d.created_at, d.id)) if clean else None


# --- PPDB school imports: spreadsheets are allowed for ref kind ``ppdbimport`` only ----------

IMPORT_REF_KIND = "ppdbimport"
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPREADSHEET_TYPES = (CSV, XLSX)
SPREADSHEET_SNIFF_BYTES = 4096


def ref_kind(ref: str) -> str:
    return ref.split("#", 1)[0]


def allowed_types(ref: str) -> tuple[str, ...]:
    """The content types a slot of this ref accepts: spreadsheets for imports, else documents."""
    return SPREADSHEET_TYPES if ref_kind(ref) == IMPORT_REF_KIND else tuple(ALLOWED_TYPES)


def sniff_bytes(ref: str) -> int:
    return SPREADSHEET_SNIFF_BYTES if ref_kind(ref) == IMPORT_REF_KIND else SNIFF_BYTES


def inspect_spreadsheet(declared_type: str, head: bytes, whole: bool) -> str | None:
    """XLSX is a zip (PK\\x03\\x04); CSV is UTF-8 text (BOM allowed) without NUL bytes.

    ``whole`` says the head is the complete file, so a cut multi-byte character at its end is
    an error rather than the edge of the sniffed window.
    """
    if declared_type == XLSX:
        return None if head.startswith(b"PK\x03\x04") else "content_does_not_match_type"
    if declared_type != CSV:
        return "type_not_allowed"
    if b"\x00" in head:
        return "content_does_not_match_type"
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=whole)
    except UnicodeDecodeError:
        return "content_does_not_match_type"
    return None
