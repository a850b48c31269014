"""The final allocation: requesting a run, the worker that computes and stores it, and announcing.

Routes close one after the other (Kota Tangerang: afirmasi, then domisili, ...) and each is
announced on its own day, so a run covers the CLOSED PREFIX of the period's routes: the routes,
in the period's order, whose windows have all closed. Spillover only flows to later routes, so a
prefix's results do not depend on what comes after it; a later run recomputes the prefix from the
same (locked) registrations and finds the same results, and never rewrites an announced route.

Life of a run (``PeriodRecord``: ``allocation_requested`` n covering ``allocation_routes`` k,
``allocation_run`` latest done, ``announced_run`` latest shown):

1. **Request.** The tick (the closed prefix grew past what was requested) or education staff
   (``POST .../allocations``; a re-run of the closed prefix before its routes are announced)
   CLAIM the next run number with one conditional save of the period, then send
   ``{"period_id", "run", "routes": k}`` to the allocations queue. Claim-then-send: a lost send
   is re-sent by the next tick (requested run without a run record); a duplicate is harmless.
2. **Worker.** ``create_run`` is conditional: a duplicate message for a run that is done is a
   no-op, one for a run still ``running`` (a redelivery after a crash) resumes it. A run lower
   than the period's latest request is superseded (no-op). The result JSON (assignments, ranks,
   cutoffs, seats) is written once to ``allocations/<pid>/run-<n:06d>.json`` on the private
   documents bucket and never overwritten (a resumed run reads it back), with a small
   ``run-<n:06d>.schools.json`` (names, seats after spillover) the result endpoint caches.
   Every registration of the prefix then gets its Outcome and status admitted / not_admitted in
   one transaction each (with an audit entry); applications already carrying this run (or a
   later one), confirmed, released, or of a route already announced are skipped, so a
   redelivery finishes what a crash left and an announced result never changes. Daftar ulang
   counters are set to each school's total seats; the run is saved done, ``allocation_run`` = n.
3. **Announce.** When a route covered by the latest finished run reaches its announcement time
   (and no newer run is pending), the tick sets ``announced_run`` to that run; each route's
   results are shown from its own announcement time.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.admission_results import domain
from chalicelib.admission_results.objects import JSON, dump, read_json, send_allocation_request
from chalicelib.admission_results.snapshots import registrations
from chalicelib.admissions import periods
from chalicelib.admissions import service as applications
from chalicelib.admissions.application import Application, AppStatus, Outcome
from chalicelib.admissions.domain import Route
from chalicelib.admissions.records import AllocationRun, PeriodRecord, PeriodSchool, SeatCounter
from chalicelib.admissions.repository import AppChange
from chalicelib.core.audit import AuditEntry
from chalicelib.core.clock import iso_utc
from chalicelib.core.errors import Conflict
from chalicelib.core.observability import count, logger
from chalicelib.wiring import Deps

SYSTEM = "system:ppdb-allocation"
COMMIT_THREADS = 8
FINAL_STATES = frozenset({AppStatus.CONFIRMED, AppStatus.RELEASED})


class AllocationFailed(Exception):
    """The run cannot be computed as it stands (retried, then dead-lettered)."""


def result_key(pid: str, n: int) -> str:
    return f"allocations/{pid}/run-{n:06d}.json"


def schools_key(pid: str, n: int) -> str:
    return f"allocations/{pid}/run-{n:06d}.schools.json"


def period_subject(pid: str) -> str:
    """The period's audit trail (the same as chalicelib.admissions.periods)."""
    return periods.subject(pid)


def application_subject(aid: str) -> str:
    """One audit trail per application (the same as chalicelib.admissions.service)."""
    return applications.subject(aid)


def _system_entry(subject: str, action: str, at: datetime, detail: str = "") -> AuditEntry:
    return AuditEntry(subject, action, SYSTEM, "system", at, detail=detail)


# -- requests ---------------------------------------------------------------------------------


def claim_and_send(
    deps: Deps, period: PeriodRecord, audit: AuditEntry, requested_by: str, routes: int
) -> int:
    """Claim the next run number for the first ``routes`` routes (conditional save; Conflict on
    a race) and queue it."""
    n = period.allocation_requested + 1
    detail = f"run {n} ({routes} jalur)" + (f": {audit.detail}" if audit.detail else "")
    deps.admissions.save_period(
        replace(period, allocation_requested=n, allocation_routes=routes),
        period.version,
        [replace(audit, detail=detail)],
    )
    send_allocation_request(
        deps.settings.allocations_queue_name,
        {"period_id": period.id, "run": n, "routes": routes, "requested_by": requested_by},
    )
    logger().info("allocation requested", extra={"period_id": period.id, "run": n})
    return n


def request_if_due(deps: Deps, period: PeriodRecord, now: datetime) -> bool:
    """The tick's part: a run whenever the closed prefix grows, or a re-send of a lost one."""
    k = period.closed_prefix(now)
    if k == 0:
        return False
    if period.schools_import is None:
        logger().warning("period closed without schools", extra={"period_id": period.id})
        return False
    if k > period.allocation_routes:
        entry = _system_entry(period_subject(period.id), "allocation_request", now)
        try:
            claim_and_send(deps, period, entry, "system", k)
        except Conflict:
            return False  # someone else claimed it; the next tick looks again
        return True
    n = period.allocation_requested
    if n > period.allocation_run and deps.admissions.get_run(period.id, n) is None:
        send_allocation_request(
            deps.settings.allocations_queue_name,
            {"period_id": period.id, "run": n, "routes": period.allocation_routes,
             "requested_by": "system"},
        )  # fmt: skip
        logger().info("allocation request re-sent", extra={"period_id": period.id, "run": n})
        return True
    return False


def freeze_if_due(deps: Deps, period: PeriodRecord, now: datetime) -> bool:
    """When a route covered by the latest finished run reaches its announcement time (and no
    newer run is pending), that run becomes the announced one."""
    covered = period.config.routes[: period.allocation_routes]
    if (
        period.allocation_run <= 0
        or period.announced_run == period.allocation_run
        or period.allocation_requested != period.allocation_run
        or not any(r.announce_at <= now for r in covered)
    ):
        return False
    entry = _system_entry(
        period_subject(period.id), "announce", now, detail=f"run {period.allocation_run}"
    )
    try:
        deps.admissions.save_period(
            replace(period, announced_run=period.allocation_run), period.version, [entry]
        )
    except Conflict:
        return False
    logger().info(
        "allocation announced", extra={"period_id": period.id, "run": period.allocation_run}
    )
    return True


# -- the worker -------------------------------------------------------------------------------


def _gate(message: dict[str, Any], deps: Deps) -> tuple[str, PeriodRecord | None, int]:
    """Whether this message should run: ("run", period, n) or (what happened, None, n)."""
    try:
        pid, n = str(message["period_id"]), int(message["run"])
    except (KeyError, TypeError, ValueError):
        logger().error("invalid allocation message", extra={"keys": sorted(message)})
        return "invalid", None, 0
    period = deps.admissions.get_period(pid)
    if period is None:
        logger().warning("allocation for an unknown period", extra={"period_id": pid})
        return "unknown_period", None, n
    if n < period.allocation_requested:
        return "superseded", None, n
    if n > period.allocation_requested or n < 1 or period.schools_import is None:
        logger().warning("allocation run not requested", extra={"period_id": pid, "run": n})
        return "unknown_run", None, n
    return "run", period, n


def allocate(message: dict[str, Any], deps: Deps) -> str:
    """Compute and store run ``message["run"]`` of ``message["period_id"]``; returns what
    happened (done, duplicate, superseded, frozen, unknown_period, unknown_run, invalid)."""
    verdict, period, n = _gate(message, deps)
    if period is None or period.schools_import is None:
        return verdict
    pid = period.id
    started, now = time.monotonic(), deps.clock.now()
    run = AllocationRun(pid, n, "running", now, str(message.get("requested_by", "system")))
    if not deps.admissions.create_run(run):
        existing = deps.admissions.get_run(pid, n)
        if existing is not None and existing.status != "running":
            return "duplicate"
        run = existing or run
    schools = deps.admissions.schools(pid, period.schools_import)
    k = int(message.get("routes") or len(period.config.routes))
    prefix = replace(period, config=period.prefix_config(k))
    apps = {a.id: a for a in registrations(deps, prefix)}
    inst = domain.build_instance(prefix.config, schools, apps.values())
    if inst.problems:
        raise AllocationFailed(
            f"{len(inst.problems)} registrations cannot be ranked, e.g. {inst.problems[:3]}"
        )
    # generated_at is the run's own timestamp, so even two concurrent deliveries of one message
    # (SQS is at-least-once) would write byte-identical documents
    result = _stored_result(deps, period, n, inst, schools, run.requested_at)
    latest = deps.admissions.get_period(pid)
    if latest is None or latest.allocation_requested > n:
        deps.admissions.save_run(replace(run, status="superseded", finished_at=deps.clock.now()))
        return "superseded"
    shown = {r.id for r in announced_routes(latest, now)}
    written = _commit_outcomes(deps, inst, result, apps, n, now, shown)
    for school in schools:
        deps.admissions.put_seat_counter(
            SeatCounter(pid, school.npsn, sum(max(int(v), 0) for v in school.seats.values()), 0)
        )
    summary = {
        npsn: {route: int(v.get("admitted", 0)) for route, v in per_route.items()}
        for npsn, per_route in result.get("seats", {}).items()
    }
    admitted = sum(1 for aid in inst.candidates if result["assignments"].get(aid))
    seconds = round(time.monotonic() - started, 3)
    deps.admissions.save_run(
        replace(
            run,
            status="done",
            finished_at=deps.clock.now(),
            result_key=result_key(pid, n),
            applicants=len(inst.candidates),
            admitted=admitted,
            seconds=seconds,
            summary=summary,
        )
    )
    _mark_done(deps, pid, n, deps.clock.now())
    logger().info(
        "allocation done",
        extra={"period_id": pid, "run": n, "applicants": len(inst.candidates),
               "admitted": admitted, "written": written, "seconds": seconds},
    )  # fmt: skip
    count("AllocationRunDone")
    return "done"


def _stored_result(
    deps: Deps,
    period: PeriodRecord,
    n: int,
    inst: domain.Instance,
    schools: list[PeriodSchool],
    stamp: datetime,
) -> dict[str, Any]:
    """The run's result: computed and written once, read back on a resumed run."""
    key = result_key(period.id, n)
    result = read_json(deps.storage, key)
    if result is None:
        result = domain.solve(inst)
        document = {
            "period_id": period.id,
            "run": n,
            "generated_at": iso_utc(stamp),
            "routes": [r.id for r in period.config.routes],
            **result,
        }
        deps.storage.put(key, dump(document), JSON)
    if read_json(deps.storage, schools_key(period.id, n)) is None:
        names = {s.npsn: s.name for s in schools}
        small = {
            "period_id": period.id,
            "run": n,
            "schools": {
                npsn: {"name": names.get(npsn, npsn), "seats": seats}
                for npsn, seats in result.get("seats", {}).items()
            },
        }
        deps.storage.put(schools_key(period.id, n), dump(small), JSON)
    return dict(result)


def announced_routes(period: PeriodRecord, now: datetime) -> list[Route]:
    """Routes whose results are shown: announced run set and their announcement time passed."""
    if period.announced_run is None:
        return []
    return [r for r in period.config.routes if r.announce_at <= now]


def _commit_outcomes(
    deps: Deps,
    inst: domain.Instance,
    result: dict[str, Any],
    apps: dict[str, Application],
    n: int,
    now: datetime,
    shown: set[str],
) -> int:
    def one(aid: str) -> bool:
        app = apps[aid]
        if app.registration is not None and app.registration.route in shown:
            return False  # an announced result never changes
        return _commit_one(deps, app, domain.outcome(inst, result, inst.candidates[aid], n), now)

    with ThreadPoolExecutor(max_workers=COMMIT_THREADS) as pool:
        return sum(pool.map(one, list(inst.candidates)))


def _commit_one(deps: Deps, app: Application, outcome: Outcome, now: datetime) -> bool:
    """Store one outcome; False when there was nothing to do (already this run or later)."""
    for _ in range(3):
        if app.status in FINAL_STATES or (
            app.outcome is not None and app.outcome.run >= outcome.run
        ):
            return False
        status = AppStatus.ADMITTED if outcome.school else AppStatus.NOT_ADMITTED
        after = app.moved(status, "system", now) if app.status is not status else app
        after = replace(after, updated_at=now, outcome=outcome)
        detail = f"run {outcome.run}: {outcome.school or 'tidak diterima'}"
        entry = _system_entry(application_subject(app.id), "allocation", now, detail)
        try:
            deps.admissions.commit(AppChange(after, app.version, audit=[entry]))
            return True
        except Conflict:
            fresh = deps.admissions.get_application(app.id)
            if fresh is None:
                return False
            app = fresh
    raise AllocationFailed(f"application {app.id} kept changing during run {outcome.run}")


def _mark_done(deps: Deps, pid: str, n: int, now: datetime) -> None:
    entry = _system_entry(period_subject(pid), "allocation_done", now, f"run {n}")
    for _ in range(5):
        period = deps.admissions.get_period(pid)
        if period is None or period.allocation_run >= n:
            return
        try:
            deps.admissions.save_period(replace(period, allocation_run=n), period.version, [entry])
            return
        except Conflict:
            continue
    raise AllocationFailed(f"period {pid} kept changing while run {n} was being marked done")
