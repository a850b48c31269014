"""A PPDB application (one child, one period) and its rules. Pure: no I/O, no clock.

Life of an application::

    draft --submit--> submitted --verify(all ok)--> verified --register--> registered
      ^                   |                                                 |
      +--(fix)-- needs_fix <--verify(any document rejected)                 |
                                                                            v
    registered --final allocation--> admitted | not_admitted
    admitted --daftar ulang--> confirmed ;  admitted --deadline passed--> released

The result (admitted / not_admitted) is stored by the final allocation but shown to the parent
only after the route's announcement time. A released applicant's seat goes to tahap 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from chalicelib.admissions.domain import Family, Period, Route


class AppStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    NEEDS_FIX = "needs_fix"
    VERIFIED = "verified"
    REGISTERED = "registered"
    ADMITTED = "admitted"
    NOT_ADMITTED = "not_admitted"
    CONFIRMED = "confirmed"
    RELEASED = "released"


EDITABLE = frozenset({AppStatus.DRAFT, AppStatus.NEEDS_FIX})
REVIEWABLE = frozenset({AppStatus.SUBMITTED})


class Doc(StrEnum):
    """Document slots of an application (the period's routes say which are required)."""

    KK = "kartu_keluarga"
    AKTA = "akta_kelahiran"
    DOMISILI = "surat_keterangan_domisili"  # replaces the 1-year KK rule
    PSIKOLOG = "rekomendasi_psikolog"  # SD, 5 years 6 months
    IJAZAH = "ijazah_skl"
    KIP_PKH_KKS = "kip_pkh_kks"
    DTSEN = "dtsen"
    SURAT_TUGAS = "surat_tugas_orang_tua"
    RAPOR = "rapor"
    SERTIFIKAT = "sertifikat_prestasi"
    DISABILITAS = "surat_keterangan_disabilitas"


BASE_DOCUMENTS = (Doc.KK, Doc.AKTA)


@dataclass(frozen=True)
class Child:
    name: str
    birth_date: date
    gender: str  # "L" | "P"
    nik_hmac: str
    nik_cipher: str
    nik_last4: str
    nisn: str | None = None


@dataclass(frozen=True)
class Home:
    address: str
    rt: str
    rw: str
    kelurahan: str
    kecamatan: str
    latitude: float
    longitude: float
    kabkota_code: str = "3671"


@dataclass(frozen=True)
class Review:
    """A reviewer's decision on one uploaded document."""

    document_id: str
    slot: str
    decision: str  # "verified" | "rejected"
    reason: str
    by: str
    role: str
    at: datetime


@dataclass(frozen=True)
class Registration:
    route: str
    choices: tuple[str, ...]
    seq: int
    registered_at: datetime
    changes_on: str = ""  # WIB date of the last change
    changes_that_day: int = 0
    # Ranking attributes derived by the server at registration (never sent by the client):
    attrs: dict[str, float] = field(default_factory=dict)  # age_days, rapor_avg, registration_seq
    choice_attrs: tuple[dict[str, float], ...] = ()  # per choice: distance_m, domicile/zone score


@dataclass(frozen=True)
class Outcome:
    """What the final allocation decided, with the explanation shown after the announcement."""

    run: int
    school: str | None
    route: str
    ranks: tuple[int | None, ...]  # rank at each choice (None when not ranked there)
    cutoffs: tuple[tuple[float, ...] | None, ...]  # cutoff values at each choice
    values: tuple[tuple[float, ...], ...]  # own criteria values at each choice


@dataclass(frozen=True)
class Application:
    id: str
    period_id: str
    parent_sub: str
    status: AppStatus
    created_at: datetime
    updated_at: datetime
    child: Child
    kk_number_cipher: str
    kk_issued_on: date
    home: Home
    verifier_npsn: str
    rapor_avg: float | None = None
    achievement_score: float | None = None
    reviews: tuple[Review, ...] = ()
    registration: Registration | None = None
    outcome: Outcome | None = None
    confirmed_at: datetime | None = None
    submitted_at: datetime | None = None
    version: int = 0
    history: tuple[tuple[str, str, datetime], ...] = field(default=())  # (status, actor role, at)

    def moved(self, status: AppStatus, role: str, at: datetime) -> Application:
        return replace(
            self,
            status=status,
            updated_at=at,
            history=(*self.history, (status.value, role, at)),
        )


def required_documents(
    period: Period, app: Application, route: Route | None, *, needs_psychologist: bool
) -> list[str]:
    """Slots that must hold a verified document: every application needs KK and akta (SMP also
    ijazah/SKL); a KK younger than one year needs a domicile letter; an SD child of 5 years 6
    months to 6 years needs a psychologist's recommendation; a route adds its own proofs."""
    slots: list[str] = [d.value for d in BASE_DOCUMENTS]
    if period.level.value == "SMP":
        slots.append(Doc.IJAZAH.value)
    if not kk_rule_ok(app.kk_issued_on, registration_reference(period), False):
        slots.append(Doc.DOMISILI.value)
    if needs_psychologist:
        slots.append(Doc.PSIKOLOG.value)
    if route is not None:
        slots += [s for s in route.documents if s not in slots]
    return slots


def registration_reference(period: Period) -> date:
    """The date the one-year KK rule is measured against: the first registration day (WIB)."""
    first = min(r.opens_at for r in period.routes)
    return (first + timedelta(hours=7)).date()


def slot_states(
    current: dict[str, str], reviews: tuple[Review, ...]
) -> dict[str, tuple[str, str | None, str | None]]:
    """slot -> (status, document id, reason) for each slot holding a clean document; ``current``
    maps slot -> the id of its newest clean document. A review only counts for that document."""
    decided = {r.document_id: r for r in reviews}
    out: dict[str, tuple[str, str | None, str | None]] = {}
    for slot, doc_id in current.items():
        review = decided.get(doc_id)
        if review is None:
            out[slot] = ("uploaded", doc_id, None)
        else:
            out[slot] = (review.decision, doc_id, review.reason or None)
    return out


def after_review(required: list[str], states: dict[str, tuple[str, str | None, str | None]]
                 ) -> AppStatus:  # fmt: skip
    """Status once reviews are applied: any rejected document -> needs_fix; every required and
    every other uploaded document verified -> verified; otherwise still submitted."""
    if any(s[0] == "rejected" for s in states.values()):
        return AppStatus.NEEDS_FIX
    if all(states.get(slot, ("missing",))[0] == "verified" for slot in required) and all(
        s[0] == "verified" for s in states.values()
    ):
        return AppStatus.VERIFIED
    return AppStatus.SUBMITTED


def kk_rule_ok(kk_issued_on: date, registration_opens: date, has_domicile_letter: bool) -> bool:
    """No. KK issued at least one year before registration, unless a domicile letter is given."""
    if has_domicile_letter:
        return True
    try:
        year_before = registration_opens.replace(year=registration_opens.year - 1)
    except ValueError:  # 29 February
        year_before = registration_opens.replace(year=registration_opens.year - 1, day=28)
    return kk_issued_on <= year_before


def route_of(period: Period, route_id: str) -> Route | None:
    return next((r for r in period.routes if r.id == route_id), None)


def route_is_open(route: Route, now: datetime) -> bool:
    return route.opens_at <= now < route.closes_at


def family_needs_rapor(route: Route) -> bool:
    return route.family is Family.PRESTASI
