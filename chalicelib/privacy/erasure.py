"""Carrying out a deletion request (Pasal 43 UU PDP): delete what may be deleted, keep what must
be kept, and say which and why for every record (chalicelib.privacy.domain decides).

What one request reaches: the transfer or the application it names, or, for a parent, every
transfer (GSI by_parent), every application (GSI by_owner) and the parent's inbox. A record is
deleted with a conditional transaction (only at the version read, with its child's lock and an
audit entry); then its documents (S3 objects and records) and the parent's inbox items about it.
A retry after a failure finds the deleted records gone and does the rest.
"""

from __future__ import annotations

from chalicelib.admissions.application import Application
from chalicelib.core.audit import AuditEntry, entry
from chalicelib.core.principal import Principal
from chalicelib.documents.domain import Document
from chalicelib.privacy.domain import (
    AUDIT_TRAIL,
    INBOX,
    Disposition,
    PrivacyRequest,
    RecordOutcome,
    Retention,
    SubjectType,
    application_disposition,
    transfer_disposition,
)
from chalicelib.transfers.domain import TERMINAL, Transfer
from chalicelib.wiring import Deps

PAGE = 100
MAX_RECORDS = 500  # per kind and request: far above any family's records


def transfer_ref(tid: str) -> str:
    return f"transfer#{tid}"  # documents ref and audit subject (chalicelib.transfers.service)


def application_ref(aid: str) -> str:
    return f"ppdb#{aid}"  # documents ref and audit subject (chalicelib.admissions.service)


def transfers_of(parent_sub: str, deps: Deps) -> list[Transfer]:
    out: list[Transfer] = []
    after = None
    while len(out) < MAX_RECORDS:
        items, after = deps.transfers.query("by_parent", parent_sub, PAGE, after)
        out += items
        if not after:
            break
    return out


def applications_of(parent_sub: str, deps: Deps) -> list[Application]:
    out: list[Application] = []
    after = None
    while len(out) < MAX_RECORDS:
        items, after = deps.admissions.by_parent(parent_sub, PAGE, after)
        out += items
        if not after:
            break
    return out


def reached(req: PrivacyRequest, deps: Deps) -> tuple[list[Transfer], list[Application]]:
    """The records a request is about (those still stored)."""
    if req.subject_type is SubjectType.TRANSFER:
        t = deps.transfers.get(req.subject_id)
        return ([t] if t is not None and t.parent_sub == req.parent_sub else []), []
    if req.subject_type is SubjectType.APPLICATION:
        a = deps.admissions.get_application(req.subject_id)
        return [], ([a] if a is not None and a.parent_sub == req.parent_sub else [])
    return transfers_of(req.parent_sub, deps), applications_of(req.parent_sub, deps)


def ever_submitted(t: Transfer) -> bool:
    return any(e.action == "submit" for e in t.timeline)


def erase(
    req: PrivacyRequest, *, actor: Principal, deps: Deps, execute: bool, request_id: str = ""
) -> tuple[RecordOutcome, ...]:
    """The outcome of every record the request reaches; with ``execute`` the deletions are
    done, otherwise this is the plan (nothing changes)."""
    transfers, applications = reached(req, deps)
    outcomes: list[RecordOutcome] = []
    for t in transfers:
        disposition, why = transfer_disposition(t.state.value, ever_submitted(t))
        if execute and disposition is Disposition.DELETE:
            lock = None if t.state in TERMINAL else _transfer_lock(t)
            erased = _erased(req, transfer_ref(t.id), actor, deps, request_id)
            deps.transfers.delete_unsubmitted(t, lock, [erased])
        docs = _documents(req, transfer_ref(t.id), t.id, disposition, execute, deps)
        outcomes += _outcomes("transfer", t.id, disposition, why, docs)
    for a in applications:
        disposition, why = application_disposition(a.status.value, a.registration is not None)
        if execute and disposition is Disposition.DELETE:
            erased = _erased(req, application_ref(a.id), actor, deps, request_id)
            deps.admissions.delete_application(a, [erased])
        docs = _documents(req, application_ref(a.id), a.id, disposition, execute, deps)
        outcomes += _outcomes("application", a.id, disposition, why, docs)
    if execute and not (transfers or applications):
        _leftovers(req, deps)
    if req.subject_type is SubjectType.PARENT:
        inbox = f"user#{req.parent_sub}"
        count = deps.inbox.delete_for(inbox) if execute else 0  # unknown until done
        outcomes.append(RecordOutcome("notifications", inbox, Disposition.DELETE, INBOX, count))
    outcomes.append(RecordOutcome("audit_trail", req.subject_id, Disposition.KEEP, AUDIT_TRAIL))
    return tuple(outcomes)


def _leftovers(req: PrivacyRequest, deps: Deps) -> None:
    """The record a request names was deleted by an earlier run that stopped before its
    documents (it existed and was the parent's when the request was recorded): finish."""
    if req.subject_type is SubjectType.TRANSFER:
        _documents(
            req, transfer_ref(req.subject_id), req.subject_id, Disposition.DELETE, True, deps
        )
    elif req.subject_type is SubjectType.APPLICATION:
        ref = application_ref(req.subject_id)
        _documents(req, ref, req.subject_id, Disposition.DELETE, True, deps)


def _erased(
    req: PrivacyRequest, ref: str, actor: Principal, deps: Deps, request_id: str
) -> AuditEntry:
    """The audit entry that stays on a deleted record's subject: the proof of deletion."""
    return entry(ref, "erase", actor, deps.clock.now(), detail=f"privacy#{req.id}",
                 request_id=request_id)  # fmt: skip


def _documents(
    req: PrivacyRequest,
    ref: str,
    record_id: str,
    disposition: Disposition,
    execute: bool,
    deps: Deps,
) -> int:
    """How many documents the record has; once the record is deleted, they go too (objects,
    records) with the parent's inbox items about it."""
    docs = deps.documents.for_ref(ref)
    if execute and disposition is Disposition.DELETE:
        _purge(docs, deps)
        _inbox_about(req, record_id, deps)
    return len(docs)


def _transfer_lock(t: Transfer) -> str:
    from chalicelib.transfers.service import LOCK_PREFIX

    return LOCK_PREFIX + t.student.nik_hmac


def _outcomes(
    kind: str, rid: str, disposition: Disposition, why: Retention, docs: int
) -> list[RecordOutcome]:
    out = [RecordOutcome(kind, rid, disposition, why)]
    if docs:
        out.append(RecordOutcome("documents", rid, disposition, why, docs))
    return out


def _purge(docs: list[Document], deps: Deps) -> None:
    """The objects first (quarantine and clean copies), then the records that point at them, so
    a failure leaves a record to find on the retry. The bucket is versioned: the delete marker
    hides the object now, the lifecycle removes its versions (docs/retention.md)."""
    for doc in docs:
        deps.storage.delete(doc.quarantine_key)
        if doc.clean_key:
            deps.storage.delete(doc.clean_key)
        deps.documents.delete(doc.ref, doc.id)


def _inbox_about(req: PrivacyRequest, record_id: str, deps: Deps) -> None:
    if req.subject_type is not SubjectType.PARENT:  # a parent's whole inbox goes anyway
        deps.inbox.delete_for(f"user#{req.parent_sub}", record_id)
