"""School import sheets: CSV and XLSX read alike, every bad row reported, nothing half valid."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from chalicelib.admission_imports.domain import (
    MAX_ROWS,
    ImportProblem,
    Table,
    capped,
    cell_text,
    check_table,
)
from chalicelib.admission_imports.sheets import read_table
from chalicelib.admissions.records import RowError
from chalicelib.documents.domain import inspect
from chalicelib.documents.registry import kind_of
from tests.support.spreadsheets import (
    CSV,
    ENGLISH,
    XLSX,
    csv_bytes,
    school_row,
    school_rows,
    xlsx_bytes,
)

MAX = 5 * 1024 * 1024


def check(data: bytes, content_type: str = CSV, level: str = "SMP") -> Any:
    return check_table(read_table(data, content_type), level)


def errors_of(rows: list[dict[str, Any]], **kw: Any) -> list[tuple[int, str, str]]:
    result = check(csv_bytes(rows, **kw))
    assert result.schools == ()  # any error: no school at all
    return [(e.row, e.column, e.message) for e in result.errors]


# -- good files ------------------------------------------------------------------------------


def test_a_good_csv_gives_every_school_with_normalised_rt_rw_and_neighbours() -> None:
    rows = [school_row("20606901"), school_row("20606902", rt="12", rw="003", neighbours="")]

    result = check(csv_bytes(rows))

    assert result.errors == () and result.rows == 2
    first, second = result.schools
    assert (first.npsn, first.level, first.rt, first.rw) == ("20606901", "SMP", "001", "002")
    assert (first.latitude, first.longitude, first.capacity) == (-6.178, 106.63, 32)
    assert first.neighbours == (("SUKASARI", "002", "003"), ("SUKASARI", "002", "004"))
    assert (second.rt, second.rw, second.neighbours) == ("012", "003", ())
    assert first.name == "SMP Negeri 901 Tangerang" and first.kelurahan == "Sukasari"


def test_english_headers_in_any_case_and_unknown_columns_are_accepted() -> None:
    header = {field: label.upper() for field, label in ENGLISH.items()} | {"note": "Catatan"}
    rows = [school_row("20606901", note="abaikan")]

    result = check(csv_bytes(rows, header=header))

    assert result.errors == ()
    assert result.schools[0].npsn == "20606901"


@pytest.mark.parametrize("alias", ["wilayah", "Zona", "ZONE"])
def test_the_zone_column_may_be_called_zona_wilayah_or_zone(alias: str) -> None:
    header = {**ENGLISH, "zone": alias}
    assert check(csv_bytes([school_row("20606901")], header=header)).errors == ()


def test_a_csv_from_excel_in_an_indonesian_locale_is_read() -> None:
    """BOM, semicolons and decimal commas."""
    data = csv_bytes(school_rows(3), delimiter=";", bom=True, decimal_comma=True)
    assert data.startswith(b"\xef\xbb\xbf") and b";" in data

    result = check(data)

    assert result.errors == () and len(result.schools) == 3
    assert all(-6.3 < s.latitude < -6.1 for s in result.schools)


def test_the_neighbours_column_is_optional() -> None:
    header = {f: label for f, label in ENGLISH.items() if f != "neighbours"}
    result = check(csv_bytes([school_row("20606901")], header=header))
    assert result.errors == () and result.schools[0].neighbours == ()


def test_an_xlsx_with_numbers_typed_as_numbers_reads_like_the_csv() -> None:
    rows = school_rows(4, first_npsn=20606901)
    as_xlsx = check(xlsx_bytes(rows, typed=True), XLSX)
    as_csv = check(csv_bytes(rows))

    assert as_xlsx.errors == ()
    assert as_xlsx.schools == as_csv.schools
    assert as_xlsx.schools[0].npsn == "20606901" and as_xlsx.schools[0].rt == "001"


def test_xlsx_cells_hold_floats_and_ints_where_excel_puts_them() -> None:
    table = read_table(xlsx_bytes([school_row("20606901")], typed=True), XLSX)
    npsn, rt = table.rows[0][1][0], table.rows[0][1][4]
    assert npsn == 20606901.0 and isinstance(npsn, float)
    assert rt == 1 and isinstance(rt, int)
    assert cell_text(npsn) == "20606901"


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_file() -> None:
    rows = school_rows(3)
    rows[2]["capacity"] = "0"
    data = xlsx_bytes(rows, blank_rows_after=[0], trailing_blank_rows=5)

    result = check(data, XLSX)

    # header 1, school 2, blank 3, schools 4 and 5: the bad third school is row 5
    assert [(e.row, e.column) for e in result.errors] == [(5, "Daya Tampung")]
    assert result.rows == 3


def test_trailing_empty_csv_rows_are_ignored() -> None:
    result = check(csv_bytes(school_rows(2), trailing_blank_rows=3))
    assert result.errors == () and result.rows == 2


# -- bad rows ----------------------------------------------------------------------------------

BAD_VALUES = [
    ("npsn", "2060690", "NPSN", "NPSN harus terdiri dari 8 angka"),
    ("npsn", "2060690A", "NPSN", "NPSN harus terdiri dari 8 angka"),
    ("npsn", "", "NPSN", "Wajib diisi."),
    ("name", "", "Nama", "Wajib diisi."),
    ("name", "x" * 201, "Nama", "Paling banyak 200 karakter."),
    ("level", "SD", "Jenjang", "Jenjang harus SMP sesuai periode ini, bukan SD."),
    ("address", "  ", "Alamat", "Wajib diisi."),
    ("rt", "1234", "RT", "RT harus 1-3 angka, bukan 0 (contoh 1 atau 001)."),
    ("rt", "0", "RT", "RT harus 1-3 angka, bukan 0 (contoh 1 atau 001)."),
    ("rw", "x", "RW", "RW harus 1-3 angka, bukan 0 (contoh 1 atau 001)."),
    ("kelurahan", "", "Kelurahan", "Wajib diisi."),
    ("kecamatan", "", "Kecamatan", "Wajib diisi."),
    ("zone", "", "Zona", "Wajib diisi."),
    ("latitude", "-12", "Lintang", "Lintang harus angka antara -11 dan 6 (wilayah Indonesia)."),
    ("latitude", "abc", "Lintang", "Lintang harus angka antara -11 dan 6 (wilayah Indonesia)."),
    ("latitude", "nan", "Lintang", "Lintang harus angka antara -11 dan 6 (wilayah Indonesia)."),
    ("longitude", "93.9", "Bujur", "Bujur harus angka antara 94 dan 142 (wilayah Indonesia)."),
    ("longitude", "", "Bujur", "Wajib diisi."),
    ("capacity", "0", "Daya Tampung", "Daya tampung harus bilangan bulat 1 sampai 2000."),
    ("capacity", "2001", "Daya Tampung", "Daya tampung harus bilangan bulat 1 sampai 2000."),
    ("capacity", "32.5", "Daya Tampung", "Daya tampung harus bilangan bulat 1 sampai 2000."),
    ("capacity", "-3", "Daya Tampung", "Daya tampung harus bilangan bulat 1 sampai 2000."),
    (
        "neighbours",
        "SUKASARI/002",
        "Tetangga",
        "Tetangga 'SUKASARI/002' harus berbentuk KELURAHAN/RW/RT, contoh SUKASARI/002/003.",
    ),
]


@pytest.mark.parametrize(
    ("field", "value", "column", "message"),
    BAD_VALUES,
    ids=[f"{f}={v[:12]!r}" for f, v, _, _ in BAD_VALUES],
)
def test_each_bad_value_is_reported_with_its_row_column_and_message(
    field: str, value: str, column: str, message: str
) -> None:
    rows = school_rows(3)
    rows[1][field] = value

    assert errors_of(rows) == [(3, column, message)]


def test_every_problem_of_every_row_is_reported_at_once() -> None:
    rows = school_rows(4)
    rows[0]["rt"], rows[0]["capacity"] = "abc", "9999"
    rows[3]["npsn"] = "123"

    assert [(r, c) for r, c, _ in errors_of(rows)] == [(2, "RT"), (2, "Daya Tampung"), (5, "NPSN")]


def test_the_same_npsn_twice_is_an_error_on_the_later_row() -> None:
    rows = [school_row("20606901"), school_row("20606902"), school_row("20606901")]
    assert errors_of(rows) == [(4, "NPSN", "NPSN 20606901 sudah ada di baris 2.")]


def test_an_sd_sheet_is_refused_for_an_smp_period_and_accepted_for_an_sd_one() -> None:
    rows = school_rows(2, level="SD")
    assert len(check(csv_bytes(rows), level="SMP").errors) == 2
    assert check(csv_bytes(rows), level="SD").errors == ()


def test_a_missing_required_column_is_reported_on_the_header_row() -> None:
    header = {f: label for f, label in ENGLISH.items() if f not in ("capacity", "rw")}
    result = check(csv_bytes(school_rows(2), header=header))
    assert result.schools == ()
    assert [(e.row, e.column) for e in result.errors] == [(1, "rw"), (1, "daya_tampung")]
    assert result.errors[0].message == "Kolom wajib 'rw' tidak ada di baris judul."


def test_a_column_given_twice_under_two_names_is_reported() -> None:
    labels = [*ENGLISH.values(), "Nama"]
    row = {ENGLISH[f]: v for f, v in school_row("20606901").items()} | {"Nama": "X"}
    result = check(csv_bytes([row], header=labels))
    assert [(e.row, e.column) for e in result.errors] == [(1, "Nama")]
    assert result.errors[0].message == "Kolom 'Nama' sama dengan kolom 'name'."


# -- files that are not sheets -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type", "code"),
    [
        ("npsn,nama\n2060,é".encode("latin-1"), CSV, "not_utf8"),
        (b"npsn,nama\x00\n", CSV, "not_text"),
        (b"", CSV, "empty_file"),
        (b"\n \n,,\n", CSV, "empty_file"),
        (b"PK\x03\x04 not really a zip", XLSX, "xlsx_unreadable"),
        (b"%PDF-1.4", XLSX, "xlsx_unreadable"),
    ],
    ids=["latin-1", "nul", "empty", "blank", "broken zip", "pdf"],
)
def test_a_file_that_is_not_a_readable_sheet_is_a_file_problem(
    data: bytes, content_type: str, code: str
) -> None:
    with pytest.raises(ImportProblem) as raised:
        read_table(data, content_type)
    assert raised.value.code == code and raised.value.message


def test_a_zip_that_inflates_beyond_the_limit_is_refused_before_parsing() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (65 * 1024 * 1024))
    with pytest.raises(ImportProblem) as raised:
        read_table(out.getvalue(), XLSX)
    assert raised.value.code == "xlsx_too_large"


def test_a_header_without_rows_has_nothing_to_import() -> None:
    with pytest.raises(ImportProblem) as raised:
        check(csv_bytes([]))
    assert raised.value.code == "no_rows"


def test_at_most_5000_rows_are_accepted() -> None:
    header = b"npsn,nama\n"
    ok = read_table(header + b"20606901,A\n" * MAX_ROWS, CSV)
    assert len(ok.rows) == MAX_ROWS
    with pytest.raises(ImportProblem) as raised:
        read_table(header + b"20606901,A\n" * (MAX_ROWS + 1), CSV)
    assert raised.value.code == "too_many_rows"


def test_a_stored_report_keeps_200_errors_and_says_how_many_there_were() -> None:
    errors = tuple(RowError(i + 2, "NPSN", "x") for i in range(250))
    shown, message = capped(errors)
    assert len(shown) == 200 and shown[0].row == 2
    assert "250 kesalahan" in message and "200 kesalahan pertama" in message
    few, message = capped(errors[:3])
    assert few == errors[:3] and "3 kesalahan" in message and "pertama" not in message


def test_a_table_is_checked_the_same_whatever_reader_built_it() -> None:
    table = Table(("NPSN", "Nama"), ((2, ("20606901", "A")),))
    assert {e.column for e in check_table(table, "SMP").errors} >= {"jenjang", "alamat"}


# -- the upload check of the documents pipeline, for import refs ------------------------------

IMPORT_REF = "ppdbimport#01JIMPORT"


@pytest.mark.parametrize(
    ("declared", "data", "why"),
    [
        (CSV, "npsn;nama\n20606901;SMP Négeri\n".encode(), None),
        (CSV, b"\xef\xbb\xbfnpsn,nama\n", None),
        (XLSX, b"PK\x03\x04rest", None),
        (CSV, b"npsn,nama\x00", "content_does_not_match_type"),
        (CSV, "nama,é".encode("latin-1"), "content_does_not_match_type"),
        (XLSX, b"%PDF-1.4", "content_does_not_match_type"),
        ("application/pdf", b"%PDF-1.4", "type_not_allowed"),
    ],
    ids=["csv", "csv bom", "xlsx", "csv nul", "csv latin-1", "pdf as xlsx", "pdf"],
)
def test_an_import_upload_is_judged_as_a_sheet(declared: str, data: bytes, why: str) -> None:
    assert inspect(declared, len(data), data, MAX, kind_of(IMPORT_REF)) == why


def test_a_multibyte_character_cut_at_the_end_of_the_sniffed_head_is_fine() -> None:
    data = ("a" * 4095 + "é").encode()
    head = data[:4096]
    assert inspect(CSV, len(data), head, MAX, kind_of(IMPORT_REF)) is None
    assert inspect(CSV, len(head), head, MAX, kind_of(IMPORT_REF)) == "content_does_not_match_type"


@pytest.mark.parametrize("declared", [CSV, XLSX])
def test_sheets_are_not_accepted_for_other_documents(declared: str) -> None:
    assert inspect(declared, 10, b"PK\x03\x04abcdef", MAX, kind_of("transfer#01J")) == (
        "type_not_allowed"
    )
