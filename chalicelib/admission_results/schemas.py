"""PPDB results request and response models: live position, final allocation runs, the
announced result with its explanation, the per-school XLSX export."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.core.schemas import Input, Output, Prose, UtcTime

Values = dict[str, str | int | float]


class AllocationRequest(Input):
    reason: Prose = Field(default="", max_length=1000, description="Alasan (untuk jejak audit).")


class AllocationQueued(Output):
    period_id: str
    run: int
    status: Literal["queued"]


class AllocationRunPublic(Output):
    period_id: str
    run: int
    status: Literal["queued", "running", "done", "superseded"]
    requested_at: UtcTime | None
    requested_by: str | None
    finished_at: UtcTime | None
    applicants: int
    admitted: int
    seconds: float
    summary: dict[str, dict[str, int]] = Field(description="NPSN -> jalur -> jumlah yang diterima.")
    allocation_run: int = Field(description="Run terakhir yang selesai (0: belum ada).")
    announced_run: int | None = Field(description="Run yang diumumkan (dibekukan).")


class PositionChoice(Output):
    choice: int = Field(description="Urutan pilihan (1 = pilihan pertama).")
    npsn: str
    school_name: str | None
    status: Literal["admitted", "waiting", "higher_choice", "pending", "unavailable"] = Field(
        description=(
            "admitted: masuk daya tampung saat ini; waiting: di luar daya tampung; "
            "higher_choice: masuk di pilihan yang lebih utama; pending: belum ada di snapshot "
            "terakhir; unavailable: belum ada snapshot sekolah ini."
        )
    )
    position: int | None = Field(description="Posisi pada daftar publik sekolah ini.")
    seats: int | None
    admitted: int | None = Field(description="Jumlah pendaftar yang masuk daya tampung.")
    waiting: int | None
    snapshot_url: str | None = Field(description="Alamat publik snapshot sekolah ini.")


class PositionPublic(Output):
    application_id: str
    period_id: str
    route: str
    ref: str = Field(description="Kode anonim pendaftar pada snapshot publik.")
    generated_at: UtcTime
    generated_at_wib: str
    school: str | None = Field(description="NPSN sekolah tempat pendaftar masuk saat ini.")
    choices: list[PositionChoice]


class ResultSchool(Output):
    npsn: str
    name: str


class ResultChoice(Output):
    choice: int
    npsn: str
    school_name: str
    admitted: bool
    rank: int | None = Field(description="Peringkat di antara pendaftar jalur ini di sekolah ini.")
    seats: int | None = Field(description="Kursi jalur ini di sekolah ini (setelah limpahan).")
    cutoff: Values | None = Field(description="Nilai pendaftar terakhir yang diterima.")
    values: Values | None = Field(description="Nilai Anda untuk pilihan ini.")
    explanation: str


class AdmissionResultPublic(Output):
    application_id: str
    period_id: str
    run: int
    status: str
    admitted: bool
    school: ResultSchool | None
    route: str
    announced_at: UtcTime
    reregister_by: UtcTime
    reregister_by_wib: str
    summary: str
    choices: list[ResultChoice]


class ResultsExport(Output):
    period_id: str
    npsn: str
    run: int
    rows: int
    filename: str
    url: str
    expires_in: int
