"""Test data builders: valid NIKs, schools, transfer bodies, small files."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from typing import Any


def pdf_bytes(text: str = "Dokumen uji") -> bytes:
    """A real one-page PDF (fpdf2): it parses with its cross-reference and trailer."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def image_bytes(image_format: str, size: tuple[int, int] = (48, 32)) -> bytes:
    """A real image (Pillow) in ``image_format`` ("PNG" or "JPEG") that decodes completely."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (30, 90, 160)).save(out, image_format)
    return out.getvalue()


PDF = pdf_bytes()
PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")


def nik(birth: date, gender: str, region: str = "367101") -> str:
    day = birth.day + (40 if gender == "P" else 0)
    serial = random.randint(1, 9999)
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def npsn() -> str:
    return f"{random.randint(20600000, 20699999)}"


def transfer_body(
    origin: str,
    destination: str,
    *,
    grade: int = 8,
    gender: str = "L",
    birth: date | None = None,
    nik_value: str | None = None,
) -> dict[str, Any]:
    birth = birth or date(2012, 5, 17) + timedelta(days=random.randint(0, 300))
    return {
        "student": {
            "name": "Andi Pratama",
            "nik": nik_value or nik(birth, gender),
            "nisn": f"{random.randint(0, 9999999999):010d}",
            "birth_date": birth.isoformat(),
            "gender": gender,
            "grade": grade,
        },
        "origin_npsn": origin,
        "destination_npsn": destination,
        "reason": "Orang tua pindah tugas ke Karawaci",
        "wanted_start_date": (date.today() + timedelta(days=30)).isoformat(),
        "parent": {"name": "Budi Santoso", "phone": "0812-3456-7890"},
    }
