"""School sheets for import tests: rows as dicts by field, written as CSV or XLSX bytes.

Shared with the PPDB season e2e test; keep the defaults stable (add parameters instead).

    rows = school_rows(3)                       # valid SMP schools with unique NPSNs
    rows[1]["rt"] = "12345"                     # make one bad
    data = csv_bytes(rows, delimiter=";", bom=True)
    data = xlsx_bytes(rows)                     # numbers as numbers: NPSN 20606901.0, RT 1
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELDS = (
    "npsn", "name", "level", "address", "rt", "rw", "kelurahan", "kecamatan", "zone",
    "latitude", "longitude", "capacity", "neighbours",
)  # fmt: skip
INDONESIAN = dict(zip(FIELDS, (
    "NPSN", "Nama", "Jenjang", "Alamat", "RT", "RW", "Kelurahan", "Kecamatan", "Zona",
    "Lintang", "Bujur", "Daya Tampung", "Tetangga",
), strict=True))  # fmt: skip
ENGLISH = dict(zip(FIELDS, (
    "npsn", "name", "level", "address", "rt", "rw", "kelurahan", "kecamatan", "zone",
    "latitude", "longitude", "capacity", "neighbours",
), strict=True))  # fmt: skip
NUMERIC = {"npsn": float, "rt": int, "rw": int, "latitude": float, "longitude": float,
           "capacity": int}  # fmt: skip

Row = Mapping[str, Any]


def school_row(npsn: str, **values: Any) -> dict[str, Any]:
    """One valid SMP school in Kota Tangerang; override any field by name."""
    row: dict[str, Any] = {
        "npsn": npsn,
        "name": f"SMP Negeri {int(npsn[-3:])} Tangerang",
        "level": "SMP",
        "address": f"Jl. Pendidikan No. {int(npsn[-2:]) + 1}",
        "rt": "1",
        "rw": "2",
        "kelurahan": "Sukasari",
        "kecamatan": "Tangerang",
        "zone": "Wilayah 1",
        "latitude": "-6.178",
        "longitude": "106.63",
        "capacity": "32",
        "neighbours": "SUKASARI/002/003;SUKASARI/002/004",
    }
    row.update(values)
    return row


def school_rows(
    count: int,
    *,
    first_npsn: int | None = None,
    level: str = "SMP",
    capacity: int = 32,
    spread: bool = True,
) -> list[dict[str, Any]]:
    """``count`` valid schools with consecutive NPSNs; coordinates spread around the city."""
    start = first_npsn if first_npsn is not None else random.randint(20600000, 20690000)
    rows = []
    for i in range(count):
        lat = -6.178 + (random.uniform(-0.03, 0.03) if spread else 0)
        lon = 106.63 + (random.uniform(-0.03, 0.03) if spread else 0)
        rows.append(school_row(
            str(start + i), level=level, capacity=str(capacity), rt=str(1 + i % 9),
            name=f"{level} Negeri {i + 1} Uji {start}", latitude=f"{lat:.6f}",
            longitude=f"{lon:.6f}",
        ))  # fmt: skip
    return rows


def _labels(header: Mapping[str, str] | Sequence[str]) -> list[tuple[str, str]]:
    if isinstance(header, Mapping):
        return list(header.items())
    return [(label, label) for label in header]  # raw labels: rows keyed by label


def csv_bytes(
    rows: Sequence[Row],
    *,
    header: Mapping[str, str] | Sequence[str] = INDONESIAN,
    delimiter: str = ",",
    bom: bool = False,
    decimal_comma: bool = False,
    trailing_blank_rows: int = 0,
) -> bytes:
    """UTF-8 CSV; ``decimal_comma`` writes coordinates as Excel in an Indonesian locale does."""
    columns = _labels(header)
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([label for _, label in columns])
    for row in rows:
        cells = []
        for field, _ in columns:
            value = row.get(field)
            text = "" if value is None else str(value)
            if decimal_comma and field in ("latitude", "longitude"):
                text = text.replace(".", ",")
            cells.append(text)
        writer.writerow(cells)
    for _ in range(trailing_blank_rows):
        writer.writerow([""] * len(columns))
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def xlsx_bytes(
    rows: Sequence[Row],
    *,
    header: Mapping[str, str] | Sequence[str] = INDONESIAN,
    typed: bool = True,
    trailing_blank_rows: int = 0,
    blank_rows_after: Sequence[int] = (),
    sheet_title: str = "Sekolah",
) -> bytes:
    """An .xlsx with one sheet. ``typed`` stores numeric fields as numbers the way Excel does
    (NPSN 20606901.0 as a float, RT 1 as an int); other values are written as given.
    ``blank_rows_after``: 0-based row indexes after which an empty row is left."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    columns = _labels(header)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_title
    sheet.append([label for _, label in columns])
    for i, row in enumerate(rows):
        sheet.append([_xlsx_value(field, row.get(field), typed) for field, _ in columns])
        if i in blank_rows_after:
            sheet.append([None] * len(columns))
    for _ in range(trailing_blank_rows):
        sheet.append([""] * len(columns))
    out = io.BytesIO()
    book.save(out)
    if not typed:
        return out.getvalue()
    floats = [
        get_column_letter(i + 1) for i, (f, _) in enumerate(columns) if NUMERIC.get(f) is float
    ]
    return _floats_with_point(out.getvalue(), floats)


def _floats_with_point(data: bytes, letters: Sequence[str]) -> bytes:
    """openpyxl writes 20606901.0 as ``<v>20606901</v>`` (read back as an int); other writers
    keep the point (``<v>20606901.0</v>``, read back as a float). Write it the latter way."""
    if not letters:
        return data
    cell = re.compile(r'(<c r="(?:' + "|".join(letters) + r')\d+" t="n"><v>)(-?\d+)(</v>)')
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                content = cell.sub(r"\g<1>\g<2>.0\g<3>", content.decode()).encode()
            target.writestr(item, content)
    return out.getvalue()


def _xlsx_value(field: str, value: Any, typed: bool) -> Any:
    if not typed or field not in NUMERIC or not isinstance(value, str):
        return value
    try:
        return NUMERIC[field](value)
    except ValueError:
        return value  # a deliberately bad value stays text
