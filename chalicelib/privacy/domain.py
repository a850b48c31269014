"""Data-subject rights (UU 27/2022 PDP): the rules, as pure functions over plain data.

- Pasal 32: access to the data and its processing trail within 3 x 24 hours; a correction or a
  deletion request is answered within the same 3 x 24 hours (``due_at``).
- Pasal 33: what is shown never reveals another person: staff are shown by role and by their
  school or office, never by name or account id (``actor_view``).
- Pasal 42-44: what may be deleted is deleted; what a law or an archive schedule keeps is kept,
  and the answer says why, record by record (``transfer_disposition``,
  ``application_disposition``). The periods are the retention table of docs/retention.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from chalicelib.core.errors import InvalidTransition

ANSWER_WITHIN = timedelta(hours=72)  # 3 x 24 jam (Pasal 32, 33, 41 UU PDP)
OFFICE_INBOX = "office#disdik"


class Kind(StrEnum):
    CORRECTION = "correction"
    DELETION = "deletion"


class Status(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    REFUSED = "refused"


class SubjectType(StrEnum):
    """What the data subject pointed at: one record, or everything about the parent."""

    TRANSFER = "transfer"
    APPLICATION = "application"
    PARENT = "parent"


class RefusalGround(StrEnum):
    IDENTITY_NOT_VERIFIED = "identity_not_verified"
    WOULD_REVEAL_OTHER_PERSON = "would_reveal_other_person"  # Pasal 33
    LEGAL_OBLIGATION = "legal_obligation"
    NOT_HELD = "not_held"
    OTHER = "other"


REFUSAL_LABELS = {
    RefusalGround.IDENTITY_NOT_VERIFIED: "Identitas pemohon belum dapat dipastikan.",
    RefusalGround.WOULD_REVEAL_OTHER_PERSON: (
        "Permintaan akan mengungkap data pribadi orang lain (Pasal 33 UU PDP)."
    ),
    RefusalGround.LEGAL_OBLIGATION: "Data wajib disimpan berdasarkan ketentuan peraturan.",
    RefusalGround.NOT_HELD: "Data yang dimaksud tidak ada dalam sistem.",
    RefusalGround.OTHER: "Lihat alasan yang dituliskan petugas.",
}


class Disposition(StrEnum):
    DELETE = "deleted"
    KEEP = "kept"


@dataclass(frozen=True)
class Retention:
    """Why a record is kept and for how long (one row of docs/retention.md)."""

    code: str
    reason: str
    period: str


IN_PROCESS = Retention(
    "in_process",
    "Permohonan sedang diproses sekolah atau Dinas Pendidikan. Batalkan permohonan lebih dahulu; "
    "setelah ditutup, data disimpan sesuai jadwal retensi.",
    "selama proses berjalan",
)
TRANSFER_ISSUED = Retention(
    "archive_transfer_decision",
    "Surat rekomendasi/keterangan pindah sudah terbit: arsip mutasi siswa (UU 43/2009 tentang "
    "Kearsipan, jadwal retensi arsip Dinas Pendidikan).",
    "5 tahun setelah permohonan selesai",
)
TRANSFER_CLOSED = Retention(
    "administrative_decision",
    "Permohonan sudah diputus atau dibatalkan setelah diajukan ke sekolah: bukti keputusan "
    "administrasi pemerintahan (UU 30/2014), dapat diperlukan untuk keberatan atau pemeriksaan.",
    "2 tahun setelah permohonan ditutup",
)
SELECTION_RECORD = Retention(
    "selection_record",
    "Pendaftaran sudah ikut seleksi SPMB (terdaftar di jalur, diumumkan, atau daftar ulang): "
    "bagian dari hasil seleksi yang wajib dapat diperiksa dan memengaruhi peringkat peserta lain.",
    "5 tahun setelah tahun ajaran dimulai",
)
AUDIT_TRAIL = Retention(
    "audit_trail",
    "Rekam jejak pemrosesan: bukti pertanggungjawaban pemrosesan (Pasal 16 ayat (2) dan Pasal 31 "
    "UU PDP); tidak dapat diubah atau dihapus melalui API.",
    "5 tahun",
)
NEVER_SUBMITTED = Retention(
    "never_submitted", "Draf yang tidak pernah diajukan: dihapus atas permintaan.", "-"
)
NOT_SELECTED = Retention(
    "preregistration_only",
    "Prapendaftaran yang tidak pernah ikut seleksi jalur: dihapus atas permintaan.",
    "-",
)
INBOX = Retention("inbox", "Notifikasi di kotak masuk orang tua: dihapus atas permintaan.", "-")

TRANSFER_OPEN = frozenset(
    {"submitted", "accepted_by_destination", "released_by_origin", "under_review"}
    | {"needs_revision"}
)
TRANSFER_ISSUED_STATES = frozenset({"approved", "completed"})
APPLICATION_PRE_SELECTION = frozenset({"draft", "submitted", "needs_fix", "verified"})


def transfer_disposition(state: str, ever_submitted: bool) -> tuple[Disposition, Retention]:
    """A transfer that never left the parent (a draft, or cancelled before it was submitted) is
    deleted; one that reached a school is in process or an archive record, and is kept."""
    if state == "draft" or (state == "cancelled" and not ever_submitted):
        return Disposition.DELETE, NEVER_SUBMITTED
    if state in TRANSFER_ISSUED_STATES:
        return Disposition.KEEP, TRANSFER_ISSUED
    if state in TRANSFER_OPEN:
        return Disposition.KEEP, IN_PROCESS
    return Disposition.KEEP, TRANSFER_CLOSED


def application_disposition(status: str, registered: bool) -> tuple[Disposition, Retention]:
    """A pre-registration that never entered a route's selection is deleted; one that did is a
    selection record and is kept."""
    if status in APPLICATION_PRE_SELECTION and not registered:
        return Disposition.DELETE, NOT_SELECTED
    return Disposition.KEEP, SELECTION_RECORD


@dataclass(frozen=True)
class RecordOutcome:
    """What a deletion did to one record (or to a group: the documents of a record, an inbox)."""

    record_type: str  # transfer | application | documents | notifications | audit_trail
    record_id: str
    disposition: Disposition
    retention: Retention
    count: int = 1


@dataclass(frozen=True)
class PrivacyRequest:
    id: str
    kind: Kind
    subject_type: SubjectType
    subject_id: str
    parent_sub: str
    description: str
    received_at: datetime
    recorded_at: datetime
    status: Status = Status.OPEN
    closed_at: datetime | None = None
    note: str = ""
    refusal_ground: RefusalGround | None = None
    records: tuple[RecordOutcome, ...] = field(default=())
    version: int = 0

    @property
    def due_at(self) -> datetime:
        return due_at(self.received_at)

    def overdue(self, now: datetime) -> bool:
        return is_overdue(self.status, self.received_at, self.closed_at, now)

    def closed(
        self,
        status: Status,
        at: datetime,
        note: str,
        *,
        ground: RefusalGround | None = None,
        records: tuple[RecordOutcome, ...] = (),
    ) -> PrivacyRequest:
        return replace(
            self, status=status, closed_at=at, note=note, refusal_ground=ground, records=records
        )


def due_at(received_at: datetime) -> datetime:
    """The answer is due 3 x 24 hours after the request was received (not when it was typed in)."""
    return received_at + ANSWER_WITHIN


def is_overdue(
    status: Status, received_at: datetime, closed_at: datetime | None, now: datetime
) -> bool:
    """Open past the deadline, or answered after it."""
    end = now if status is Status.OPEN or closed_at is None else closed_at
    return end > due_at(received_at)


def check_received(received_at: datetime, recorded_at: datetime) -> str | None:
    """An error code, or None: a request cannot be received in the future, nor more than 30 days
    before it is recorded (a late entry would hide a missed deadline)."""
    if received_at > recorded_at + timedelta(minutes=5):
        return "received_in_future"
    if received_at < recorded_at - timedelta(days=30):
        return "received_too_long_ago"
    return None


def ensure_open(request: PrivacyRequest) -> None:
    """Raises InvalidTransition when the request was already answered."""
    if request.status is not Status.OPEN:
        raise InvalidTransition(
            "request_closed",
            "Permintaan ini sudah dijawab dan tidak dapat diubah lagi.",
            allowed=[],
            state=request.status.value,
        )


@dataclass(frozen=True)
class ActorView:
    """Who acted, as far as Pasal 33 lets the data subject see: a role and a unit, never a name
    or an account id (the parent is told when the actor was the parent themselves)."""

    role: str
    unit_type: str | None  # school | office | None
    unit_id: str | None
    by_you: bool


def actor_view(actor_sub: str, actor_role: str, actor_unit: str, viewer_sub: str) -> ActorView:
    if actor_unit.startswith("school#"):
        return ActorView(actor_role, "school", actor_unit.split("#", 1)[1], False)
    if actor_unit == OFFICE_INBOX or actor_role == "education_staff":
        return ActorView(actor_role, "office", None, False)
    return ActorView(actor_role, None, None, actor_sub == viewer_sub)
