"""Correction and deletion requests of data subjects (Pasal 32-33, 41-44 UU PDP), recorded and
answered by education staff within 3 x 24 hours.

Each step is one transaction with its audit entries: on the request (``privacy#<id>``), on the
person (``person#<parent sub>``, shown to the parent in the data export) and, for an erasure, on
every deleted record (chalicelib.privacy.erasure).
"""

from __future__ import annotations

from chalicelib.core.audit import AuditEntry, entry
from chalicelib.core.clock import parse_utc
from chalicelib.core.errors import Invalid, NotFound, StaleVersion, Unprocessable
from chalicelib.core.ids import is_id, new_id
from chalicelib.core.pagination import decode_cursor, encode_cursor, parse_limit
from chalicelib.core.principal import Principal
from chalicelib.core.schemas import wib_text
from chalicelib.privacy import erasure
from chalicelib.privacy.domain import (
    REFUSAL_LABELS,
    Disposition,
    Kind,
    PrivacyRequest,
    RecordOutcome,
    RefusalGround,
    Status,
    SubjectType,
    check_received,
    ensure_open,
)
from chalicelib.privacy.repository import PrivacyRepository
from chalicelib.privacy.schemas import (
    PrivacyRequestComplete,
    PrivacyRequestCreate,
    PrivacyRequestPage,
    PrivacyRequestPublic,
    PrivacyRequestRefuse,
    RecordOutcomePublic,
)
from chalicelib.wiring import Deps

RECEIVED_MESSAGES = {
    "received_in_future": "Waktu diterima tidak boleh di masa depan.",
    "received_too_long_ago": "Waktu diterima lebih dari 30 hari yang lalu; periksa kembali.",
}


def request_subject(rid: str) -> str:
    return f"privacy#{rid}"


def person_subject(parent_sub: str) -> str:
    return f"person#{parent_sub}"


def _owner(subject_type: SubjectType, subject_id: str, deps: Deps) -> str:
    """The parent a subject reference belongs to; NotFound for an unknown record."""
    if subject_type is SubjectType.PARENT:
        return subject_id
    if subject_type is SubjectType.TRANSFER:
        t = deps.transfers.get(subject_id) if is_id(subject_id) else None
        if t is not None:
            return t.parent_sub
        raise NotFound("transfer_not_found", "Permohonan pindah sekolah tidak ditemukan.")
    a = deps.admissions.get_application(subject_id) if is_id(subject_id) else None
    if a is not None:
        return a.parent_sub
    raise NotFound("application_not_found", "Pendaftaran tidak ditemukan.")


def _entries(
    req: PrivacyRequest, action: str, actor: Principal, deps: Deps, request_id: str
) -> list[AuditEntry]:
    now = deps.clock.now()
    detail = f"{req.kind.value}:{req.subject_type.value}"
    return [
        entry(request_subject(req.id), action, actor, now, detail=detail, request_id=request_id),
        entry(
            person_subject(req.parent_sub),
            f"privacy_{action}",
            actor,
            now,
            detail=f"privacy#{req.id}",
            request_id=request_id,
        ),
    ]


def record(
    cmd: PrivacyRequestCreate,
    *,
    actor: Principal,
    deps: Deps,
    requests: PrivacyRepository,
    request_id: str = "",
) -> PrivacyRequestPublic:
    """Record a request received from a data subject. Raises NotFound (unknown record),
    Unprocessable (received time in the future or over 30 days ago)."""
    now = deps.clock.now()
    problem = check_received(cmd.received_at, now)
    if problem:
        raise Unprocessable(problem, RECEIVED_MESSAGES[problem])
    subject_type = SubjectType(cmd.subject.type)
    req = PrivacyRequest(
        id=new_id(),
        kind=Kind(cmd.kind),
        subject_type=subject_type,
        subject_id=cmd.subject.id,
        parent_sub=_owner(subject_type, cmd.subject.id, deps),
        description=cmd.description,
        received_at=parse_utc(cmd.received_at.isoformat()),
        recorded_at=now,
    )
    saved = requests.save(req, None, _entries(req, "record", actor, deps, request_id))
    return present(saved, deps)


def load(rid: str, requests: PrivacyRepository) -> PrivacyRequest:
    req = requests.get(rid) if is_id(rid) else None
    if req is None:
        raise NotFound("privacy_request_not_found", "Permintaan tidak ditemukan.")
    return req


def get(
    rid: str, *, actor: Principal, deps: Deps, requests: PrivacyRepository
) -> PrivacyRequestPublic:
    """One request; an open deletion request also shows its plan (what would be deleted and
    what kept, and why) before staff carry it out."""
    req = load(rid, requests)
    planned = None
    if req.kind is Kind.DELETION and req.status is Status.OPEN:
        planned = erasure.erase(req, actor=actor, deps=deps, execute=False)
        # the plan reads the child's records (their states): a staff read, audited
        deps.audit.append(entry(person_subject(req.parent_sub), "privacy_plan", actor,
                                deps.clock.now(), detail=f"privacy#{req.id}"))  # fmt: skip
    return present(req, deps, planned)


def listing(
    query: dict[str, str], *, deps: Deps, requests: PrivacyRepository
) -> PrivacyRequestPage:
    """Requests of one status (bawaan open), earliest deadline first: overdue ones lead."""
    raw = query.get("status", Status.OPEN.value)
    if raw not in {s.value for s in Status}:
        raise Invalid("invalid_status", "Status harus open, completed, atau refused.")
    status, secret = Status(raw), deps.settings.signing_secret
    scope = f"privacy-requests:{status.value}"
    items, last = requests.by_status(
        status,
        parse_limit(query.get("limit")),
        decode_cursor(secret, scope, query.get("cursor")),
    )
    return PrivacyRequestPage(
        items=[present(r, deps) for r in items], next_cursor=encode_cursor(secret, scope, last)
    )


def _check_version(req: PrivacyRequest, expected: int | None) -> None:
    if expected is not None and expected != req.version:
        raise StaleVersion(
            "stale_version",
            f"Data sudah berubah (versi terbaru {req.version}). Muat ulang lalu coba lagi.",
            current_version=req.version,
        )


def complete(
    rid: str,
    cmd: PrivacyRequestComplete,
    *,
    actor: Principal,
    deps: Deps,
    requests: PrivacyRepository,
    request_id: str = "",
) -> PrivacyRequestPublic:
    """Carry out a request. A deletion deletes what may be deleted and records, per record, what
    was kept and why; a correction records what was corrected (the note). Raises NotFound,
    StaleVersion, InvalidTransition (already answered), Conflict (a record changed meanwhile)."""
    req = load(rid, requests)
    _check_version(req, cmd.version)
    ensure_open(req)
    records: tuple[RecordOutcome, ...] = ()
    if req.kind is Kind.DELETION:
        records = erasure.erase(req, actor=actor, deps=deps, execute=True, request_id=request_id)
    after = req.closed(Status.COMPLETED, deps.clock.now(), cmd.note, records=records)
    saved = requests.save(after, req.version, _entries(req, "complete", actor, deps, request_id))
    return present(saved, deps)


def refuse(
    rid: str,
    cmd: PrivacyRequestRefuse,
    *,
    actor: Principal,
    deps: Deps,
    requests: PrivacyRepository,
    request_id: str = "",
) -> PrivacyRequestPublic:
    """Refuse a request with a ground and a reason (shown to the data subject; Pasal 33: it
    must not name another person). Raises NotFound, StaleVersion, InvalidTransition."""
    req = load(rid, requests)
    _check_version(req, cmd.version)
    ensure_open(req)
    ground = RefusalGround(cmd.ground)
    after = req.closed(Status.REFUSED, deps.clock.now(), cmd.reason, ground=ground)
    saved = requests.save(after, req.version, _entries(req, "refuse", actor, deps, request_id))
    return present(saved, deps)


def _outcome(o: RecordOutcome) -> RecordOutcomePublic:
    return RecordOutcomePublic(
        record_type=o.record_type,
        record_id=o.record_id,
        disposition="deleted" if o.disposition is Disposition.DELETE else "kept",
        count=o.count,
        retention_code=o.retention.code,
        retention_reason=o.retention.reason,
        retention_period=o.retention.period,
    )


def present(
    req: PrivacyRequest, deps: Deps, planned: tuple[RecordOutcome, ...] | None = None
) -> PrivacyRequestPublic:
    return PrivacyRequestPublic(
        id=req.id,
        kind=req.kind.value,
        status=req.status.value,
        subject_type=req.subject_type.value,
        subject_id=req.subject_id,
        parent_sub=req.parent_sub,
        description=req.description,
        received_at=req.received_at,
        due_at=req.due_at,
        due_at_wib=wib_text(req.due_at),
        overdue=req.overdue(deps.clock.now()),
        recorded_at=req.recorded_at,
        closed_at=req.closed_at,
        note=req.note,
        refusal_ground=req.refusal_ground.value if req.refusal_ground else None,
        refusal_label=REFUSAL_LABELS[req.refusal_ground] if req.refusal_ground else None,
        records=[_outcome(o) for o in req.records],
        planned=None if planned is None else [_outcome(o) for o in planned],
        version=req.version,
    )
