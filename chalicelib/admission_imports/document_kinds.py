"""The file of a school import (``ppdbimport#<id>``): one CSV (UTF-8) or XLSX sheet.

Only the first 4 KiB are sniffed (XLSX is a zip; CSV is UTF-8 text without NUL bytes); the
sheet's rows are checked when it is imported, by the listener, after the upload settled."""

from __future__ import annotations

from chalicelib.documents.kinds import DocumentKind, Format, magic, utf8_text
from chalicelib.documents.registry import register

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

SCHOOL_SHEETS = register(
    DocumentKind(
        owner="ppdbimport",
        formats=(Format(CSV, "csv", utf8_text), Format(XLSX, "xlsx", magic(b"PK\x03\x04"))),
        type_message="Jenis berkas harus CSV atau XLSX.",
        slots=frozenset({"schools"}),
        sniff_bytes=4096,
        listener="chalicelib.admission_imports.service:after_upload",
        reject_messages={
            "content_does_not_match_type": "Isi berkas tidak sesuai dengan jenisnya (bukan CSV "
            "UTF-8 atau XLSX asli).",
            "type_not_allowed": "Jenis berkas harus CSV atau XLSX.",
        },
    )
)
