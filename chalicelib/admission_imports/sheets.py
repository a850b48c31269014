"""Read an uploaded CSV or XLSX into a ``Table`` (header + non-blank rows with file row numbers).

CSV: UTF-8 (a BOM is allowed), delimiter ``,`` or ``;`` (Excel in an Indonesian locale writes
``;``), chosen from the header line. XLSX: the first worksheet, cached values of formulas
(``data_only``), streamed (``read_only``); openpyxl is imported here only, inside the function,
so the API never pays for it. The zip's declared sizes are checked before openpyxl opens it (a
5 MiB upload must not inflate to gigabytes). Blank rows are skipped wherever they are; reading
stops after ``MAX_BLANK_RUN`` blank rows in a row (trailing formatting) or at more than
``MAX_ROWS`` data rows.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence

from chalicelib.admission_imports.document_kinds import XLSX
from chalicelib.admission_imports.domain import MAX_ROWS, Cell, ImportProblem, Table, cell_text

MAX_BLANK_RUN = 1000
MAX_COLUMNS = 100
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000


def read_table(data: bytes, content_type: str) -> Table:
    """Raises ImportProblem when the file cannot be read as a sheet."""
    return read_xlsx(data) if content_type == XLSX else read_csv(data)


def read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportProblem("not_utf8", "Berkas CSV harus bertenkode UTF-8.") from exc
    if "\x00" in text:
        raise ImportProblem("not_text", "Berkas CSV berisi karakter biner.")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return collect(enumerate(reader, start=1))
    except csv.Error as exc:
        raise ImportProblem("csv_invalid", f"Berkas CSV tidak valid: {exc}.") from exc


def read_xlsx(data: bytes) -> Table:
    check_zip(data)
    from openpyxl import load_workbook  # heavy: only when an XLSX is imported

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure of an untrusted file is "unreadable"
        raise _unreadable() from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store a wrong dimension; read every row
        return collect(enumerate(sheet.iter_rows(values_only=True), start=1))
    except ImportProblem:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _unreadable() from exc
    finally:
        workbook.close()


def check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable() from exc
    if len(entries) > MAX_ZIP_ENTRIES or sum(e.file_size for e in entries) > MAX_UNZIPPED_BYTES:
        raise ImportProblem("xlsx_too_large", "Isi berkas XLSX terlalu besar untuk diimpor.")


def _unreadable() -> ImportProblem:
    return ImportProblem(
        "xlsx_unreadable", "Berkas XLSX tidak dapat dibaca; simpan ulang sebagai .xlsx dari Excel."
    )


def collect(rows: Iterable[tuple[int, Sequence[Cell]]]) -> Table:
    """Header = the first non-blank row; then every non-blank row with its number."""
    header: tuple[Cell, ...] | None = None
    header_row = 1
    data: list[tuple[int, tuple[Cell, ...]]] = []
    blank_run = 0
    for number, cells in rows:
        values = tuple(cells[:MAX_COLUMNS])
        if not any(cell_text(v) for v in values):
            blank_run += 1
            if blank_run > MAX_BLANK_RUN:
                break
            continue
        blank_run = 0
        if header is None:
            header, header_row = values, number
            continue
        if len(data) == MAX_ROWS:
            raise ImportProblem(
                "too_many_rows", f"Berkas berisi lebih dari {MAX_ROWS} baris data sekolah."
            )
        data.append((number, values))
    if header is None:
        raise ImportProblem("empty_file", "Berkas kosong: tidak ada baris judul.")
    return Table(header, tuple(data), header_row)
