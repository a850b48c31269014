"""Pindah Sekolah: the request, its state machine and who may move it. Pure: no I/O, no clock.

States and actors (issue #2):
draft -> submitted (parent) -> accepted_by_destination (destination operator, takes a seat)
-> released_by_origin (origin operator, surat keterangan pindah clean) -> under_review (when the
move crosses the city boundary or the office asked) -> approved (staff; automatic when no review
is needed) -> completed (both schools confirm the Dapodik mutation).
Side states: needs_revision (a reviewer, with reason; the parent resubmits to the step that asked),
rejected (a reviewer, with reason; frees the seat), cancelled (parent before approval;
frees the seat).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from chalicelib.core.errors import Invalid, InvalidTransition, NotFound
from chalicelib.core.principal import Principal, Role


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED_BY_DESTINATION = "accepted_by_destination"
    RELEASED_BY_ORIGIN = "released_by_origin"
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"
    COMPLETED = "completed"
    NEEDS_REVISION = "needs_revision"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


TERMINAL = frozenset({State.COMPLETED, State.REJECTED, State.CANCELLED})
REVIEWABLE = frozenset({State.SUBMITTED, State.ACCEPTED_BY_DESTINATION, State.UNDER_REVIEW})
CANCELLABLE = frozenset(
    {State.DRAFT, State.SUBMITTED, State.ACCEPTED_BY_DESTINATION, State.UNDER_REVIEW}
    | {State.NEEDS_REVISION}
)
MAX_TIMELINE = 60


class Action(StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    RELEASE = "release"
    REQUEST_REVIEW = "request_review"
    APPROVE = "approve"
    CONFIRM_DAPODIK = "confirm_dapodik"
    REQUEST_REVISION = "request_revision"
    REJECT = "reject"
    CANCEL = "cancel"


class Slot(StrEnum):
    """Document slots of a transfer, and who fills each."""

    SURAT_PERMOHONAN = "surat_permohonan_orang_tua"
    RAPOR_TERAKHIR = "rapor_terakhir"
    KARTU_KELUARGA = "kartu_keluarga"
    AKTA_KELAHIRAN = "akta_kelahiran"
    SURAT_KETERANGAN_PINDAH = "surat_keterangan_pindah"
    SURAT_KETERANGAN_DITERIMA = "surat_keterangan_diterima"


PARENT_SLOTS = (
    Slot.SURAT_PERMOHONAN,
    Slot.RAPOR_TERAKHIR,
    Slot.KARTU_KELUARGA,
    Slot.AKTA_KELAHIRAN,
)


@dataclass(frozen=True)
class Student:
    name: str
    nik_hmac: str
    nik_cipher: str
    nik_last4: str
    nisn: str
    birth_date: date
    gender: str
    grade: int


@dataclass(frozen=True)
class SchoolRef:
    npsn: str
    name: str
    kabkota_code: str


@dataclass(frozen=True)
class Event:
    at: datetime
    action: str
    from_state: str | None
    to_state: str
    actor_role: str
    actor_sub: str
    reason: str = ""


@dataclass(frozen=True)
class Transfer:
    id: str
    parent_sub: str
    student: Student
    origin: SchoolRef
    destination: SchoolRef
    reason: str
    wanted_start_date: date
    parent_name: str
    parent_phone: str
    created_at: datetime
    state: State = State.DRAFT
    state_since: datetime | None = None
    version: int = 1
    seat_held: bool = False
    review_requested: bool = False
    revision_from: State | None = None
    origin_confirmed: bool = False
    destination_confirmed: bool = False
    letter_code: str | None = None
    timeline: tuple[Event, ...] = field(default_factory=tuple)

    @property
    def crosses_boundary(self) -> bool:
        return self.origin.kabkota_code != self.destination.kabkota_code

    @property
    def is_open(self) -> bool:
        return self.state not in TERMINAL


@dataclass(frozen=True)
class Context:
    """Facts the service looked up for a decision (documents are in another table)."""

    parent_documents_complete: bool = False
    release_letter_clean: bool = False


@dataclass(frozen=True)
class Outcome:
    transfer: Transfer
    take_seat: bool = False
    free_seat: bool = False
    close_request: bool = False
    issue_letter: bool = False


def parties(transfer: Transfer, actor: Principal) -> set[str]:
    """The roles an actor plays on this request: owner, origin, destination, office."""
    found = set()
    if actor.role is Role.PARENT and actor.sub == transfer.parent_sub:
        found.add("owner")
    if actor.operates(transfer.origin.npsn):
        found.add("origin")
    if actor.operates(transfer.destination.npsn):
        found.add("destination")
    if actor.is_staff:
        found.add("office")
    return found


def can_see(transfer: Transfer, actor: Principal) -> bool:
    return bool(parties(transfer, actor))


def ensure_visible(transfer: Transfer | None, actor: Principal) -> Transfer:
    """Another family's or school's request answers exactly like a missing one."""
    if transfer is None or not can_see(transfer, actor):
        raise NotFound("transfer_not_found", "Permohonan pindah sekolah tidak ditemukan.")
    return transfer


def reviewer_of(state: State) -> str | None:
    return {
        State.SUBMITTED: "destination",
        State.ACCEPTED_BY_DESTINATION: "origin",
        State.UNDER_REVIEW: "office",
    }.get(state)


def waiting_on(transfer: Transfer) -> list[str]:
    """Inboxes whose action the request waits for (the next actor)."""
    state = transfer.state
    if state in (State.DRAFT, State.NEEDS_REVISION):
        return [f"user#{transfer.parent_sub}"]
    if state is State.SUBMITTED:
        return [f"school#{transfer.destination.npsn}"]
    if state is State.ACCEPTED_BY_DESTINATION:
        return [f"school#{transfer.origin.npsn}"]
    if state is State.UNDER_REVIEW:
        return ["office#disdik"]
    if state is State.APPROVED:
        waits = []
        if not transfer.origin_confirmed:
            waits.append(f"school#{transfer.origin.npsn}")
        if not transfer.destination_confirmed:
            waits.append(f"school#{transfer.destination.npsn}")
        return waits
    return []


FORWARD = {
    State.SUBMITTED: ("destination", Action.ACCEPT),
    State.ACCEPTED_BY_DESTINATION: ("origin", Action.RELEASE),
    State.UNDER_REVIEW: ("office", Action.APPROVE),
}


def _owner_actions(state: State) -> list[Action]:
    allowed = [Action.SUBMIT] if state in (State.DRAFT, State.NEEDS_REVISION) else []
    return allowed + ([Action.CANCEL] if state in CANCELLABLE else [])


def _allowed_for(transfer: Transfer, who: set[str]) -> list[Action]:
    state = transfer.state
    allowed = _owner_actions(state) if "owner" in who else []
    forward = FORWARD.get(state)
    if forward and forward[0] in who:
        allowed.insert(0, forward[1])
    reviewer = reviewer_of(state)
    if reviewer and (reviewer in who or "office" in who):
        allowed += [Action.REQUEST_REVISION, Action.REJECT]
    office_may_ask = state in (State.SUBMITTED, State.ACCEPTED_BY_DESTINATION)
    if "office" in who and office_may_ask and not transfer.review_requested:
        allowed.append(Action.REQUEST_REVIEW)
    if state is State.APPROVED and _can_confirm(transfer, who):
        allowed.append(Action.CONFIRM_DAPODIK)
    return allowed


def _can_confirm(transfer: Transfer, who: set[str]) -> bool:
    return ("origin" in who and not transfer.origin_confirmed) or (
        "destination" in who and not transfer.destination_confirmed
    )


def allowed_actions(transfer: Transfer, actor: Principal) -> list[Action]:
    return _allowed_for(transfer, parties(transfer, actor))


_NEEDS_REASON = frozenset({Action.REQUEST_REVISION, Action.REJECT, Action.REQUEST_REVIEW})


def decide(
    transfer: Transfer,
    action: Action,
    actor: Principal,
    *,
    now: datetime,
    reason: str = "",
    context: Context | None = None,
) -> Outcome:
    """The outcome of ``actor`` taking ``action``; raises InvalidTransition or Invalid."""
    context = context or Context()
    allowed = allowed_actions(transfer, actor)
    if action not in allowed:
        raise InvalidTransition(
            "invalid_transition",
            f"Langkah '{action.value}' tidak diizinkan saat status '{transfer.state.value}'.",
            allowed=[a.value for a in allowed],
            state=transfer.state.value,
        )
    if action in _NEEDS_REASON and not reason.strip():
        raise Invalid("reason_required", "Alasan wajib diisi untuk langkah ini.")
    return _apply(transfer, action, actor, now, reason.strip(), context)


def _apply(
    t: Transfer, action: Action, actor: Principal, now: datetime, reason: str, ctx: Context
) -> Outcome:
    if action is Action.SUBMIT:
        if not ctx.parent_documents_complete:
            raise Invalid(
                "documents_incomplete",
                "Unggah dan tunggu verifikasi semua dokumen wajib orang tua sebelum mengajukan.",
                required=[s.value for s in PARENT_SLOTS],
            )
        target = t.revision_from or State.SUBMITTED
        return Outcome(_move(t, action, actor, now, target, reason, revision_from=None))
    if action is Action.ACCEPT:
        return Outcome(
            _move(t, action, actor, now, State.ACCEPTED_BY_DESTINATION, reason, seat_held=True),
            take_seat=True,
        )
    if action is Action.RELEASE:
        return _release(t, actor, now, reason, ctx)
    if action is Action.APPROVE:
        return Outcome(_move(t, action, actor, now, State.APPROVED, reason), issue_letter=True)
    if action is Action.REQUEST_REVIEW:
        return Outcome(_note(t, action, actor, now, reason, review_requested=True))
    if action is Action.CONFIRM_DAPODIK:
        return _confirm(t, actor, now, reason)
    if action is Action.REQUEST_REVISION:
        return Outcome(
            _move(t, action, actor, now, State.NEEDS_REVISION, reason, revision_from=t.state)
        )
    target = State.REJECTED if action is Action.REJECT else State.CANCELLED
    moved = _move(t, action, actor, now, target, reason, seat_held=False)
    return Outcome(moved, free_seat=t.seat_held, close_request=True)


def _release(t: Transfer, actor: Principal, now: datetime, reason: str, ctx: Context) -> Outcome:
    if not ctx.release_letter_clean:
        raise Invalid(
            "release_letter_missing",
            "Unggah surat keterangan pindah (dan tunggu verifikasinya) sebelum melepas siswa.",
        )
    released = _move(t, Action.RELEASE, actor, now, State.RELEASED_BY_ORIGIN, reason)
    if t.crosses_boundary or t.review_requested:
        why = "lintas kota/kabupaten" if t.crosses_boundary else "diminta Dinas Pendidikan"
        return Outcome(
            _system(released, now, State.UNDER_REVIEW, f"Perlu verifikasi Dinas ({why})")
        )
    approved = _system(
        released, now, State.APPROVED, "Disetujui otomatis: dalam kota, tanpa telaah"
    )
    return Outcome(approved, issue_letter=True)


def _confirm(t: Transfer, actor: Principal, now: datetime, reason: str) -> Outcome:
    side = "origin" if "origin" in parties(t, actor) else "destination"
    origin = t.origin_confirmed or side == "origin"
    destination = t.destination_confirmed or side == "destination"
    noted = _note(
        t,
        Action.CONFIRM_DAPODIK,
        actor,
        now,
        reason,
        origin_confirmed=origin,
        destination_confirmed=destination,
    )
    if origin and destination:
        done = _system(noted, now, State.COMPLETED, "Mutasi Dapodik dikonfirmasi kedua sekolah")
        return Outcome(done, close_request=True)
    return Outcome(noted)


def _event(
    t: Transfer,
    action: str,
    actor_role: str,
    actor_sub: str,
    now: datetime,
    to_state: State,
    reason: str,
) -> tuple[Event, ...]:
    event = Event(now, action, t.state.value, to_state.value, actor_role, actor_sub, reason)
    return (*t.timeline, event)[-MAX_TIMELINE:]


def _move(
    t: Transfer,
    action: Action,
    actor: Principal,
    now: datetime,
    target: State,
    reason: str,
    **changes: object,
) -> Transfer:
    timeline = _event(t, action.value, actor.role.value, actor.sub, now, target, reason)
    return replace(t, state=target, state_since=now, timeline=timeline, **changes)  # type: ignore[arg-type]


def _note(
    t: Transfer, action: Action, actor: Principal, now: datetime, reason: str, **changes: object
) -> Transfer:
    timeline = _event(t, action.value, actor.role.value, actor.sub, now, t.state, reason)
    return replace(t, timeline=timeline, **changes)  # type: ignore[arg-type]


def _system(t: Transfer, now: datetime, target: State, reason: str) -> Transfer:
    timeline = _event(t, "system", "system", "system", now, target, reason)
    return replace(t, state=target, state_since=now, timeline=timeline)


def revision_count(t: Transfer) -> int:
    return sum(1 for e in t.timeline if e.action == Action.REQUEST_REVISION.value)
