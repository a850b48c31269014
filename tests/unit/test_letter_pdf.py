"""The surat rekomendasi pindah sekolah PDF: bytes, determinism, text, QR, cold-start cost."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import segno

from chalicelib.transfers.letter_pdf import (
    LetterContent,
    clean,
    qr_modules,
    render_letter,
    tanggal_wib,
)

ROOT = Path(__file__).resolve().parents[2]
CODE = "7QK3-9ZP2-M4XT-HB8C-2RWN-F6JD"
URL = f"https://api.example.go.id/edu/v1/public/letters/{CODE}"


@pytest.fixture
def content() -> LetterContent:
    return LetterContent(
        code=CODE,
        verify_url=URL,
        student_name="Siti Nur Aisyah",
        nisn="0098765432",
        grade=8,
        origin_name="SMP Negeri 1 Tangerang",
        origin_npsn="20606123",
        destination_name="SMP Negeri 5 Tangerang",
        destination_npsn="20606456",
        reason="Mengikuti orang tua yang pindah domisili ke Kecamatan Cipondoh.",
        issued_at=datetime(2026, 11, 27, 18, 30, tzinfo=UTC),  # 28 Nov 01:30 WIB
        transfer_id="tr_01JD8X2K4M9Q7ZP3",
    )


def test_output_is_a_pdf(content: LetterContent) -> None:
    pdf = render_letter(content)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/FlateDecode" in pdf  # compressed by default


def test_same_input_gives_identical_bytes(content: LetterContent) -> None:
    assert render_letter(content) == render_letter(content)
    assert render_letter(content, compress=False) == render_letter(content, compress=False)


def test_other_issue_time_gives_other_bytes(content: LetterContent) -> None:
    later = dataclasses.replace(content, issued_at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC))
    assert render_letter(later) != render_letter(content)


def test_letter_text(content: LetterContent) -> None:
    pdf = render_letter(content, compress=False)
    expected = [
        "PEMERINTAH KOTA TANGERANG",
        "DINAS PENDIDIKAN",
        "SURAT REKOMENDASI PINDAH SEKOLAH",
        f"Nomor: {CODE}",
        "Siti Nur Aisyah",
        "0098765432",
        "SMP Negeri 1 Tangerang \\(NPSN 20606123\\)",  # parentheses escaped in PDF strings
        "SMP Negeri 5 Tangerang \\(NPSN 20606456\\)",
        "Mengikuti orang tua yang pindah domisili",
        "Tangerang, 28 November 2026",
        "Kepala Dinas Pendidikan",
        "Dokumen ini ditandatangani secara elektronik",
        f"({URL}) Tj",
    ]
    for text in expected:
        assert text.encode("latin-1") in pdf, text


def test_metadata(content: LetterContent) -> None:
    pdf = render_letter(content, compress=False)
    assert f"/Title (Surat Rekomendasi Pindah Sekolah {CODE})".encode() in pdf
    assert b"/Subject (Rekomendasi pindah sekolah, permohonan tr_01JD8X2K4M9Q7ZP3)" in pdf
    assert b"/CreationDate (D:20261127183000Z)" in pdf


def test_non_latin1_name_renders(content: LetterContent) -> None:
    odd = dataclasses.replace(
        content,
        student_name="Łukasz 王小明 “Budi” 😀\n\tÑoño",
        origin_name="SMA Al-Ḥikmah — Karawaci",
    )
    pdf = render_letter(odd, compress=False)
    assert pdf.startswith(b"%PDF-")
    assert "?ukasz ??? ?Budi? ? Ñoño".encode("latin-1") in pdf
    assert b"SMA Al-?ikmah ? Karawaci" in pdf


def test_clean_keeps_latin1_and_flattens_control_characters() -> None:
    assert clean("Ñoño  José\r\n\x00Müller") == "Ñoño José Müller"
    assert clean("王") == "?"
    assert clean(7) == "7"


def test_date_is_printed_in_wib_with_indonesian_month() -> None:
    assert tanggal_wib(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == "1 Januari 2027"
    assert tanggal_wib(datetime(2026, 8, 17, 16, 59, tzinfo=UTC)) == "17 Agustus 2026"
    assert tanggal_wib(datetime(2026, 2, 1, 0, 0)) == "1 Februari 2026"  # naive read as UTC


def test_qr_modules_are_the_dark_cells_of_segno_matrix() -> None:
    matrix = segno.make(URL, error="m").matrix
    dark = sum(1 for row in matrix for cell in row if cell)
    modules = qr_modules(URL)
    assert len(modules) == dark
    assert len(set(modules)) == dark
    assert all(matrix[row][col] for col, row in modules)


def test_renderer_draws_one_square_per_dark_module(content: LetterContent) -> None:
    pdf = render_letter(content, compress=False)
    side = len(segno.make(URL, error="m").matrix)
    unit_pt = 35.0 / side * 72 / 25.4
    square = f" {unit_pt:.2f} -{unit_pt:.2f} re f".encode()
    assert pdf.count(square) == len(qr_modules(URL))
    assert f"/URI ({URL})".encode() in pdf  # the QR area is also a link


def test_long_content_runs_over_to_a_numbered_second_page(content: LetterContent) -> None:
    long = dataclasses.replace(
        content,
        student_name="Muhammad Rizky Pratama Wijayakusuma Soeryadjaya Hadiningrat Putra " * 2,
        reason="Mengikuti orang tua yang pindah tugas ke luar kota. " * 20,
    )
    pdf = render_letter(long, compress=False)
    assert b"Halaman 1 dari 2" in pdf
    assert b"Halaman 2 dari 2" in pdf
    assert b"Halaman" not in render_letter(content, compress=False)


def test_import_does_not_load_fpdf_segno_or_pillow() -> None:
    probe = (
        "import sys, chalicelib.transfers.letter_pdf; "
        "print(sorted(m for m in ('fpdf', 'segno', 'PIL') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
