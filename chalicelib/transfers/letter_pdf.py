"""The surat rekomendasi pindah sekolah as a PDF (A4, core fonts, vector QR code).

fpdf2 and segno are imported inside the functions that need them: this module sits on the
API import path and must add nothing to a cold start.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

WIB = timezone(timedelta(hours=7), "WIB")
MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)  # fmt: skip

FONT = "Helvetica"
MARGIN = 25.0  # mm, left/right/top
LABEL_W = 38.0  # mm, the label column of the particulars
QR_SIZE = 35.0  # mm
CAPTION_W = 50.0  # mm, room for the code under the QR
SIGN_X = 120.0  # mm, left edge of the signature column
SIGN_BLOCK_H = 80.0  # mm needed below the body for date, signature, QR and the note
REASON_MAX = 1000  # characters, the API limit; longer text is cut with "..." as a safeguard


@dataclass(frozen=True)
class LetterContent:
    code: str
    verify_url: str
    student_name: str
    nisn: str
    grade: int
    origin_name: str
    origin_npsn: str
    destination_name: str
    destination_npsn: str
    reason: str
    issued_at: datetime
    transfer_id: str


def render_letter(content: LetterContent, compress: bool = True) -> bytes:
    """The letter as PDF bytes; the same content always gives the same bytes."""
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    _setup(pdf, content, compress)
    _letterhead(pdf)
    _title(pdf, content.code)
    _body(pdf, content)
    _signature(pdf, content)
    _page_numbers(pdf)
    return bytes(pdf.output())


def qr_modules(url: str) -> list[tuple[int, int]]:
    """(column, row) of every dark module of the QR code of url (error level M, no border)."""
    import segno

    matrix = segno.make(url, error="m").matrix
    return [(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark]


def clean(text: object) -> str:
    """Text safe for the latin-1 core fonts: one line, unknown characters become '?'."""
    s = unicodedata.normalize("NFC", str(text))
    s = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in s)
    s = " ".join(s.split())
    return s.encode("latin-1", "replace").decode("latin-1")


def tanggal_wib(at: datetime) -> str:
    """'28 November 2026' for the calendar day of `at` in WIB (naive times are taken as UTC)."""
    local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(WIB)
    return f"{local.day} {MONTHS_ID[local.month - 1]} {local.year}"


def _setup(pdf: FPDF, content: LetterContent, compress: bool) -> None:
    issued = (
        content.issued_at if content.issued_at.tzinfo else content.issued_at.replace(tzinfo=UTC)
    )
    pdf.set_compression(compress)
    pdf.set_creation_date(issued.astimezone(UTC))
    pdf.set_title(clean(f"Surat Rekomendasi Pindah Sekolah {content.code}"))
    pdf.set_subject(clean(f"Rekomendasi pindah sekolah, permohonan {content.transfer_id}"))
    pdf.set_author("Dinas Pendidikan Kota Tangerang")
    pdf.set_creator("Tangerang Live - Layanan Pendidikan")
    pdf.set_lang("id-ID")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()


def _letterhead(pdf: FPDF) -> None:
    w = pdf.epw
    pdf.set_font(FONT, "B", 14)
    pdf.cell(w, 7, "PEMERINTAH KOTA TANGERANG", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 17)
    pdf.cell(w, 8, "DINAS PENDIDIKAN", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.cell(w, 5, "Kota Tangerang, Provinsi Banten", align="C", new_x="LMARGIN", new_y="NEXT")
    y = pdf.get_y() + 2
    pdf.set_line_width(0.8)
    pdf.line(MARGIN, y, MARGIN + w, y)
    pdf.set_line_width(0.2)
    pdf.line(MARGIN, y + 1.2, MARGIN + w, y + 1.2)
    pdf.set_y(y + 8)


def _title(pdf: FPDF, code: str) -> None:
    w = pdf.epw
    pdf.set_font(FONT, "BU", 13)
    pdf.cell(w, 7, "SURAT REKOMENDASI PINDAH SEKOLAH", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10.5)
    pdf.cell(w, 6, f"Nomor: {clean(code)}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)


def _body(pdf: FPDF, c: LetterContent) -> None:
    _paragraph(
        pdf,
        "Yang bertanda tangan di bawah ini, Kepala Dinas Pendidikan Kota Tangerang, "
        "dengan ini memberikan rekomendasi kepada peserta didik:",
    )
    _particular(pdf, "Nama", c.student_name, bold=True)
    _particular(pdf, "NISN", c.nisn)
    _particular(pdf, "Kelas", str(c.grade))
    pdf.ln(2)
    _paragraph(pdf, "untuk pindah sekolah")
    _particular(pdf, "dari sekolah asal", f"{c.origin_name} (NPSN {c.origin_npsn})", bold=True)
    _particular(
        pdf, "ke sekolah tujuan", f"{c.destination_name} (NPSN {c.destination_npsn})", bold=True
    )
    _particular(pdf, "dengan alasan", _shorten(c.reason, REASON_MAX) or "-")
    pdf.ln(2)
    _paragraph(
        pdf,
        "Rekomendasi ini diterbitkan berdasarkan permohonan pindah sekolah yang telah disetujui "
        "oleh sekolah asal dan sekolah tujuan. Demikian surat rekomendasi ini dibuat untuk "
        "dipergunakan sebagaimana mestinya.",
    )


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(pdf.epw, 6, clean(text), align="J", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _particular(pdf: FPDF, label: str, value: str, bold: bool = False) -> None:
    """One 'label : value' row, indented; a long value wraps within its own column."""
    indent = 8.0
    pdf.set_x(MARGIN + indent)
    pdf.set_font(FONT, "", 11)
    pdf.cell(LABEL_W, 6, label)
    pdf.cell(4, 6, ":")
    pdf.set_font(FONT, "B" if bold else "", 11)
    value_w = pdf.epw - indent - LABEL_W - 4
    pdf.multi_cell(value_w, 6, clean(value), align="L", new_x="LMARGIN", new_y="NEXT")


def _shorten(text: str, limit: int) -> str:
    s = clean(text)
    return s if len(s) <= limit else s[: limit - 3].rstrip() + "..."


def _signature(pdf: FPDF, c: LetterContent) -> None:
    """Date and signer on the right, the QR code with its code on the left, then the note."""
    if pdf.get_y() + SIGN_BLOCK_H > pdf.h - pdf.b_margin:
        pdf.add_page()
        pdf.set_font(FONT, "I", 9)
        pdf.cell(pdf.epw, 5, clean(f"Surat Rekomendasi Pindah Sekolah Nomor: {c.code} (lanjutan)"))
    pdf.set_auto_page_break(auto=False)
    top = pdf.get_y() + 10
    _signer(pdf, top, tanggal_wib(c.issued_at))
    _qr(pdf, c.verify_url, MARGIN, top + 4, QR_SIZE)
    _code_caption(pdf, clean(c.code), top + 4 + QR_SIZE + 3)
    _note(pdf, c, top + 4 + QR_SIZE + 14)


def _code_caption(pdf: FPDF, code: str, y: float) -> None:
    """'Kode verifikasi' and the code under the QR, the code shrunk to fit CAPTION_W."""
    pdf.set_xy(MARGIN, y)
    pdf.set_font(FONT, "", 7)
    pdf.cell(CAPTION_W, 3.5, "Kode verifikasi:", new_x="LMARGIN", new_y="NEXT")
    size = 8.0
    pdf.set_font("Courier", "B", size)
    while size > 5 and pdf.get_string_width(code) > CAPTION_W:
        size -= 0.5
        pdf.set_font("Courier", "B", size)
    pdf.cell(CAPTION_W, 4, code)


def _signer(pdf: FPDF, top: float, date_text: str) -> None:
    w = pdf.w - MARGIN - SIGN_X
    lines = (
        ("", f"Tangerang, {date_text}"),
        ("B", "Kepala Dinas Pendidikan"),
        ("B", "Kota Tangerang"),
    )
    pdf.set_xy(SIGN_X, top)
    for style, text in lines:
        pdf.set_font(FONT, style, 11)
        pdf.set_x(SIGN_X)
        pdf.cell(w, 6, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(SIGN_X, top + 28)
    pdf.set_font(FONT, "I", 9)
    pdf.cell(w, 5, "Ditandatangani secara elektronik", align="C")


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """The QR code of url as filled squares, black on the white page, clickable."""
    modules = qr_modules(url)
    side = max(col for col, _ in modules) + 1  # the top-right finder reaches the last column
    unit = size / side
    pdf.set_fill_color(0, 0, 0)
    for col, row in modules:
        pdf.rect(x + col * unit, y + row * unit, unit, unit, style="F")
    pdf.link(x, y, size, size, url)


def _note(pdf: FPDF, c: LetterContent, y: float) -> None:
    pdf.set_xy(MARGIN, y)
    pdf.set_draw_color(160, 160, 160)
    pdf.line(MARGIN, y - 2, pdf.w - MARGIN, y - 2)
    pdf.set_font(FONT, "I", 8.5)
    text = (
        "Dokumen ini ditandatangani secara elektronik; keaslian dapat diperiksa dengan memindai "
        f"kode QR atau membuka {c.verify_url}"
    )
    pdf.multi_cell(pdf.epw, 4.2, clean(text), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 7.5)
    pdf.cell(pdf.epw, 4, clean(f"Referensi permohonan: {c.transfer_id}"))


def _page_numbers(pdf: FPDF) -> None:
    """'Halaman i dari n' at the foot of every page, only when the letter runs over one page."""
    total = pdf.pages_count
    if total < 2:
        return
    pdf.set_auto_page_break(auto=False)
    pdf.set_font(FONT, "", 8)
    for number in range(1, total + 1):
        pdf.page = number
        pdf.set_xy(MARGIN, pdf.h - 14)
        pdf.cell(pdf.epw, 4, f"Halaman {number} dari {total}", align="C")
    pdf.page = total
