"""Response models of daftar ulang, tahap 2 seats and statistics. The confirm request body is
``chalicelib.core.schemas.ActionInput`` (optional ``reason`` for the audit trail, optional
``version``)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.core.schemas import Input, Output, Prose, UtcTime


class SeatsCorrection(Input):
    seats: int = Field(ge=0, le=2000, description="Kursi daftar ulang sekolah ini yang baru")
    reason: Prose = Field(min_length=10, max_length=1000, description="Alasan tertulis (diaudit)")


class EnrolmentPublic(Output):
    """An application after daftar ulang, as its parent or the admitting school sees it."""

    id: str
    period_id: str
    status: str
    child_name: str
    school_npsn: str | None
    route: str | None
    reregister_by: UtcTime | None = Field(description="Batas daftar ulang jalur ini (UTC)")
    confirmed_at: UtcTime | None
    version: int


class LeftoverSchool(Output):
    npsn: str
    name: str
    seats: int = Field(description="Kursi daftar ulang (daya tampung hasil seleksi)")
    confirmed: int
    left: int = Field(description="Kursi tersisa: kursi tahap 2 setelah pelepasan")


class LeftoverSeats(Output):
    period_id: str
    final: bool = Field(description="true setelah kursi yang tidak didaftarulangi dilepas")
    released_at: UtcTime | None
    seats: int
    confirmed: int
    left: int
    items: list[LeftoverSchool]


class RouteStatistics(Output):
    """Counts of one route at one school (or of the whole period). The result counts are null
    until the route's result is announced (except for education staff)."""

    route: str
    applicants: int
    first_choice: int
    admitted: int | None
    confirmed: int | None
    released: int | None


class SchoolStatistics(Output):
    npsn: str
    name: str
    pre_registered: int = Field(description="Pendaftar yang diverifikasi di sekolah ini")
    verified: int
    routes: list[RouteStatistics]


class PeriodStatistics(Output):
    """Aggregate counts only: no name, NIK, NISN, KK, address or birth date of anyone."""

    period_id: str
    computed_at: UtcTime = Field(description="Waktu penghitungan (diperbarui tiap 15 menit)")
    registrations: int
    routes: list[RouteStatistics]
    schools: list[SchoolStatistics]
