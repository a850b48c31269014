"""PPDB results jobs: the 5-minute tick and the allocation worker (issue 3 section 5).

The tick looks at every period (``list_periods``, newest first, paginated; never a Scan) that
has opened and is not announced-and-closed, and for each:

1. publishes the live snapshots of its open (or just closed) routes (``snapshots.publish``);
2. requests the final allocation once every window has closed (``final.request_if_due``);
3. otherwise freezes the announced run from the first announcement time
   (``final.freeze_if_due``);
4. otherwise, for each route whose announcement time has come, queues the push of the results
   to its families (``announce.request_if_due``).

At most one period save per period per tick. A failure in one period does not stop the others;
the tick raises at the end so the invocation is reported as failed (alarm), and the next tick
simply tries again (every step is idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.admission_results import announce, final, snapshots
from chalicelib.admissions.records import PeriodRecord
from chalicelib.core.observability import logger
from chalicelib.wiring import Deps

PAGE = 50


@dataclass
class TickRun:
    periods: int = 0
    snapshots: int = 0
    allocations_requested: int = 0
    announced: int = 0
    announcements: int = 0  # routes whose families are being told (one message per route)
    errors: int = 0


class TickFailed(Exception):
    """At least one period failed in this tick (the others were processed)."""


def _periods(deps: Deps) -> list[PeriodRecord]:
    found: list[PeriodRecord] = []
    after: dict[str, Any] | None = None
    while True:
        items, after = deps.admissions.list_periods(PAGE, after)
        found += items
        if not after:
            return found


def _needs_attention(period: PeriodRecord, now: datetime) -> bool:
    if not period.config.routes or now < period.first_opening:
        return False
    done = period.announced_run is not None
    told = {r.id for r in period.config.routes} <= set(period.notified_routes)
    return not (done and told and now >= period.last_closing + snapshots.JUST_CLOSED)


def tick(deps: Deps) -> TickRun:
    now = deps.clock.now()
    run = TickRun()
    failed: list[str] = []
    for period in _periods(deps):
        if not _needs_attention(period, now):
            continue
        run.periods += 1
        try:
            run.snapshots += snapshots.publish(deps, period, now)
            if final.request_if_due(deps, period, now):
                run.allocations_requested += 1
            elif final.freeze_if_due(deps, period, now):
                run.announced += 1
            else:
                run.announcements += announce.request_if_due(deps, period, now)
        except Exception:  # noqa: BLE001 - one period must not stop the others; re-raised below
            run.errors += 1
            failed.append(period.id)
            logger().exception(
                "admissions tick failed for a period", extra={"period_id": period.id}
            )
    if failed:
        raise TickFailed(f"admissions tick failed for periods {failed}")
    return run


def allocate(message: dict[str, Any], deps: Deps) -> str:
    """The SQS worker: one final allocation run (see ``final``), or the result notifications of
    one announced route (see ``announce``)."""
    if message.get("kind") == announce.KIND:
        return f"announced {announce.notify(message, deps)}"
    return final.allocate(message, deps)
