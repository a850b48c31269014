"""PPDB request and response models: periods, applications, verification, registration."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from chalicelib.admissions.application import Doc
from chalicelib.admissions.domain import RANKING_FIELDS, Family
from chalicelib.core.schemas import Code, Input, ObjectId, Output, Prose, UtcTime
from chalicelib.core.validators import Nik, Nisn, NoKK, Npsn, check_nik_matches

RouteId = str
DocSlot = Literal[
    "kartu_keluarga", "akta_kelahiran", "surat_keterangan_domisili", "rekomendasi_psikolog",
    "ijazah_skl", "kip_pkh_kks", "dtsen", "surat_tugas_orang_tua", "rapor",
    "sertifikat_prestasi", "surat_keterangan_disabilitas",
]  # fmt: skip
assert set(DocSlot.__args__) == {d.value for d in Doc}  # type: ignore[attr-defined]
RankingField = Literal[
    "domicile_score", "zone_score", "age_days", "distance_m", "rapor_avg", "registration_seq",
    "achievement_score",
]  # fmt: skip
assert set(RankingField.__args__) == RANKING_FIELDS  # type: ignore[attr-defined]


# -- periods ------------------------------------------------------------------------------------


class CriterionIn(Input):
    field: RankingField
    order: Literal["asc", "desc"]


class RouteIn(Input):
    id: RouteId = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$", description="Kode jalur, mis. domisili")
    family: Family
    quota_percent: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)
    opens_at: AwareDatetime
    closes_at: AwareDatetime
    announce_at: AwareDatetime
    reregister_by: AwareDatetime
    criteria: list[CriterionIn] = Field(min_length=1, max_length=6)
    spill_to: Code | None = None
    documents: list[DocSlot] = Field(default_factory=list, max_length=6)
    residence: Literal["in_city", "outside_city"] | None = Field(
        default=None,
        description="in_city: hanya warga kota (domisili lingkungan/wilayah); outside_city: "
        "hanya dari luar kota (domisili luar kota); kosong: semua",
    )


class PeriodCreate(Input):
    name: Prose = Field(min_length=3, max_length=120)
    level: Literal["SD", "SMP"]
    school_year: str = Field(pattern=r"^20\d\d/20\d\d$", description="mis. 2027/2028")
    stage: Literal[1, 2] = 1
    previous_period_id: ObjectId | None = Field(
        default=None, description="Tahap 2: periode tahap 1 yang kursinya dipakai"
    )
    prereg_opens_at: AwareDatetime
    prereg_closes_at: AwareDatetime
    max_choices: int = Field(default=1, ge=1, le=3)
    changes_per_day: int = Field(default=3, ge=0, le=10)
    routes: list[RouteIn] = Field(min_length=1, max_length=12)
    override_reason: Prose | None = Field(
        default=None,
        min_length=20,
        max_length=2000,
        description="Alasan tertulis untuk melampaui batas kuota nasional (diaudit)",
    )

    @model_validator(mode="after")
    def school_year_consecutive(self) -> PeriodCreate:
        start, end = (int(x) for x in self.school_year.split("/"))
        if end != start + 1:
            raise ValueError("tahun ajaran harus dua tahun berurutan, mis. 2027/2028")
        if self.prereg_opens_at >= self.prereg_closes_at:
            raise ValueError("pra-pendaftaran harus dibuka sebelum ditutup")
        if (self.stage == 2) != (self.previous_period_id is not None):
            raise ValueError("tahap 2 wajib (dan hanya tahap 2 boleh) menyebut periode tahap 1")
        return self


class PeriodUpdate(PeriodCreate):
    version: int = Field(ge=1, le=1_000_000)


class CriterionOut(Output):
    field: str
    order: str


class RouteOut(Output):
    id: str
    family: str
    quota_percent: str
    opens_at: UtcTime
    closes_at: UtcTime
    announce_at: UtcTime
    reregister_by: UtcTime
    opens_at_wib: str
    closes_at_wib: str
    announce_at_wib: str
    reregister_by_wib: str
    criteria: list[CriterionOut]
    spill_to: str | None
    documents: list[str]
    residence: str | None
    window: Literal["upcoming", "open", "closed"]


class Violation(Output):
    code: str
    message: str
    national: bool


class PeriodPublic(Output):
    id: str
    name: str
    level: str
    school_year: str
    stage: int
    previous_period_id: str | None
    prereg_opens_at: UtcTime
    prereg_closes_at: UtcTime
    prereg_open: bool
    max_choices: int
    changes_per_day: int
    routes: list[RouteOut]
    school_count: int
    overridden: list[str]
    override_reason: str | None
    allocation_run: int
    announced_run: int | None
    released_at: UtcTime | None
    version: int


class PeriodPage(Output):
    items: list[PeriodPublic]
    next_cursor: str | None


# -- applications -------------------------------------------------------------------------------


class ChildIn(Input):
    name: Prose = Field(min_length=2, max_length=100)
    nik: Nik
    nisn: Nisn | None = Field(default=None, description="Wajib untuk SMP")
    birth_date: date
    gender: Literal["L", "P"]

    @model_validator(mode="after")
    def nik_matches_birth_date_and_gender(self) -> ChildIn:
        check_nik_matches(self.nik, self.birth_date, self.gender)
        return self


class HomeIn(Input):
    address: Prose = Field(min_length=5, max_length=200)
    rt: str = Field(pattern=r"^\d{1,3}$")
    rw: str = Field(pattern=r"^\d{1,3}$")
    kelurahan: Prose = Field(min_length=2, max_length=60)
    kecamatan: Prose = Field(min_length=2, max_length=60)
    kabkota_code: str = Field(default="3671", pattern=r"^\d{4}$")
    latitude: float = Field(ge=-11, le=6)
    longitude: float = Field(ge=94, le=142)


class ApplicationCreate(Input):
    child: ChildIn
    kk_number: NoKK
    kk_issued_on: date
    home: HomeIn
    verifier_npsn: Npsn = Field(description="Sekolah tempat verifikasi berkas")
    rapor_avg: float | None = Field(
        default=None, ge=0, le=100, description="Rata-rata rapor semester 1-5 (jalur prestasi)"
    )


class ApplicationUpdate(Input):
    """Fix data while pre-registration is open and the application is draft or needs_fix."""

    version: int = Field(ge=1, le=1_000_000)
    kk_issued_on: date | None = None
    home: HomeIn | None = None
    verifier_npsn: Npsn | None = None
    rapor_avg: float | None = Field(default=None, ge=0, le=100)


class DecisionIn(Input):
    document_id: ObjectId
    decision: Literal["verified", "rejected"]
    reason: Prose = Field(default="", max_length=500)

    @model_validator(mode="after")
    def rejection_has_reason(self) -> DecisionIn:
        if self.decision == "rejected" and len(self.reason) < 5:
            raise ValueError("alasan penolakan wajib diisi (minimal 5 karakter)")
        return self


class ReviewCreate(Input):
    decisions: list[DecisionIn] = Field(min_length=1, max_length=20)
    version: int | None = Field(default=None, ge=1, le=1_000_000)


class RegistrationPut(Input):
    route: RouteId = Field(pattern=r"^[a-z][a-z0-9_]{1,31}$")
    choices: list[Npsn] = Field(min_length=1, max_length=3)


class ChildOut(Output):
    name: str
    nik_masked: str
    nisn: str | None
    birth_date: date
    gender: str


class HomeOut(Output):
    address: str
    rt: str
    rw: str
    kelurahan: str
    kecamatan: str
    kabkota_code: str
    latitude: float
    longitude: float


class ReviewOut(Output):
    document_id: str
    slot: str
    decision: str
    reason: str
    role: str
    at: UtcTime


class ChoiceOut(Output):
    npsn: str
    name: str
    distance_m: int | None
    domicile_score: int | None
    zone_score: int | None


class RegistrationOut(Output):
    route: str
    choices: list[ChoiceOut]
    registration_seq: int
    registered_at: UtcTime
    age_days: int | None
    changes_left_today: int
    locked: bool


class RequirementOut(Output):
    slot: str
    status: Literal["missing", "uploaded", "verified", "rejected"]
    document_id: str | None
    reason: str | None


class ApplicationPublic(Output):
    id: str
    period_id: str
    status: str
    status_label: str
    created_at: UtcTime
    updated_at: UtcTime
    child: ChildOut
    kk_issued_on: date
    kk_one_year_rule_met: bool
    home: HomeOut
    verifier_npsn: str
    rapor_avg: float | None
    requirements: list[RequirementOut]
    reviews: list[ReviewOut]
    registration: RegistrationOut | None
    confirmed_at: UtcTime | None
    version: int


class ApplicationBrief(Output):
    id: str
    period_id: str
    status: str
    status_label: str
    child_name: str
    nik_masked: str
    verifier_npsn: str
    submitted_at: UtcTime | None
    updated_at: UtcTime


class ApplicationPage(Output):
    items: list[ApplicationBrief]
    next_cursor: str | None
