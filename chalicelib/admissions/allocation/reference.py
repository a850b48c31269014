"""Plain heap-based deferred acceptance: the baseline and the test oracle.

Per route: every school sorts the route's applicants who listed it by the route's criteria
(``desc`` fields negated) and then by applicant id, giving each a rank (1 = best). Applicants
propose in order; a school keeps a max-heap of the ranks it holds and, when over its seats,
rejects the worst. Unfilled seats then move to the ``spill_to`` route of the same school.
"""

from __future__ import annotations

import bisect
import heapq
from collections import deque
from dataclasses import dataclass

from chalicelib.admissions.allocation.instance import Instance


@dataclass
class Allocation:
    """Result in index form, shared by both implementations."""

    assign: list[int]  # school index per applicant, -1 when unplaced
    ranks: list[int]  # rank (1 = best) per entry at its school within its route
    capacity: list[list[int]]  # [route][school] seats after spillover in
    admitted: list[list[int]]  # [route][school]
    cutoff: list[list[int]]  # [route][school] entry of the last admitted, -1 when none


def _sort_key(inst: Instance, r: int, entry: int, app: int) -> tuple[object, ...]:
    route = inst.routes[r]
    values = inst.entry_values(entry, r)
    key = [-values[f] if d else values[f] for f, d in zip(route.fields, route.desc, strict=True)]
    return (*key, inst.app_ids[app])


def _route_apps(inst: Instance, r: int) -> list[int]:
    return [a for a, route in enumerate(inst.app_route) if route == r]


def _rank_entries(inst: Instance, r: int, apps: list[int], ranks: list[int]) -> None:
    per_school: dict[int, list[tuple[tuple[object, ...], int]]] = {}
    for a in apps:
        for e in range(inst.app_start[a], inst.app_start[a + 1]):
            key = _sort_key(inst, r, e, a)
            per_school.setdefault(inst.entry_school[e], []).append((key, e))
    for items in per_school.values():
        items.sort()
        for position, (_, e) in enumerate(items, start=1):
            ranks[e] = position


def _propose(inst: Instance, apps: list[int], seats: list[int], ranks: list[int]) -> list[int]:
    """Deferred acceptance within one route; returns the held entry per applicant (or -1)."""
    held: dict[int, list[tuple[int, int]]] = {}  # school -> heap of (-rank, applicant)
    nxt = {a: inst.app_start[a] for a in apps}
    current = {a: -1 for a in apps}
    free = deque(sorted(apps, key=inst.app_ids.__getitem__))
    while free:
        a = free.popleft()
        if nxt[a] >= inst.app_start[a + 1]:
            continue
        e = nxt[a]
        nxt[a] += 1
        s = inst.entry_school[e]
        heap = held.setdefault(s, [])
        heapq.heappush(heap, (-ranks[e], a))
        current[a] = e
        if len(heap) > seats[s]:
            _, loser = heapq.heappop(heap)
            current[loser] = -1
            free.append(loser)
    return [current[a] for a in apps]


def allocate(inst: Instance) -> Allocation:
    n_routes, n_schools = len(inst.routes), len(inst.school_ids)
    capacity = [list(row) for row in inst.seats]
    admitted = [[0] * n_schools for _ in range(n_routes)]
    cutoff = [[-1] * n_schools for _ in range(n_routes)]
    assign = [-1] * len(inst.app_ids)
    ranks = [0] * len(inst.entry_school)
    for r, route in enumerate(inst.routes):
        apps = _route_apps(inst, r)
        _rank_entries(inst, r, apps, ranks)
        for a, e in zip(apps, _propose(inst, apps, capacity[r], ranks), strict=True):
            if e < 0:
                continue
            s = inst.entry_school[e]
            assign[a] = s
            admitted[r][s] += 1
            if cutoff[r][s] < 0 or ranks[e] > ranks[cutoff[r][s]]:
                cutoff[r][s] = e
        if route.spill_to is not None:
            for s in range(n_schools):
                capacity[route.spill_to][s] += capacity[r][s] - admitted[r][s]
    return Allocation(assign, ranks, capacity, admitted, cutoff)


def _cutoffs(inst: Instance, alloc: Allocation) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for s, sid in enumerate(inst.school_ids):
        row: dict[str, object] = {}
        for r, route in enumerate(inst.routes):
            e = alloc.cutoff[r][s]
            row[route.id] = None
            if e >= 0:
                app = bisect.bisect_right(inst.app_start, e) - 1
                row[route.id] = {
                    "last_admitted": inst.app_ids[app],
                    "values": inst.entry_values(e, r),
                }
        out[sid] = row
    return out


def summary_document(inst: Instance, alloc: Allocation) -> dict[str, object]:
    """The per-school part of the output: cutoffs and seats (capacity after spillover)."""
    return {
        "cutoffs": _cutoffs(inst, alloc),
        "seats": {
            sid: {
                route.id: {"capacity": alloc.capacity[r][s], "admitted": alloc.admitted[r][s]}
                for r, route in enumerate(inst.routes)
            }
            for s, sid in enumerate(inst.school_ids)
        },
    }


def result_document(inst: Instance, alloc: Allocation) -> dict[str, object]:
    """The CLI's output document (plain Python; the engine has a faster equivalent)."""
    sids = inst.school_ids
    starts = inst.app_start
    return {
        "assignments": {
            aid: (sids[s] if s >= 0 else None)
            for aid, s in zip(inst.app_ids, alloc.assign, strict=True)
        },
        "ranks": {
            aid: alloc.ranks[starts[a] : starts[a + 1]] for a, aid in enumerate(inst.app_ids)
        },
        **summary_document(inst, alloc),
    }
