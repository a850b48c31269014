"""Data-subject rights: request bodies and responses (the data export, privacy requests)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field, field_validator

from chalicelib.admissions.schemas import ApplicationPublic
from chalicelib.core.schemas import Input, Output, Prose, UtcTime
from chalicelib.core.validators import mask_nik_like
from chalicelib.documents.schemas import DocumentPublic
from chalicelib.notifications.schemas import NotificationPublic
from chalicelib.transfers.schemas import TimelineEntry, TransferPublic

SUBJECT_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$"


class SubjectRef(Input):
    """What the data subject points at: a transfer request, a PPDB application (by id), or
    everything about a parent (their account id, ``sub``)."""

    type: Literal["transfer", "application", "parent"]
    id: str = Field(pattern=SUBJECT_ID, description="Id permohonan/pendaftaran, atau sub akun")

    @field_validator("id")
    @classmethod
    def no_nik(cls, value: str) -> str:
        if mask_nik_like(value) != value:
            raise ValueError("Id tidak boleh berisi NIK atau No. KK.")
        return value


class PrivacyRequestCreate(Input):
    kind: Literal["correction", "deletion"]
    subject: SubjectRef
    description: Prose = Field(min_length=1, max_length=2000)
    received_at: AwareDatetime = Field(
        description="Kapan permintaan diterima dari pemilik data (tenggat = +72 jam)"
    )


class PrivacyRequestComplete(Input):
    note: Prose = Field(min_length=1, max_length=2000)
    version: int | None = Field(default=None, ge=1, le=1_000_000)


class PrivacyRequestRefuse(Input):
    ground: Literal[
        "identity_not_verified", "would_reveal_other_person", "legal_obligation", "not_held",
        "other",
    ]  # fmt: skip
    reason: Prose = Field(min_length=1, max_length=2000)
    version: int | None = Field(default=None, ge=1, le=1_000_000)


class RecordOutcomePublic(Output):
    record_type: str
    record_id: str
    disposition: Literal["deleted", "kept"]
    count: int
    retention_code: str
    retention_reason: str
    retention_period: str


class PrivacyRequestPublic(Output):
    id: str
    kind: str
    status: str
    subject_type: str
    subject_id: str
    parent_sub: str
    description: str
    received_at: UtcTime
    due_at: UtcTime
    due_at_wib: str
    overdue: bool
    recorded_at: UtcTime
    closed_at: UtcTime | None
    note: str
    refusal_ground: str | None
    refusal_label: str | None
    records: list[RecordOutcomePublic]
    planned: list[RecordOutcomePublic] | None = Field(
        default=None, description="Untuk permintaan penghapusan yang masih terbuka: rencana"
    )
    version: int


class PrivacyRequestPage(Output):
    items: list[PrivacyRequestPublic]
    next_cursor: str | None


# -- the data export (Pasal 32) --------------------------------------------------------------


class SchoolUnit(Output):
    npsn: str
    name: str | None


class TrailEntry(Output):
    """One read or change of the record. The actor is shown by role and school or office only
    (Pasal 33: never a staff member's name or account)."""

    at: UtcTime
    at_wib: str
    action: str
    outcome: str
    actor_role: str
    actor_school: SchoolUnit | None
    actor_office: str | None
    by_you: bool


class DocumentExport(DocumentPublic):
    download_url: str | None
    download_expires_in: int | None


class TransferExport(Output):
    transfer: TransferPublic
    timeline: list[TimelineEntry]
    documents: list[DocumentExport]
    processing: list[TrailEntry]


class ApplicationExport(Output):
    application: ApplicationPublic
    documents: list[DocumentExport]
    processing: list[TrailEntry]


class ExportLimits(Output):
    records_per_kind: int
    notifications: int
    trail_entries_per_record: int
    privacy_requests: int
    download_link_seconds: int


class DataExport(Output):
    generated_at: UtcTime
    generated_at_wib: str
    subject: str
    transfers: list[TransferExport]
    applications: list[ApplicationExport]
    notifications: list[NotificationPublic]
    privacy_requests: list[PrivacyRequestPublic]
    account_trail: list[TrailEntry]
    limits: ExportLimits
    truncated: list[str] = Field(description="Bagian yang melebihi batas (hubungi Dinas)")
    retention: str
