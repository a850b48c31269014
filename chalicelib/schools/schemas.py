"""Schools directory models."""

from __future__ import annotations

from pydantic import Field

from chalicelib.core.schemas import Input, Output, UtcTime


class SchoolPublic(Output):
    npsn: str
    name: str
    level: str
    kabkota_code: str
    kabkota_name: str
    kecamatan: str
    address: str


class SchoolPage(Output):
    items: list[SchoolPublic]
    next_cursor: str | None


class SeatsUpdate(Input):
    free_seats: int = Field(ge=0, le=2000, description="Kursi kosong yang dinyatakan sekolah")


class SeatsPublic(Output):
    npsn: str
    grade: int
    free_seats: int
    updated_at: UtcTime | None


class SeatsList(Output):
    npsn: str
    items: list[SeatsPublic]
