"""Document verification by the verifying school's operator or by education staff.

Decisions are per document (verified, or rejected with a reason) and may come in several calls.
Once every uploaded document has a decision: any rejection sends the application back to the
parent (needs_fix, notified with the reasons; they can fix it while pre-registration is open),
otherwise it is verified (notified) and the child may register in a route.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.admissions.application import (
    REVIEWABLE,
    Application,
    AppStatus,
    Review,
    after_review,
    slot_states,
)
from chalicelib.admissions.periods import load_period
from chalicelib.admissions.presenters import brief
from chalicelib.admissions.repository import AppChange
from chalicelib.admissions.schemas import ApplicationPage, ApplicationPublic, ReviewCreate
from chalicelib.admissions.service import current_docs, docs_of, load, required, subject, view
from chalicelib.core.audit import entry
from chalicelib.core.errors import Conflict, Forbidden, Invalid
from chalicelib.core.notify import Notification
from chalicelib.core.pagination import decode_cursor, encode_cursor, parse_limit
from chalicelib.core.principal import Principal, Role
from chalicelib.core.validators import check_npsn
from chalicelib.wiring import Deps


def review(
    aid: str, body: ReviewCreate, *, actor: Principal, deps: Deps, request_id: str
) -> ApplicationPublic:
    app = load(aid, actor, deps, request_id)
    if not (actor.is_staff or actor.operates(app.verifier_npsn)):
        raise Forbidden(
            "not_verifier", "Hanya sekolah verifikasi atau Dinas Pendidikan yang memverifikasi."
        )
    if app.status not in REVIEWABLE:
        raise Conflict(
            "invalid_state",
            f"Pendaftaran berstatus '{app.status.value}' tidak sedang menunggu verifikasi.",
            current_status=app.status.value,
        )
    if body.version is not None and body.version != app.version:
        raise Conflict("concurrent_update", "Data baru saja berubah. Muat ulang lalu coba lagi.")
    period = load_period(app.period_id, deps)
    now = deps.clock.now()
    current = current_docs(docs_of(app, deps))
    by_id = {doc_id: slot for slot, doc_id in current.items()}
    ids = [d.document_id for d in body.decisions]
    if len(set(ids)) != len(ids):
        raise Invalid("duplicate_document", "Satu dokumen hanya boleh diputuskan sekali.")
    outdated = [i for i in ids if i not in by_id]
    if outdated:
        raise Conflict(
            "document_outdated",
            "Dokumen bukan versi terbaru yang bersih pada jenisnya; muat ulang daftar dokumen.",
            document_ids=outdated,
        )
    decided = {d.document_id for d in body.decisions}
    reviews = tuple(r for r in app.reviews if r.document_id not in decided) + tuple(
        Review(
            document_id=d.document_id,
            slot=by_id[d.document_id],
            decision=d.decision,
            reason=d.reason,
            by=actor.sub,
            role=actor.role.value,
            at=now,
        )
        for d in body.decisions
    )
    states = slot_states(current, reviews)
    status = after_review(required(period, app), states)
    after = replace(app, reviews=reviews, updated_at=now)
    notes = []
    if status is not AppStatus.SUBMITTED:
        after = replace(after.moved(status, actor.role.value, now), reviews=reviews)
        notes.append(_notice(after, status, states, now))
    detail = ",".join(f"{d.document_id[-6:]}:{d.decision}" for d in body.decisions)
    saved = deps.admissions.commit(
        AppChange(
            after=after,
            expected_version=app.version,
            audit=[
                entry(
                    subject(aid),
                    "review_documents",
                    actor,
                    now,
                    detail=detail,
                    request_id=request_id,
                )
            ],
            notifications=notes,
        )
    )
    return view(saved, period, actor, deps, current)


def _notice(
    app: Application,
    status: AppStatus,
    states: dict[str, tuple[str, str | None, str | None]],
    now: datetime,
) -> Notification:
    if status is AppStatus.VERIFIED:
        title, body = "Berkas PPDB terverifikasi", "Berkas lengkap. Silakan mendaftar di jalur."
    else:
        reasons = "; ".join(
            f"{slot}: {reason}" for slot, (s, _, reason) in states.items() if s == "rejected"
        )
        title, body = "Berkas PPDB perlu diperbaiki", f"Perbaiki dokumen: {reasons}"[:480]
    return Notification(
        recipient=f"user#{app.parent_sub}",
        dedupe_key=f"ppdb-review#{app.id}#{status.value}#{now.isoformat()}",
        kind=f"ppdb.{status.value}",
        title=title,
        body=body,
        ref=app.id,
        created_at=now,
    )


def queue(
    pid: str, query: dict[str, str], *, actor: Principal, deps: Deps, request_id: str
) -> ApplicationPage:
    """Applications waiting for verification at a school, oldest first. Operators see their own
    school's queue; staff name the school (``?school=``)."""
    period = load_period(pid, deps)
    if actor.role is Role.SCHOOL_OPERATOR:
        npsn = actor.npsn or ""
    else:
        try:
            npsn = check_npsn(query.get("school", ""))
        except ValueError as exc:
            raise Invalid("school_required", "Sebutkan NPSN sekolah: ?school=NPSN.") from exc
    secret, scope = deps.settings.signing_secret, f"ppdb-verify:{pid}:{npsn}"
    items, last = deps.admissions.queue(
        f"verify#{pid}#{npsn}",
        parse_limit(query.get("limit")),
        decode_cursor(secret, scope, query.get("cursor")),
    )
    now = deps.clock.now()
    deps.audit.append(
        entry(
            f"ppdb-queue#{pid}#{npsn}",
            "read_queue",
            actor,
            now,
            detail=str(len(items)),
            request_id=request_id,
        )
    )
    return ApplicationPage(
        items=[brief(a, period, actor, now) for a in items],
        next_cursor=encode_cursor(secret, scope, last),
    )
