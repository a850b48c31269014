"""Pindah Sekolah request and response models (names by role: Create / Update / Public / Page)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from chalicelib.core.schemas import Input, Output, Prose, UtcTime
from chalicelib.core.validators import MobileNumber, Nik, Nisn, Npsn, check_nik_matches


class StudentCreate(Input):
    name: Prose = Field(min_length=2, max_length=100)
    nik: Nik
    nisn: Nisn
    birth_date: date
    gender: Literal["L", "P"]
    grade: int = Field(ge=1, le=9, description="Kelas saat ini (SD 1-6, SMP 7-9)")

    @model_validator(mode="after")
    def nik_matches_birth_date_and_gender(self) -> StudentCreate:
        check_nik_matches(self.nik, self.birth_date, self.gender)
        return self


class ParentContact(Input):
    name: Prose = Field(min_length=2, max_length=100)
    phone: MobileNumber


class TransferCreate(Input):
    student: StudentCreate
    origin_npsn: Npsn
    destination_npsn: Npsn
    reason: Prose = Field(min_length=10, max_length=1000)
    wanted_start_date: date
    parent: ParentContact

    @model_validator(mode="after")
    def schools_differ(self) -> TransferCreate:
        if self.origin_npsn == self.destination_npsn:
            raise ValueError("sekolah asal dan sekolah tujuan tidak boleh sama")
        return self


class TransferUpdate(Input):
    version: int = Field(ge=1, le=1_000_000)
    reason: Prose | None = Field(default=None, min_length=10, max_length=1000)
    wanted_start_date: date | None = None
    parent: ParentContact | None = None


class SchoolBrief(Output):
    npsn: str
    name: str


class StudentPublic(Output):
    name: str
    nik_masked: str
    nisn: str
    birth_date: date
    gender: str
    grade: int


class ParentPublic(Output):
    name: str
    phone: str


class TimelineEntry(Output):
    at: UtcTime
    at_wib: str
    action: str
    from_state: str | None
    to_state: str
    actor_role: str
    reason: str


class TransferPublic(Output):
    id: str
    state: str
    state_since: UtcTime
    version: int
    student: StudentPublic
    origin: SchoolBrief
    destination: SchoolBrief
    reason: str
    wanted_start_date: date
    parent: ParentPublic
    created_at: UtcTime
    seat_held: bool
    crosses_boundary: bool
    review_requested: bool
    origin_confirmed: bool
    destination_confirmed: bool
    waiting_on: list[str]
    allowed_actions: list[str]
    letter_available: bool


class TransferSummary(Output):
    id: str
    state: str
    state_since: UtcTime
    student_name: str
    grade: int
    origin: SchoolBrief
    destination: SchoolBrief
    created_at: UtcTime


class TransferPage(Output):
    items: list[TransferSummary]
    next_cursor: str | None


class Timeline(Output):
    transfer_id: str
    state: str
    entries: list[TimelineEntry]


class LetterDownload(Output):
    code: str
    url: str
    expires_in: int


class LetterVerification(Output):
    code: str
    status: Literal["valid", "revoked"]
    student_initials: str
    grade: int
    origin_name: str
    destination_name: str
    issued_at: UtcTime
    issued_at_wib: str


class AuditEntryPublic(Output):
    at: UtcTime
    action: str
    actor_sub: str
    actor_role: str
    outcome: str
    detail: str


class AuditPage(Output):
    items: list[AuditEntryPublic]
    next_cursor: str | None
