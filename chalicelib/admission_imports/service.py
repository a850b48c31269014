"""School import use cases: open an import (presigned POST), process the uploaded sheet from the
S3 event, read a job, list a period's live schools.

All or nothing: the schools of an import are written under the import's own key and become live
with ONE conditional save of the period (its ``schools_import`` pointer, version-checked), so
readers see the old set or the new one, never half. A file with any bad row writes nothing.
School data cannot change once the first registration window of the period has opened.
"""

from __future__ import annotations

from dataclasses import asdict, replace

from chalicelib.admission_imports.document_kinds import SCHOOL_SHEETS
from chalicelib.admission_imports.domain import (
    Checked,
    ImportProblem,
    SchoolRow,
    capped,
    check_table,
)
from chalicelib.admission_imports.schemas import (
    PeriodSchoolList,
    PeriodSchoolPublic,
    RowErrorPublic,
    SchoolImportPublic,
    SchoolImportTicket,
)
from chalicelib.admission_imports.sheets import read_table
from chalicelib.admissions.domain import split_seats
from chalicelib.admissions.periods import load_period
from chalicelib.admissions.records import ImportJob, PeriodRecord, PeriodSchool, RowError
from chalicelib.core.audit import AuditEntry, entry
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.ids import is_id, new_id
from chalicelib.core.observability import count, logger
from chalicelib.core.principal import Principal
from chalicelib.documents import service as documents
from chalicelib.documents.domain import (
    DocStatus,
    Document,
    clean_key,
    ref_kind,
    reject_message,
)
from chalicelib.wiring import Deps

SLOT = "schools"
PENDING, DONE, FAILED = "pending_upload", "done", "failed"


def import_ref(import_id: str) -> str:
    return f"{SCHOOL_SHEETS.owner}#{import_id}"


def is_import_ref(ref: str) -> bool:
    return ref_kind(ref) == SCHOOL_SHEETS.owner


def present(job: ImportJob) -> SchoolImportPublic:
    return SchoolImportPublic(
        id=job.id,
        period_id=job.period_id,
        document_id=job.document_id,
        content_type=job.content_type,
        status=job.status,
        created_at=job.created_at,
        finished_at=job.finished_at,
        rows=job.rows,
        errors=[RowErrorPublic(row=e.row, column=e.column, message=e.message) for e in job.errors],
        message=job.message,
    )


def _period(period_id: str, deps: Deps) -> PeriodRecord:
    return load_period(period_id, deps)


def _registration_started() -> Conflict:
    return Conflict(
        "registration_started",
        "Data sekolah tidak dapat diubah karena pendaftaran periode ini sudah dibuka.",
    )


def open_import(
    period_id: str, content_type: str, *, actor: Principal, deps: Deps, request_id: str = ""
) -> SchoolImportTicket:
    """A new import job of the period and a presigned POST for its file.

    Raises NotFound (no such period) and Conflict (a registration window has opened)."""
    period = _period(period_id, deps)
    now = deps.clock.now()
    if now >= period.first_opening:
        raise _registration_started()
    import_id = new_id()
    ticket = documents.open_slot(
        import_ref(import_id),
        SLOT,
        content_type,
        actor=actor,
        now=now,
        docs=deps.documents,
        storage=deps.storage,
        settings=deps.settings,
    )
    job = ImportJob(period.id, import_id, ticket.document.id, content_type, PENDING, now, actor.sub)
    deps.admissions.put_import(job)
    deps.audit.append(
        entry(
            f"period#{period.id}",
            "school_import_opened",
            actor,
            now,
            detail=f"import={import_id}",
            request_id=request_id,
        )
    )
    return SchoolImportTicket(
        import_=present(job),
        upload_url=ticket.post.url,
        upload_fields=ticket.post.fields,
        upload_expires_at=ticket.document.upload_expires_at,
        max_bytes=SCHOOL_SHEETS.limit(deps.settings.upload_max_bytes),
    )


def get_import(
    period_id: str, import_id: str, *, actor: Principal, deps: Deps
) -> SchoolImportPublic:
    job = deps.admissions.get_import(import_id) if is_id(import_id) else None
    if job is None or job.period_id != period_id:
        raise NotFound("import_not_found", "Impor sekolah tidak ditemukan.")
    return present(job)


def list_schools(period_id: str, *, actor: Principal, deps: Deps) -> PeriodSchoolList:
    """The live schools of the period (one Query), by name."""
    period = load_period(period_id, deps, cached=True)
    live = period.schools_import
    schools = deps.admissions.schools(period.id, live, cached=True) if live else []
    schools.sort(key=lambda s: (s.name.casefold(), s.npsn))
    return PeriodSchoolList(
        period_id=period.id,
        import_id=live,
        count=len(schools),
        items=[
            PeriodSchoolPublic(**{k: v for k, v in asdict(s).items() if k != "neighbours"})
            for s in schools
        ],
    )


# -- processing, from the upload event --------------------------------------------------------


def after_upload(doc: Document, outcome: str, *, deps: Deps) -> None:
    """The listener of the import's document kind: the upload handler calls it for every
    settled object of an import ref (``document_kinds.SCHOOL_SHEETS``).

    A clean file is imported; a rejected one fails its job. Safe on duplicate deliveries (a
    finished job is left alone; a job whose first attempt died after the file was settled is
    processed by the next delivery) and never raises for a problem of the file or the import:
    that is recorded in the job, so one bad import cannot fail the rest of the SQS batch.
    """
    job = deps.admissions.get_import(doc.ref.split("#", 1)[1])
    if job is None or job.document_id != doc.id or job.status != PENDING:
        return
    try:
        if outcome == "clean" or (outcome == "already_settled" and doc.status is DocStatus.CLEAN):
            process(job, clean_key(doc.ref, doc.id), deps=deps)
        elif outcome in ("rejected", "already_settled"):
            settled = deps.documents.get(doc.ref, doc.id) or doc  # the reason is on the record
            reason = settled.reject_reason or "content_does_not_match_type"
            message = reject_message(reason, SCHOOL_SHEETS) or "Berkas ditolak."
            _finish(job, FAILED, deps, message=message)
    except Exception:  # noqa: BLE001 - recorded in the job, not retried by SQS
        logger().exception("school import failed", extra={"import_id": job.id})
        _finish(job, FAILED, deps, message="Terjadi kesalahan saat memproses berkas; coba lagi.")


def process(job: ImportJob, key: str, *, deps: Deps) -> ImportJob:
    """Parse and check the sheet; when every row is valid, write the schools and make them live."""
    period = deps.admissions.get_period(job.period_id)
    if period is None:
        return _finish(job, FAILED, deps, message="Periode penerimaan tidak ditemukan.")
    if deps.clock.now() >= period.first_opening:
        return _finish(job, FAILED, deps, message=_registration_started().detail)
    try:
        checked = check_table(
            read_table(deps.storage.read(key), job.content_type), period.config.level.value
        )
    except ImportProblem as problem:
        return _finish(job, FAILED, deps, message=problem.message)
    if checked.errors:
        errors, message = capped(checked.errors)
        return _finish(job, FAILED, deps, rows=checked.rows, errors=errors, message=message)
    return _go_live(job, period, checked, deps)


def to_school(row: SchoolRow, period: PeriodRecord) -> PeriodSchool:
    return PeriodSchool(
        npsn=row.npsn,
        name=row.name,
        level=row.level,
        address=row.address,
        rt=row.rt,
        rw=row.rw,
        kelurahan=row.kelurahan,
        kecamatan=row.kecamatan,
        zone=row.zone,
        latitude=row.latitude,
        longitude=row.longitude,
        capacity=row.capacity,
        seats=split_seats(row.capacity, period.config),
        neighbours=row.neighbours,
    )


def _go_live(job: ImportJob, period: PeriodRecord, checked: Checked, deps: Deps) -> ImportJob:
    """Write the schools under the import's key, then ONE conditional save of the period points
    it at them. On a concurrent change of the period, re-read and try once more (rewriting the
    schools when the seats split changed with the period's routes)."""
    n, written = len(checked.schools), None
    for attempt in range(2):
        now = deps.clock.now()
        if now >= period.first_opening:
            return _finish(
                job, FAILED, deps, rows=checked.rows, message=_registration_started().detail
            )
        if written != period.config:
            schools = [to_school(row, period) for row in checked.schools]
            deps.admissions.put_schools(period.id, job.id, schools)
            written = period.config
        audit = AuditEntry(
            f"period#{period.id}",
            "schools_imported",
            job.created_by,
            "education_staff",
            now,
            detail=f"import={job.id} schools={n}",
        )
        try:
            deps.admissions.save_period(
                replace(period, schools_import=job.id, school_count=n), period.version, [audit]
            )
            break
        except Conflict:
            fresh = deps.admissions.get_period(period.id)
            if attempt == 1 or fresh is None:
                return _finish(
                    job,
                    FAILED,
                    deps,
                    rows=checked.rows,
                    message="Periode sedang diubah bersamaan; unggah ulang berkas.",
                )
            period = fresh
    count("SchoolImport", outcome="done")
    return _finish(
        job, DONE, deps, rows=n, message=f"{n} sekolah berhasil diimpor dan sudah berlaku."
    )


def _finish(
    job: ImportJob,
    status: str,
    deps: Deps,
    *,
    rows: int = 0,
    errors: tuple[RowError, ...] = (),
    message: str = "",
) -> ImportJob:
    done = replace(
        job, status=status, finished_at=deps.clock.now(), rows=rows, errors=errors, message=message
    )
    deps.admissions.put_import(done)
    if status == FAILED:
        count("SchoolImport", outcome="failed")
    return done
