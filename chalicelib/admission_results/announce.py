"""Telling every family that its result is out, when its route's announcement time comes.

The results are pulled by the app (``GET .../result``), but a parent on a phone expects a push
when the announcement happens. Once the run is frozen, the tick sends one message per route whose
announcement time has passed to the allocations queue, ``{"kind": "announce", ...}``, and then
records the route in ``PeriodRecord.notified_routes`` (send first, record second: a lost record
only means a second message, and the inbox write is once per application and run). The worker
writes one inbox item per registration of the route and pushes it; a redelivery or a second
message skips what was already written (dedupe key ``ppdb-result#<application>#<run>``).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.admission_results.objects import send_allocation_request
from chalicelib.admissions.application import Application
from chalicelib.admissions.domain import Route
from chalicelib.admissions.records import PeriodRecord
from chalicelib.core.errors import Conflict
from chalicelib.core.notify import Notification, push
from chalicelib.core.observability import count, logger
from chalicelib.core.schemas import wib_text
from chalicelib.wiring import Deps

KIND = "announce"
THREADS = 8


def due_routes(period: PeriodRecord, now: datetime) -> list[Route]:
    """Routes covered by the announced run whose announcement time has come, not yet told
    (waits while a newer run is pending, so a route is told with its final results)."""
    if period.announced_run is None or period.announced_run != period.allocation_requested:
        return []
    covered = period.config.routes[: period.allocation_routes]
    return [r for r in covered if r.announce_at <= now and r.id not in period.notified_routes]


def request_if_due(deps: Deps, period: PeriodRecord, now: datetime) -> int:
    """The tick's part: queue the routes whose announcement time has come (then record them)."""
    routes = due_routes(period, now)
    if not routes:
        return 0
    for route in routes:
        send_allocation_request(
            deps.settings.allocations_queue_name,
            {"kind": KIND, "period_id": period.id, "route": route.id, "run": period.announced_run},
        )
    notified = (*period.notified_routes, *(r.id for r in routes))
    try:
        deps.admissions.save_period(replace(period, notified_routes=notified), period.version, [])
    except Conflict:
        logger().info("announcement record raced; the next tick sends again (deduplicated)")
    return len(routes)


def _notice(app: Application, route: Route, names: dict[str, str], now: datetime) -> Notification:
    outcome = app.outcome
    run = outcome.run if outcome else 0
    if outcome is not None and outcome.school:
        school = names.get(outcome.school, outcome.school)
        body = (
            f"{app.child.name} diterima di {school} melalui jalur {route.id}. "
            f"Daftar ulang paling lambat {wib_text(route.reregister_by)}."
        )
    else:
        body = (
            f"{app.child.name} belum diterima di jalur {route.id}. Penjelasan peringkat ada di "
            "aplikasi; kursi yang tersisa dibuka pada tahap 2."
        )
    return Notification(
        recipient=f"user#{app.parent_sub}",
        dedupe_key=f"ppdb-result#{app.id}#{run}",
        kind="ppdb.result",
        title="Hasil seleksi PPDB sudah diumumkan",
        body=body,
        ref=app.id,
        created_at=now,
    )


def notify(message: dict[str, Any], deps: Deps) -> int:
    """The worker's part: one inbox item and push per registration of the route (once)."""
    period = deps.admissions.get_period(str(message.get("period_id", "")))
    routes = period.config.routes if period else ()
    route = next((r for r in routes if r.id == message.get("route")), None)
    if period is None or route is None or period.announced_run is None:
        logger().warning(
            "announcement for an unknown or changed run", extra={"keys": list(message)}
        )
        return 0
    now = deps.clock.now()
    schools = deps.admissions.schools(period.id, period.schools_import or "")
    names = {s.npsn: s.name for s in schools}
    apps = [
        a
        for a in deps.admissions.registered(period.id, route.id)
        if a.outcome is not None and a.outcome.run <= period.announced_run
    ]

    def one(app: Application) -> bool:
        note = _notice(app, route, names, now)
        if not deps.inbox.put_once(note):
            return False
        push(deps.sender, [note], application_id=app.id)  # best effort: the inbox item is there
        return True

    with ThreadPoolExecutor(THREADS) as pool:
        sent = sum(pool.map(one, apps))
    if sent:
        count("ResultNotificationsSent", route=route.id)
    detail = {"period_id": period.id, "route": route.id, "sent": sent, "registrations": len(apps)}
    logger().info("results announced", extra=detail)
    return sent
