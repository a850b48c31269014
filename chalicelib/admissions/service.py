"""PPDB applications: pre-registration by a parent, documents, submission for verification.

Who may see an application (object-level, on every id): the parent who made it, education
staff, and the operator of a school involved (the verifying school, a chosen school, the school
that admitted the child). Anyone else gets 404, as if it did not exist. Staff and operator
reads are audited.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chalicelib.admissions import presenters
from chalicelib.admissions.application import (
    EDITABLE,
    Application,
    AppStatus,
    Child,
    Doc,
    Home,
    required_documents,
)
from chalicelib.admissions.attributes import check_age
from chalicelib.admissions.document_kinds import APPLICATION_DOCUMENTS
from chalicelib.admissions.periods import load_period
from chalicelib.admissions.records import PeriodRecord
from chalicelib.admissions.repository import AppChange
from chalicelib.admissions.schemas import (
    ApplicationCreate,
    ApplicationPage,
    ApplicationPublic,
    ApplicationUpdate,
    HomeIn,
)
from chalicelib.core.audit import entry
from chalicelib.core.crypto import encrypt_field, keyed_hash
from chalicelib.core.errors import Conflict, Forbidden, Invalid, NotFound
from chalicelib.core.ids import is_id, new_id
from chalicelib.core.notify import Notification
from chalicelib.core.pagination import decode_cursor, encode_cursor, parse_limit
from chalicelib.core.principal import Principal, Role
from chalicelib.documents import service as documents
from chalicelib.documents.domain import DocStatus, Document, latest_clean
from chalicelib.documents.schemas import (
    DocumentList,
    DownloadPublic,
    UploadPublic,
)
from chalicelib.schools.domain import Level
from chalicelib.wiring import Deps


def subject(aid: str) -> str:
    return f"ppdb#{aid}"


def involved_schools(a: Application) -> set[str]:
    schools = {a.verifier_npsn}
    if a.registration is not None:
        schools |= set(a.registration.choices)
    if a.outcome is not None and a.outcome.school:
        schools.add(a.outcome.school)
    return schools


def load(aid: str, actor: Principal, deps: Deps, request_id: str = "") -> Application:
    """The application if ``actor`` may see it; 404 otherwise. Audits staff/operator reads."""
    app = deps.admissions.get_application(aid) if is_id(aid) else None
    if app is None:
        raise NotFound("application_not_found", "Pendaftaran tidak ditemukan.")
    allowed = (
        (actor.role is Role.PARENT and app.parent_sub == actor.sub)
        or actor.is_staff
        or (actor.role is Role.SCHOOL_OPERATOR and actor.npsn in involved_schools(app))
    )
    if not allowed:
        if actor.role is not Role.PARENT:
            deps.audit.append(
                entry(
                    subject(aid),
                    "read",
                    actor,
                    deps.clock.now(),
                    outcome="denied",
                    request_id=request_id,
                )
            )
        raise NotFound("application_not_found", "Pendaftaran tidak ditemukan.")
    if actor.role is not Role.PARENT:
        deps.audit.append(entry(subject(aid), "read", actor, deps.clock.now(),
                                request_id=request_id))  # fmt: skip
    return app


def owned(aid: str, actor: Principal, deps: Deps) -> Application:
    app = load(aid, actor, deps)
    if app.parent_sub != actor.sub:
        raise Forbidden("not_owner", "Hanya orang tua yang mendaftarkan yang dapat melakukan ini.")
    return app


def docs_of(app: Application, deps: Deps) -> list[Document]:
    return deps.documents.for_ref(subject(app.id))


def current_docs(docs: list[Document]) -> dict[str, str]:
    """slot -> id of the newest clean document in it."""
    out = {}
    for slot in {d.slot for d in docs}:
        doc = latest_clean(docs, slot)
        if doc is not None:
            out[slot] = doc.id
    return out


def needs_psychologist(period: PeriodRecord, app: Application) -> bool:
    if period.config.level is not Level.SD:
        return False
    start = int(period.config.school_year[:4])
    age = check_age(Level.SD, app.child.birth_date, start, psychologist_recommendation=True)
    plain = check_age(Level.SD, app.child.birth_date, start)
    return age.eligible and not plain.eligible


def required(period: PeriodRecord, app: Application, route_id: str | None = None) -> list[str]:
    route = next((r for r in period.config.routes if r.id == route_id), None)
    return required_documents(
        period.config, app, route, needs_psychologist=needs_psychologist(period, app)
    )


def view(
    app: Application,
    period: PeriodRecord,
    actor: Principal,
    deps: Deps,
    current: dict[str, str] | None = None,
) -> ApplicationPublic:
    """The response; ``current`` (slot -> newest clean document) when the caller already read
    the documents, so they are not queried twice."""
    if current is None:
        current = current_docs(docs_of(app, deps))
    route_id = app.registration.route if app.registration else None
    return presenters.application(
        app, period, actor, current, required(period, app, route_id), deps
    )


def _home(h: HomeIn) -> Home:
    return Home(
        address=h.address,
        rt=h.rt.zfill(3),
        rw=h.rw.zfill(3),
        kelurahan=h.kelurahan.upper(),
        kecamatan=h.kecamatan.upper(),
        latitude=h.latitude,
        longitude=h.longitude,
        kabkota_code=h.kabkota_code,
    )


def _check_prereg_open(period: PeriodRecord, now: datetime) -> None:
    if not period.prereg_opens_at <= now < period.prereg_closes_at:
        raise Conflict(
            "preregistration_closed",
            "Pra-pendaftaran periode ini sedang tidak dibuka.",
            opens_at=period.prereg_opens_at.isoformat(),
            closes_at=period.prereg_closes_at.isoformat(),
        )


def _check_verifier(period: PeriodRecord, npsn: str, deps: Deps) -> None:
    if period.schools_import is None or (
        deps.admissions.school(period.id, period.schools_import, npsn) is None
    ):
        raise Invalid(
            "unknown_school", "Sekolah verifikasi tidak terdaftar pada periode ini.", npsn=npsn
        )


def create(
    pid: str, body: ApplicationCreate, *, actor: Principal, deps: Deps, request_id: str
) -> ApplicationPublic:
    period = load_period(pid, deps)
    now = deps.clock.now()
    _check_prereg_open(period, now)
    level = period.config.level
    if level is Level.SMP and body.child.nisn is None:
        raise Invalid("nisn_required", "NISN wajib diisi untuk pendaftaran SMP.")
    age = check_age(level, body.child.birth_date, int(period.config.school_year[:4]),
                    psychologist_recommendation=True)  # fmt: skip
    if not age.eligible:
        raise Invalid(age.code, age.message)
    if body.kk_issued_on > now.date():
        raise Invalid("kk_issue_date", "Tanggal terbit KK tidak boleh di masa depan.")
    _check_verifier(period, body.verifier_npsn, deps)
    aid = new_id()
    s = deps.settings
    app = Application(
        id=aid,
        period_id=period.id,
        parent_sub=actor.sub,
        status=AppStatus.DRAFT,
        created_at=now,
        updated_at=now,
        child=Child(
            name=body.child.name,
            birth_date=body.child.birth_date,
            gender=body.child.gender,
            nik_hmac=keyed_hash(s.nik_hmac_key, body.child.nik, "nik"),
            nik_cipher=encrypt_field(s.pii_key, body.child.nik, aid),
            nik_last4=body.child.nik[-4:],
            nisn=body.child.nisn,
        ),
        kk_number_cipher=encrypt_field(s.pii_key, body.kk_number, aid),
        kk_issued_on=body.kk_issued_on,
        home=_home(body.home),
        verifier_npsn=body.verifier_npsn,
        rapor_avg=body.rapor_avg,
        history=((AppStatus.DRAFT.value, actor.role.value, now),),
    )
    saved = deps.admissions.commit(
        AppChange(
            after=app,
            expected_version=None,
            audit=[entry(subject(aid), "preregister", actor, now, request_id=request_id)],
        )
    )
    return view(saved, period, actor, deps)


def get(aid: str, *, actor: Principal, deps: Deps, request_id: str) -> ApplicationPublic:
    app = load(aid, actor, deps, request_id)
    return view(app, load_period(app.period_id, deps, cached=True), actor, deps)


def mine(query: dict[str, str], *, actor: Principal, deps: Deps) -> ApplicationPage:
    secret, scope = deps.settings.signing_secret, f"ppdb-mine:{actor.sub}"
    items, last = deps.admissions.by_parent(
        actor.sub,
        parse_limit(query.get("limit")),
        decode_cursor(secret, scope, query.get("cursor")),
    )
    now = deps.clock.now()
    periods: dict[str, PeriodRecord] = {}
    briefs = []
    for a in items:
        if a.period_id not in periods:
            periods[a.period_id] = load_period(a.period_id, deps, cached=True)
        briefs.append(presenters.brief(a, periods[a.period_id], actor, now))
    return ApplicationPage(items=briefs, next_cursor=encode_cursor(secret, scope, last))


def update(
    aid: str, body: ApplicationUpdate, *, actor: Principal, deps: Deps, request_id: str
) -> ApplicationPublic:
    app = owned(aid, actor, deps)
    period = load_period(app.period_id, deps)
    now = deps.clock.now()
    _check_prereg_open(period, now)
    if app.status not in EDITABLE:
        raise Conflict(
            "not_editable",
            "Data hanya dapat diubah saat berstatus draft atau perlu perbaikan.",
            current_status=app.status.value,
        )
    if body.version != app.version:
        raise Conflict("concurrent_update", "Data baru saja berubah. Muat ulang lalu coba lagi.")
    after = app
    if body.kk_issued_on is not None:
        if body.kk_issued_on > now.date():
            raise Invalid("kk_issue_date", "Tanggal terbit KK tidak boleh di masa depan.")
        after = replace(after, kk_issued_on=body.kk_issued_on)
    if body.home is not None:
        after = replace(after, home=_home(body.home))
    if body.verifier_npsn is not None:
        _check_verifier(period, body.verifier_npsn, deps)
        after = replace(after, verifier_npsn=body.verifier_npsn)
    if body.rapor_avg is not None:
        after = replace(after, rapor_avg=body.rapor_avg)
    after = replace(after, updated_at=now)
    saved = deps.admissions.commit(
        AppChange(
            after=after,
            expected_version=app.version,
            audit=[entry(subject(aid), "update", actor, now, request_id=request_id)],
        )
    )
    return view(saved, period, actor, deps)


# -- documents ----------------------------------------------------------------------------------


def open_upload(
    aid: str, slot: str, content_type: str, *, actor: Principal, deps: Deps
) -> UploadPublic:
    app = owned(aid, actor, deps)
    period = load_period(app.period_id, deps)
    _check_prereg_open(period, deps.clock.now())
    if slot not in {d.value for d in Doc}:
        raise Invalid(
            "unknown_slot", "Jenis dokumen tidak dikenal.", allowed=[d.value for d in Doc]
        )
    if app.status not in EDITABLE:
        raise Conflict(
            "slot_closed",
            "Dokumen hanya dapat diunggah saat berstatus draft atau perlu perbaikan.",
            current_status=app.status.value,
        )
    return documents.upload_ticket(
        subject(app.id),
        slot,
        content_type,
        actor=actor,
        now=deps.clock.now(),
        docs=deps.documents,
        storage=deps.storage,
        settings=deps.settings,
    )


def list_documents(aid: str, *, actor: Principal, deps: Deps, request_id: str) -> DocumentList:
    return documents.list_visible(APPLICATION_DOCUMENTS.owner, aid, actor=actor, deps=deps,
                                  request_id=request_id)  # fmt: skip


def download(
    aid: str, document_id: str, *, actor: Principal, deps: Deps, request_id: str
) -> DownloadPublic:
    return documents.download_visible(APPLICATION_DOCUMENTS.owner, aid, document_id, actor=actor,
                                      deps=deps, request_id=request_id)  # fmt: skip


# -- submission ---------------------------------------------------------------------------------


def submit(aid: str, *, actor: Principal, deps: Deps, request_id: str) -> ApplicationPublic:
    """Send the application to the verifying school: every required document must be clean and
    none may still be rejected."""
    app = owned(aid, actor, deps)
    period = load_period(app.period_id, deps)
    now = deps.clock.now()
    _check_prereg_open(period, now)
    if app.status not in EDITABLE:
        raise Conflict(
            "invalid_state",
            f"Pendaftaran berstatus '{app.status.value}' tidak dapat diajukan.",
            current_status=app.status.value,
        )
    docs = docs_of(app, deps)
    current = current_docs(docs)
    # an upload still being checked (its slot not yet expired) must be decided by the reviewer
    pending = [
        d.slot for d in docs if d.status is DocStatus.PENDING_UPLOAD and d.upload_expires_at > now
    ]
    missing = [slot for slot in required(period, app) if slot not in current]
    rejected = [r.slot for r in app.reviews
                if r.decision == "rejected" and current.get(r.slot) == r.document_id]  # fmt: skip
    if missing or rejected or pending:
        raise Conflict(
            "documents_incomplete",
            "Lengkapi dokumen wajib, ganti dokumen yang ditolak, dan tunggu pemeriksaan berkas "
            "yang baru diunggah selesai sebelum mengajukan.",
            missing=missing,
            rejected=rejected,
            still_checking=pending,
        )
    after = replace(app.moved(AppStatus.SUBMITTED, actor.role.value, now), submitted_at=now)
    note = Notification(
        recipient=f"school#{app.verifier_npsn}",
        dedupe_key=f"ppdb-submitted#{app.id}#{now.isoformat()}",
        kind="ppdb.submitted",
        title="Berkas PPDB menunggu verifikasi",
        body=f"Pendaftaran {app.id[-6:]} menunggu verifikasi berkas.",
        ref=app.id,
        created_at=now,
    )
    saved = deps.admissions.commit(
        AppChange(
            after=after,
            expected_version=app.version,
            audit=[entry(subject(aid), "submit", actor, now, request_id=request_id)],
            notifications=[note],
        )
    )
    return view(saved, period, actor, deps, current)
