"""School import models: open an import, its job report, the live schools of a period."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from chalicelib.core.schemas import Input, Output, UtcTime

SheetType = Literal["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]


class SchoolImportCreate(Input):
    content_type: SheetType = Field(description="Jenis berkas: CSV (UTF-8) atau XLSX.")


class RowErrorPublic(Output):
    row: int = Field(description="Nomor baris di berkas (baris judul = 1).")
    column: str
    message: str


class SchoolImportPublic(Output):
    id: str
    period_id: str
    document_id: str
    content_type: str
    status: Literal["pending_upload", "done", "failed"]
    created_at: UtcTime
    finished_at: UtcTime | None
    rows: int = Field(description="Baris data yang dibaca (berhasil: sekolah yang diimpor).")
    errors: list[RowErrorPublic] = Field(description="Paling banyak 200 kesalahan per baris.")
    message: str


class SchoolImportTicket(Output):
    """The new import and the presigned POST that uploads its file."""

    model_config = ConfigDict(extra="forbid", defer_build=True, populate_by_name=True)

    import_: SchoolImportPublic = Field(alias="import")
    upload_url: str
    upload_fields: dict[str, str]
    upload_expires_at: UtcTime
    max_bytes: int


class PeriodSchoolPublic(Output):
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
    seats: dict[str, int] = Field(description="Kursi per jalur; jumlahnya = daya tampung.")


class PeriodSchoolList(Output):
    period_id: str
    import_id: str | None
    count: int
    items: list[PeriodSchoolPublic]
