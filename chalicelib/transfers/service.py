"""Pindah Sekolah use cases. Each state change is one transaction (see repository.Change)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from chalicelib.core import audit as audit_mod
from chalicelib.core.clock import wib_date
from chalicelib.core.crypto import encrypt_field, keyed_hash
from chalicelib.core.errors import InvalidTransition, NotFound, StaleVersion, Unprocessable
from chalicelib.core.ids import is_id, new_id, verification_code
from chalicelib.core.notify import Notification, push
from chalicelib.core.observability import count, logger
from chalicelib.core.pagination import decode_cursor, encode_cursor, parse_limit
from chalicelib.core.principal import Principal
from chalicelib.documents.domain import latest_clean
from chalicelib.schools.domain import GRADES, School
from chalicelib.transfers import presenters
from chalicelib.transfers.domain import (
    PARENT_SLOTS,
    Action,
    Context,
    Event,
    SchoolRef,
    Slot,
    State,
    Student,
    Transfer,
    decide,
    ensure_visible,
    waiting_on,
)
from chalicelib.transfers.letters import Letter, letter_for
from chalicelib.transfers.messages import message_for
from chalicelib.transfers.repository import Change
from chalicelib.transfers.schemas import (
    AuditEntryPublic,
    AuditPage,
    TransferCreate,
    TransferPublic,
    TransferUpdate,
)
from chalicelib.wiring import Deps

LOCK_PREFIX = "transfer-open#"


def subject(transfer_id: str) -> str:
    return f"transfer#{transfer_id}"


def _school(deps: Deps, npsn: str, grade: int, role: str) -> School:
    school = deps.schools.get(npsn)
    label = "asal" if role == "origin" else "tujuan"
    if school is None:
        raise Unprocessable(
            f"{role}_school_unknown", f"Sekolah {label} (NPSN {npsn}) tidak terdaftar."
        )
    if grade not in GRADES[school.level]:
        raise Unprocessable(
            "grade_not_offered",
            f"Kelas {grade} tidak ada di sekolah {label} ({school.level.value}).",
        )
    return school


def _ref(s: School) -> SchoolRef:
    return SchoolRef(s.npsn, s.name, s.kabkota_code)


def _new_student(cmd: TransferCreate, transfer_id: str, deps: Deps) -> Student:
    """The NIK is kept only as a keyed hash (uniqueness) and AES-GCM bound to the request id."""
    st, settings = cmd.student, deps.settings
    return Student(
        name=st.name,
        nik_hmac=keyed_hash(settings.nik_hmac_key, st.nik, "nik"),
        nik_cipher=encrypt_field(settings.pii_key, st.nik, transfer_id),
        nik_last4=st.nik[-4:],
        nisn=st.nisn,
        birth_date=st.birth_date,
        gender=st.gender,
        grade=st.grade,
    )


def _check_start_date(wanted: date | None, now: datetime) -> None:
    if wanted is not None and wanted < wib_date(now):
        raise Unprocessable("start_date_in_past", "Tanggal mulai yang diinginkan sudah lewat.")


def create(
    cmd: TransferCreate, *, actor: Principal, deps: Deps, request_id: str = ""
) -> TransferPublic:
    """Create a draft. Raises Unprocessable (unknown school, grade) or Conflict (open request)."""
    origin = _school(deps, cmd.origin_npsn, cmd.student.grade, "origin")
    destination = _school(deps, cmd.destination_npsn, cmd.student.grade, "destination")
    now, tid = deps.clock.now(), new_id()
    _check_start_date(cmd.wanted_start_date, now)
    student = _new_student(cmd, tid, deps)
    created = Event(now, "create", None, State.DRAFT.value, actor.role.value, actor.sub)
    transfer = Transfer(
        id=tid,
        parent_sub=actor.sub,
        student=student,
        origin=_ref(origin),
        destination=_ref(destination),
        reason=cmd.reason,
        wanted_start_date=cmd.wanted_start_date,
        parent_name=cmd.parent.name,
        parent_phone=cmd.parent.phone,
        created_at=now,
        state_since=now,
        timeline=(created,),
    )
    change = Change(
        after=transfer,
        expected_version=None,
        lock_key=LOCK_PREFIX + student.nik_hmac,
        create_lock=True,
        audit=[audit_mod.entry(subject(tid), "create", actor, now, request_id=request_id)],
    )
    saved = deps.transfers.commit(change)
    count("TransferCreated")
    return presenters.public(saved, actor)


def _find(transfer_id: str, deps: Deps) -> Transfer | None:
    """Ids are ULIDs; anything else (e.g. a NIK pasted into the URL) is never looked up."""
    return deps.transfers.get(transfer_id) if is_id(transfer_id) else None


def _visible(transfer_id: str, actor: Principal, deps: Deps, request_id: str) -> Transfer:
    """ensure_visible, and an audit entry when an existing request is denied (R-01)."""
    transfer = _find(transfer_id, deps)
    try:
        return ensure_visible(transfer, actor)
    except NotFound:
        if transfer is not None:
            deps.audit.append(
                audit_mod.entry(
                    subject(transfer_id),
                    "access",
                    actor,
                    deps.clock.now(),
                    outcome="denied",
                    request_id=request_id,
                )
            )
        raise


def load(transfer_id: str, actor: Principal, deps: Deps, request_id: str = "") -> Transfer:
    """The request if the actor may see it (else 404); staff/operator reads are audited."""
    transfer = _visible(transfer_id, actor, deps, request_id)
    if actor.role.value != "parent":
        deps.audit.append(
            audit_mod.entry(
                subject(transfer_id), "read", actor, deps.clock.now(), request_id=request_id
            )
        )
    return transfer


def get(transfer_id: str, *, actor: Principal, deps: Deps, request_id: str = "") -> TransferPublic:
    return presenters.public(load(transfer_id, actor, deps, request_id), actor)


def update(
    transfer_id: str, cmd: TransferUpdate, *, actor: Principal, deps: Deps, request_id: str = ""
) -> TransferPublic:
    """Edit a draft or a request sent back for revision.

    Raises StaleVersion, InvalidTransition."""
    t = load(transfer_id, actor, deps, request_id)
    _check_version(t, cmd.version)
    _check_start_date(cmd.wanted_start_date, deps.clock.now())
    if t.state not in (State.DRAFT, State.NEEDS_REVISION) or actor.sub != t.parent_sub:
        raise InvalidTransition(
            "not_editable",
            "Permohonan hanya bisa diubah saat draf atau perlu perbaikan.",
            allowed=[],
            state=t.state.value,
        )
    after = replace(
        t,
        reason=cmd.reason or t.reason,
        wanted_start_date=cmd.wanted_start_date or t.wanted_start_date,
        parent_name=cmd.parent.name if cmd.parent else t.parent_name,
        parent_phone=cmd.parent.phone if cmd.parent else t.parent_phone,
    )
    now = deps.clock.now()
    change = Change(
        after=after,
        expected_version=t.version,
        audit=[audit_mod.entry(subject(t.id), "update", actor, now, request_id=request_id)],
    )
    return presenters.public(deps.transfers.commit(change), actor)


def _check_version(t: Transfer, expected: int | None) -> None:
    if expected is not None and expected != t.version:
        raise StaleVersion(
            "stale_version",
            f"Data sudah berubah (versi terbaru {t.version}). Muat ulang lalu coba lagi.",
            current_version=t.version,
        )


def _context(t: Transfer, action: Action, deps: Deps) -> Context:
    if action not in (Action.SUBMIT, Action.RELEASE):
        return Context()
    docs = deps.documents.for_ref(subject(t.id))
    complete = all(latest_clean(docs, slot.value) for slot in PARENT_SLOTS)
    release = latest_clean(docs, Slot.SURAT_KETERANGAN_PINDAH.value) is not None
    return Context(parent_documents_complete=complete, release_letter_clean=release)


def act(
    transfer_id: str,
    action: Action,
    *,
    reason: str,
    version: int | None,
    actor: Principal,
    deps: Deps,
    request_id: str = "",
) -> TransferPublic:
    """Take one step of the state machine. Raises NotFound, StaleVersion, InvalidTransition,
    Invalid (missing reason or documents), Conflict (no seat, concurrent update)."""
    t = _visible(transfer_id, actor, deps, request_id)
    _check_version(t, version)
    now = deps.clock.now()
    outcome = decide(t, action, actor, now=now, reason=reason, context=_context(t, action, deps))
    after, letter = outcome.transfer, None
    if outcome.issue_letter:
        letter = letter_for(after, verification_code(), now)
        after = replace(after, letter_code=letter.code)
    change = Change(
        after=after,
        expected_version=t.version,
        take_seat=outcome.take_seat,
        free_seat=outcome.free_seat,
        lock_key=LOCK_PREFIX + t.student.nik_hmac,
        release_lock=outcome.close_request,
        letter=letter,
        audit=[
            audit_mod.entry(
                subject(t.id), action.value, actor, now, detail=reason[:200], request_id=request_id
            )
        ],
        notifications=_notes(t, after, action.value, actor, reason, now),
    )
    saved = deps.transfers.commit(change)
    push(deps.sender, change.notifications)
    if letter is not None:
        _store_letter(saved, letter, deps)
    count("TransferTransition", action=action.value)
    return presenters.public(saved, actor)


def _notes(
    before: Transfer, after: Transfer, action: str, actor: Principal, reason: str, now: datetime
) -> list[Notification]:
    recipients = [f"user#{after.parent_sub}", *waiting_on(after)]
    title, body = message_for(after.state, action, reason)
    notes = []
    for recipient in dict.fromkeys(recipients):
        if recipient == actor.inbox:
            continue
        key = f"transfer#{after.id}#v{before.version + 1}#{recipient}"
        notes.append(
            Notification(
                recipient,
                key,
                f"transfer.{after.state.value}",
                title,
                f"{after.student.name}: {body}",
                after.id,
                now,
            )
        )
    return notes


def _store_letter(t: Transfer, letter: Letter, deps: Deps) -> None:
    from chalicelib.transfers import letter_files

    try:
        letter_files.store(t, letter, deps)
    except Exception:  # noqa: BLE001 - regenerated on first download if this failed
        logger().exception("letter pdf generation failed")


def audit_trail(transfer_id: str, query: dict[str, str], deps: Deps) -> AuditPage:
    """Every audited access and change of one request, newest first (staff and admin)."""
    if not is_id(transfer_id):
        raise NotFound("transfer_not_found", "Permohonan pindah sekolah tidak ditemukan.")
    scope, secret = subject(transfer_id), deps.settings.signing_secret
    after = decode_cursor(secret, scope, query.get("cursor"))
    items, last = deps.audit.for_subject(scope, parse_limit(query.get("limit")), after)
    entries = [
        AuditEntryPublic(
            at=e.at,
            action=e.action,
            actor_sub=e.actor_sub,
            actor_role=e.actor_role,
            outcome=e.outcome,
            detail=e.detail,
        )
        for e in items
    ]
    return AuditPage(items=entries, next_cursor=encode_cursor(secret, scope, last))
