"""School import rules: which columns a sheet has and what a valid row is. Pure.

A sheet (CSV or XLSX, read by ``sheets``) is a header row and data rows. Columns are found by
name, case-insensitive, in Indonesian or English; unknown columns are ignored. Every problem of
every row is reported (row number as in the file, header = row 1; the column as written in the
header; an Indonesian message), so staff fix the whole file at once. A file with any problem is
imported not at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from chalicelib.admissions.records import RowError
from chalicelib.core.validators import check_npsn

Cell = str | int | float | bool | datetime | date | time | None

MAX_ROWS = 5000
MAX_STORED_ERRORS = 200
LATITUDE = (-11.0, 6.0)  # Indonesia
LONGITUDE = (94.0, 142.0)
CAPACITY = (1, 2000)

# canonical field -> accepted header names (normalised: lower case, spaces as underscores)
COLUMNS: dict[str, tuple[str, ...]] = {
    "npsn": ("npsn",),
    "name": ("nama", "name"),
    "level": ("jenjang", "level"),
    "address": ("alamat", "address"),
    "rt": ("rt",),
    "rw": ("rw",),
    "kelurahan": ("kelurahan",),
    "kecamatan": ("kecamatan",),
    "zone": ("zona", "wilayah", "zone"),
    "latitude": ("lintang", "latitude"),
    "longitude": ("bujur", "longitude"),
    "capacity": ("daya_tampung", "capacity"),
    "neighbours": ("tetangga", "neighbours", "neighbors"),
}
OPTIONAL = frozenset({"neighbours"})
TEXT_LIMITS = {"name": 200, "address": 300, "kelurahan": 100, "kecamatan": 100, "zone": 100}
_ALIASES = {alias: field for field, aliases in COLUMNS.items() for alias in aliases}
_DECIMAL = re.compile(r"[+-]?\d{1,3}(?:[.,]\d+)?")


class ImportProblem(Exception):
    """The file as a whole cannot be imported (unreadable, empty, too many rows)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Table:
    """A sheet as read: the header row (file row ``header_row``) and the non-blank data rows
    with their file row numbers."""

    header: tuple[Cell, ...]
    rows: tuple[tuple[int, tuple[Cell, ...]], ...]
    header_row: int = 1


@dataclass(frozen=True)
class SchoolRow:
    npsn: str
    name: str
    level: str
    address: str
    rt: str
    rw: str
    kelurahan: str
    kecamatan: str
    zone: str
    latitude: float
    longitude: float
    capacity: int
    neighbours: tuple[tuple[str, str, str], ...]  # (KELURAHAN, rw, rt)


@dataclass(frozen=True)
class Checked:
    """The outcome of checking a table: valid schools only when there is no error at all."""

    schools: tuple[SchoolRow, ...]
    errors: tuple[RowError, ...]
    rows: int


def cell_text(value: Cell) -> str:
    """A cell as text: integral floats lose their ``.0`` (XLSX numbers), whitespace collapsed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return " ".join(str(value).split())


def header_name(value: Cell) -> str:
    return "_".join(cell_text(value).lower().replace("-", " ").split())


def map_header(header: tuple[Cell, ...], row: int = 1) -> tuple[dict[str, int], list[RowError]]:
    """Canonical field -> column index, and the header's problems (missing or doubled)."""
    found: dict[str, int] = {}
    errors: list[RowError] = []
    for index, value in enumerate(header):
        field = _ALIASES.get(header_name(value))
        if field is None:
            continue
        if field in found:
            first = cell_text(header[found[field]])
            errors.append(
                RowError(
                    row,
                    cell_text(value),
                    f"Kolom '{cell_text(value)}' sama dengan kolom '{first}'.",
                )
            )
            continue
        found[field] = index
    for field, aliases in COLUMNS.items():
        if field not in found and field not in OPTIONAL:
            errors.append(
                RowError(row, aliases[0], f"Kolom wajib '{aliases[0]}' tidak ada di baris judul.")
            )
    return found, errors


def check_table(table: Table, level: str) -> Checked:
    """Every row checked against the period's level; NPSN unique within the file."""
    columns, errors = map_header(table.header, table.header_row)
    if errors:
        return Checked((), tuple(errors), len(table.rows))
    if not table.rows:
        raise ImportProblem("no_rows", "Berkas tidak berisi baris data sekolah.")
    labels = {field: cell_text(table.header[i]) for field, i in columns.items()}
    schools: list[SchoolRow] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        values = {f: cells[i] if i < len(cells) else None for f, i in columns.items()}
        school, problems = check_row(values, level)
        errors += [RowError(number, labels[f], message) for f, message in problems]
        if school is None:
            continue
        if school.npsn in seen:
            errors.append(
                RowError(
                    number,
                    labels["npsn"],
                    f"NPSN {school.npsn} sudah ada di baris {seen[school.npsn]}.",
                )
            )
            continue
        seen[school.npsn] = number
        schools.append(school)
    return Checked(() if errors else tuple(schools), tuple(errors), len(table.rows))


def check_row(
    values: dict[str, Cell], level: str
) -> tuple[SchoolRow | None, list[tuple[str, str]]]:
    """One data row: the school, or None with (field, message) for each problem."""
    parsed: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for field in COLUMNS:
        if field not in values:
            parsed[field] = ()  # an optional column the file does not have
            continue
        try:
            parsed[field] = PARSERS[field](values[field], level)
        except ValueError as exc:
            problems.append((field, str(exc)))
    if problems:
        return None, problems
    return SchoolRow(**parsed), []


def _required(value: Cell, field: str) -> str:
    text = cell_text(value)
    if not text:
        raise ValueError("Wajib diisi.")
    limit = TEXT_LIMITS.get(field)
    if limit is not None and len(text) > limit:
        raise ValueError(f"Paling banyak {limit} karakter.")
    return text


def parse_npsn(value: Cell, _level: str) -> str:
    return check_npsn(_required(value, "npsn"))


def parse_level(value: Cell, level: str) -> str:
    text = _required(value, "level").upper()
    if text != level.upper():
        raise ValueError(f"Jenjang harus {level} sesuai periode ini, bukan {text}.")
    return level


def area_code(text: str, what: str) -> str:
    """RT/RW: 1-3 digits, stored with 3 ('1' -> '001'); 0 does not exist."""
    if not re.fullmatch(r"\d{1,3}", text) or int(text) == 0:
        raise ValueError(f"{what} harus 1-3 angka, bukan 0 (contoh 1 atau 001).")
    return text.zfill(3)


def parse_rt(value: Cell, _level: str) -> str:
    return area_code(_required(value, "rt"), "RT")


def parse_rw(value: Cell, _level: str) -> str:
    return area_code(_required(value, "rw"), "RW")


def _coordinate(value: Cell, bounds: tuple[float, float], what: str) -> float:
    low, high = bounds
    message = f"{what} harus angka antara {low:g} dan {high:g} (wilayah Indonesia)."
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        text = _required(value, "coordinate")
        if not _DECIMAL.fullmatch(text):
            raise ValueError(message)
        number = float(text.replace(",", "."))  # Indonesian spreadsheets: decimal comma
    if not low <= number <= high:
        raise ValueError(message)
    return number


def parse_latitude(value: Cell, _level: str) -> float:
    return _coordinate(value, LATITUDE, "Lintang")


def parse_longitude(value: Cell, _level: str) -> float:
    return _coordinate(value, LONGITUDE, "Bujur")


def parse_capacity(value: Cell, _level: str) -> int:
    low, high = CAPACITY
    text = _required(value, "capacity")
    if not re.fullmatch(r"\d{1,4}", text) or not low <= int(text) <= high:
        raise ValueError(f"Daya tampung harus bilangan bulat {low} sampai {high}.")
    return int(text)


def parse_neighbours(value: Cell, _level: str) -> tuple[tuple[str, str, str], ...]:
    """'SUKASARI/002/003;SUKASARI/2/4' -> (('SUKASARI', '002', '003'), ...); may be empty."""
    items = [item.strip() for item in re.split(r"[;,\n]", cell_text(value)) if item.strip()]
    out: list[tuple[str, str, str]] = []
    for item in items:
        parts = [p.strip() for p in item.split("/")]
        try:
            if len(parts) != 3 or not parts[0] or len(parts[0]) > 100:
                raise ValueError
            out.append((parts[0].upper(), area_code(parts[1], "RW"), area_code(parts[2], "RT")))
        except ValueError:
            raise ValueError(
                f"Tetangga '{item}' harus berbentuk KELURAHAN/RW/RT, contoh SUKASARI/002/003."
            ) from None
    return tuple(dict.fromkeys(out))


def _text(field: str) -> Callable[[Cell, str], str]:
    return lambda value, _level: _required(value, field)


PARSERS: dict[str, Callable[[Cell, str], Any]] = {
    "npsn": parse_npsn,
    "name": _text("name"),
    "level": parse_level,
    "address": _text("address"),
    "rt": parse_rt,
    "rw": parse_rw,
    "kelurahan": _text("kelurahan"),
    "kecamatan": _text("kecamatan"),
    "zone": _text("zone"),
    "latitude": parse_latitude,
    "longitude": parse_longitude,
    "capacity": parse_capacity,
    "neighbours": parse_neighbours,
}


def capped(errors: tuple[RowError, ...]) -> tuple[tuple[RowError, ...], str]:
    """The errors to store (at most MAX_STORED_ERRORS) and the summary message with the count."""
    shown = errors[:MAX_STORED_ERRORS]
    message = f"Impor gagal: {len(errors)} kesalahan pada berkas; tidak ada data yang diubah."
    if len(errors) > len(shown):
        message += f" Hanya {len(shown)} kesalahan pertama yang ditampilkan."
    return shown, message
