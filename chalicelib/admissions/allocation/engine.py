"""Fast deferred acceptance over integer arrays (numpy).

Per route, every (school, applicant) entry gets one integer position from a single
``np.lexsort`` over (school, criteria..., applicant id): a school prefers lower positions.
Deferred acceptance then runs in rounds: all free applicants propose to their next choice at
once; a school holds the ``seats`` lowest positions among everything it has received (the
held set of deferred acceptance is exactly that, since priorities are strict), found with one
cumulative sum over the received flags; everyone outside it is rejected and proposes next round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from chalicelib.admissions.allocation.instance import Instance
from chalicelib.admissions.allocation.reference import Allocation

IntArray = npt.NDArray[np.int64]


@dataclass
class FastAllocation:
    assign: IntArray  # school per applicant, -1 when unplaced
    ranks: IntArray  # per entry
    capacity: IntArray  # [route, school]
    admitted: IntArray  # [route, school]
    cutoff: IntArray  # [route, school] entry, -1 when none

    def to_plain(self) -> Allocation:
        return Allocation(
            self.assign.tolist(),
            self.ranks.tolist(),
            self.capacity.tolist(),
            self.admitted.tolist(),
            self.cutoff.tolist(),
        )


@dataclass
class _Route:
    entries: IntArray  # global entry ids of the route, applicant-major
    apps: IntArray  # global applicant ids of the route
    app_start: IntArray  # local: entries of app i are app_start[i]:app_start[i+1]
    school: IntArray  # per local entry
    pos: IntArray  # per local entry: position in the (school, priority) order
    order: IntArray  # local entry at each position
    start: IntArray  # first position of each school


def _column(values: Any, k: int, width: int, desc: bool) -> npt.NDArray[Any]:
    col = values[k] if isinstance(values, tuple) else np.asarray(values)[k::width]
    if col.dtype.kind not in "iuf":
        col = col.astype(np.float64)
    if desc:
        col = np.invert(col) if col.dtype.kind in "iu" else -col
    return _narrow(col)


def _narrow(col: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The smallest integer type holding the column: numpy sorts those far faster."""
    if col.dtype.kind not in "iu" or col.size == 0:
        return col
    lo, hi = int(col.min()), int(col.max())
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if info.min <= lo and hi <= info.max:
            return col.astype(dtype)
    return col


def _id_rank(ids: list[str]) -> IntArray:
    from itertools import islice
    from operator import lt

    if all(map(lt, ids, islice(ids, 1, None))):  # already in id order (common)
        return np.arange(len(ids), dtype=np.int64)
    order = np.argsort(np.array(ids), kind="stable")
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return rank


def _route(inst: Instance, r: int, arrays: dict[str, IntArray]) -> _Route:
    entries = np.flatnonzero(arrays["entry_route"] == r)
    apps = np.flatnonzero(arrays["app_route"] == r)
    counts = np.diff(arrays["app_start"])[apps]
    app_start = np.zeros(len(apps) + 1, dtype=np.int64)
    np.cumsum(counts, out=app_start[1:])
    school = arrays["entry_school"][entries]
    route = inst.routes[r]
    width = len(route.fields)
    vals = inst.route_vals[r]
    keys: list[npt.NDArray[Any]] = [_narrow(arrays["id_rank"][arrays["entry_app"][entries]])]
    for k in reversed(range(width)):
        keys.append(_column(vals, k, width, route.desc[k]))
    keys.append(_narrow(school))
    order = np.lexsort(keys).astype(np.int64)
    pos = np.empty(len(entries), dtype=np.int64)
    pos[order] = np.arange(len(entries))
    start = np.searchsorted(school[order], np.arange(len(inst.school_ids)))
    return _Route(entries, apps, app_start, school, pos, order, start.astype(np.int64))


def _defer(rt: _Route, cap: IntArray) -> IntArray:
    """Deferred acceptance in rounds; returns the held local entry per local applicant."""
    n_ch = np.diff(rt.app_start)
    ptr = np.zeros(len(n_ch), dtype=np.int64)
    cur = np.full(len(n_ch), -1, dtype=np.int64)
    received = np.zeros(len(rt.pos), dtype=bool)
    school_at = rt.school[rt.order]
    cap_at = cap[school_at]
    free = np.flatnonzero(n_ch > 0)
    while free.size:
        e = rt.app_start[free] + ptr[free]
        ptr[free] += 1
        cur[free] = e
        received[rt.pos[e]] = True
        counts = np.cumsum(received)
        before = np.concatenate(([0], counts))[rt.start]
        held = received & (counts - before[school_at] <= cap_at)
        active = np.flatnonzero(cur >= 0)
        lost = active[~held[rt.pos[cur[active]]]]
        cur[lost] = -1
        free = lost[ptr[lost] < n_ch[lost]]
    return cur


def _arrays(inst: Instance) -> dict[str, IntArray]:
    app_start = np.array(inst.app_start, dtype=np.int64)
    app_route = np.array(inst.app_route, dtype=np.int64)
    counts = np.diff(app_start)
    entry_app = np.repeat(np.arange(len(inst.app_ids), dtype=np.int64), counts)
    return {
        "app_start": app_start,
        "app_route": app_route,
        "entry_app": entry_app,
        "entry_route": app_route[entry_app],
        "entry_school": np.array(inst.entry_school, dtype=np.int64),
        "id_rank": _id_rank(inst.app_ids),
    }


def allocate(inst: Instance) -> FastAllocation:
    n_routes, n_schools = len(inst.routes), len(inst.school_ids)
    arrays = _arrays(inst)
    capacity = np.array(inst.seats, dtype=np.int64).reshape(n_routes, n_schools)
    admitted = np.zeros((n_routes, n_schools), dtype=np.int64)
    cutoff = np.full((n_routes, n_schools), -1, dtype=np.int64)
    assign = np.full(len(inst.app_ids), -1, dtype=np.int64)
    ranks = np.zeros(len(inst.entry_school), dtype=np.int64)
    for r, route in enumerate(inst.routes):
        rt = _route(inst, r, arrays)
        ranks[rt.entries] = rt.pos - rt.start[rt.school] + 1
        cur = _defer(rt, capacity[r])
        placed = cur >= 0
        held = cur[placed]
        schools = rt.school[held]
        assign[rt.apps[placed]] = schools
        admitted[r] = np.bincount(schools, minlength=n_schools)
        last = np.full(n_schools, -1, dtype=np.int64)
        np.maximum.at(last, schools, rt.pos[held])
        has = last >= 0
        cutoff[r, has] = rt.entries[rt.order[last[has]]]
        if route.spill_to is not None:
            capacity[route.spill_to] += capacity[r] - admitted[r]
    return FastAllocation(assign, ranks, capacity, admitted, cutoff)


def _assignments(inst: Instance, alloc: FastAllocation) -> dict[str, str | None]:
    names = np.array([*inst.school_ids, None], dtype=object)
    return dict(zip(inst.app_ids, names[alloc.assign].tolist(), strict=True))


def _ranks(inst: Instance, alloc: FastAllocation) -> dict[str, list[int]]:
    counts = np.diff(np.asarray(inst.app_start, dtype=np.int64))
    if counts.size and (counts == counts[0]).all():
        per_app = alloc.ranks.reshape(len(counts), int(counts[0])).tolist()
    else:
        flat = alloc.ranks.tolist()
        starts = np.asarray(inst.app_start).tolist()
        per_app = [flat[starts[a] : starts[a + 1]] for a in range(len(counts))]
    return dict(zip(inst.app_ids, per_app, strict=True))


def _summary(inst: Instance, alloc: FastAllocation) -> dict[str, object]:
    from chalicelib.admissions.allocation import reference

    small = Allocation(
        [], [], alloc.capacity.tolist(), alloc.admitted.tolist(), alloc.cutoff.tolist()
    )
    return reference.summary_document(inst, small)


def result_document(inst: Instance, alloc: FastAllocation) -> dict[str, object]:
    """Same document as :func:`reference.result_document`, built with array operations."""
    return {
        "assignments": _assignments(inst, alloc),
        "ranks": _ranks(inst, alloc),
        **_summary(inst, alloc),
    }


PARALLEL_OUTPUT_FROM = 200_000  # applicants; below this a fork costs more than it saves


def dumps_result(inst: Instance, alloc: FastAllocation) -> bytes:
    """The result document as JSON; large ones serialise ``ranks`` in a forked child."""
    import orjson

    if len(inst.app_ids) < PARALLEL_OUTPUT_FROM:
        return orjson.dumps(result_document(inst, alloc))
    ranks = _forked(lambda: orjson.dumps(_ranks(inst, alloc)))
    assignments = orjson.dumps(_assignments(inst, alloc))
    summary = orjson.dumps(_summary(inst, alloc))
    ranks_json = ranks() or orjson.dumps(_ranks(inst, alloc))
    return b'{"assignments":%b,"ranks":%b,%b' % (assignments, ranks_json, summary[1:])


def _forked(work: Callable[[], bytes]) -> Callable[[], bytes | None]:
    """Run ``work`` in a forked child now; the returned call collects its bytes (None if
    the child failed, so the caller does the work itself)."""
    import os

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        code = 0
        try:
            with os.fdopen(write_fd, "wb") as fh:
                fh.write(work())
        except BaseException:  # noqa: BLE001 - the parent redoes the work
            code = 1
        os._exit(code)
    os.close(write_fd)

    def collect() -> bytes | None:
        with os.fdopen(read_fd, "rb") as fh:
            out = fh.read()
        _, status = os.waitpid(pid, 0)
        return out if status == 0 and out else None

    return collect
