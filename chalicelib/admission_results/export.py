"""Results of one school as XLSX (staff data: full names and NISN).

Who: education staff for any school once a run is done (the announced run, else the latest
completed one); the school's own operator only after the announcement, and only the routes
whose announcement time has passed. Another school's operator: 404.

Rows: the applications on the school's result list (GSI queue ``school#<pid>#<npsn>``,
paginated) that carry the exported run, ordered by route (period order) and rank at this school;
one column per ranking field used by any route of the period. The workbook (openpyxl, write-only,
imported lazily) is written to the private documents bucket at
``exports/<pid>/<npsn>/run-<n>.xlsx`` (rewritten on every export: statuses change with daftar
ulang) and handed out as a short-lived presigned GET. Every exported child gets an audit entry
(the staff/operator read of their data) and the school one for the export itself.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from chalicelib.admission_results import domain, final
from chalicelib.admission_results.objects import XLSX
from chalicelib.admission_results.schemas import ResultsExport
from chalicelib.admissions.application import Application
from chalicelib.admissions.periods import load_period
from chalicelib.admissions.records import PeriodRecord
from chalicelib.core import audit as audit_mod
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.principal import Principal, Role
from chalicelib.core.schemas import wib_text
from chalicelib.wiring import Deps

NPSN = re.compile(r"^[0-9A-Za-z]{8}$")
PAGE = 100
AUDIT_THREADS = 8


def _school_not_found() -> NotFound:
    return NotFound("school_not_found", "Sekolah tidak ditemukan pada periode ini.")


def _school_list(deps: Deps, pid: str, npsn: str) -> Iterator[Application]:
    after: dict[str, Any] | None = None
    while True:
        items, after = deps.admissions.queue(f"school#{pid}#{npsn}", PAGE, after)
        yield from items
        if not after:
            return


def _run_to_export(period: PeriodRecord, actor: Principal) -> int:
    if actor.role is Role.SCHOOL_OPERATOR:
        if period.announced_run is None:
            at = wib_text(period.first_announcement)
            raise Conflict("not_announced", f"Hasil seleksi belum diumumkan. Pengumuman: {at}.")
        return period.announced_run
    run = period.announced_run or period.allocation_run
    if run <= 0:
        raise Conflict("no_run", "Seleksi akhir periode ini belum selesai dijalankan.")
    return run


def _rank_at(app: Application) -> int:
    out, reg = app.outcome, app.registration
    if out is None or reg is None or out.school not in reg.choices:
        return 0
    rank = out.ranks[reg.choices.index(out.school)]
    return rank or 0


def rows_for(
    deps: Deps, period: PeriodRecord, npsn: str, run: int, actor: Principal
) -> list[Application]:
    now = deps.clock.now()
    order = {r.id: i for i, r in enumerate(period.config.routes)}
    shown = {
        r.id
        for r in period.config.routes
        if actor.role is not Role.SCHOOL_OPERATOR or now >= r.announce_at
    }
    apps = [
        a
        for a in _school_list(deps, period.id, npsn)
        if a.outcome is not None
        and a.outcome.run == run
        and a.outcome.school == npsn
        and a.outcome.route in shown
    ]
    apps.sort(key=lambda a: (order.get(a.outcome.route, 99) if a.outcome else 99, _rank_at(a)))
    return apps


def workbook(period: PeriodRecord, school_name: str, apps: list[Application]) -> bytes:
    from openpyxl import Workbook

    fields: list[str] = []
    for route in period.config.routes:
        fields += [c.field for c in route.criteria if c.field not in fields]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Hasil seleksi")
    sheet.append([f"{period.name} - {school_name}"])
    header = ["No", "Jalur", "Peringkat", "Nama", "NISN", "No. pendaftaran"]
    sheet.append(header + [domain.EXPORT_LABELS.get(f, f) for f in fields] + ["Status"])
    for no, app in enumerate(apps, start=1):
        reg, out = app.registration, app.outcome
        assert reg is not None and out is not None
        at = reg.choices.index(out.school) if out.school in reg.choices else None
        route = next(r for r in period.config.routes if r.id == out.route)
        own = dict(
            zip(
                [c.field for c in route.criteria],
                out.values[at] if at is not None and at < len(out.values) else (),
                strict=False,
            )
        )
        values = [own.get(f) for f in fields]
        child = app.child
        row = [no, out.route, _rank_at(app), child.name, child.nisn or "", reg.seq, *values]
        sheet.append([*row, app.status.value])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_school(
    period_id: str, npsn: str, *, actor: Principal, deps: Deps, request_id: str = ""
) -> ResultsExport:
    period = load_period(period_id, deps)
    if not NPSN.match(npsn) or period.schools_import is None:
        raise _school_not_found()
    if actor.role is Role.SCHOOL_OPERATOR and not actor.operates(npsn):
        raise _school_not_found()
    school = deps.admissions.school(period.id, period.schools_import, npsn)
    if school is None:
        raise _school_not_found()
    run = _run_to_export(period, actor)
    apps = rows_for(deps, period, npsn, run, actor)
    key = f"exports/{period.id}/{npsn}/run-{run}.xlsx"
    deps.storage.put(key, workbook(period, school.name, apps), XLSX)
    now = deps.clock.now()

    def audit(subject: str, action: str, detail: str) -> None:
        deps.audit.append(
            audit_mod.entry(subject, action, actor, now, detail=detail, request_id=request_id)
        )

    detail = f"export hasil {period.id}/{npsn} run {run}"
    with ThreadPoolExecutor(max_workers=AUDIT_THREADS) as pool:
        list(pool.map(lambda a: audit(final.application_subject(a.id), "export", detail), apps))
    audit(f"school#{period.id}#{npsn}", "export_results", f"run {run}, {len(apps)} baris")
    ttl = deps.settings.download_url_ttl_seconds
    filename = f"hasil-seleksi-{period.id}-{npsn}-run-{run}.xlsx"
    return ResultsExport(
        period_id=period.id,
        npsn=npsn,
        run=run,
        rows=len(apps),
        filename=filename,
        url=deps.storage.presign_get(key, ttl, filename),
        expires_in=ttl,
    )
