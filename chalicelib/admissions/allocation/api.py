"""The typed in-process API of the allocation engine.

``allocate(AllocationInstance) -> AllocationResult`` is what the PPDB jobs call: typed input
straight into the engine's columns, typed output, no JSON in between. ``allocate_json`` is the
same engine from the instance JSON to the result JSON; the command line is a thin shell over it.
Both run :func:`solve`, so they agree by construction (a test checks it on every formatting).

Nothing here imports numpy at import time (the API handler imports this module's package
without ever allocating).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalicelib.admissions.allocation.instance import Instance, InvalidInstance

if TYPE_CHECKING:
    import mmap

    from chalicelib.admissions.allocation.engine import FastAllocation

Number = int | float


@dataclass(frozen=True, slots=True)
class Criterion:
    field: str
    order: str  # "asc" or "desc" (checked when allocating)


@dataclass(frozen=True, slots=True)
class RouteSpec:
    """A route, in allocation order; unfilled seats go to ``spill_to`` (a later route)."""

    id: str
    criteria: Sequence[Criterion]
    spill_to: str | None = None


@dataclass(frozen=True, slots=True)
class SchoolSeats:
    id: str
    seats: Mapping[str, int] = field(default_factory=dict)  # route id -> seats


@dataclass(frozen=True, slots=True)
class Choice:
    school: str
    attrs: Mapping[str, Number] = field(default_factory=dict)  # wins over the applicant's


@dataclass(frozen=True, slots=True)
class Applicant:
    id: str
    route: str
    choices: Sequence[Choice]
    attrs: Mapping[str, Number] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AllocationInstance:
    routes: Sequence[RouteSpec]
    schools: Sequence[SchoolSeats]
    applicants: Sequence[Applicant]

    def to_document(self) -> dict[str, Any]:
        """The same instance as the command line's JSON document (for files and tests)."""
        return {
            "routes": [
                {
                    "id": r.id,
                    "spill_to": r.spill_to,
                    "criteria": [{"field": c.field, "order": c.order} for c in r.criteria],
                }
                for r in self.routes
            ],
            "schools": [{"id": s.id, "seats": dict(s.seats)} for s in self.schools],
            "applicants": [
                {
                    "id": a.id,
                    "route": a.route,
                    "attrs": dict(a.attrs),
                    "choices": [{"school": c.school, "attrs": dict(c.attrs)} for c in a.choices],
                }
                for a in self.applicants
            ],
        }


@dataclass(frozen=True, slots=True)
class Cutoff:
    last_admitted: str  # applicant id of the last admitted
    values: Mapping[str, Number]  # its criteria values, as given


@dataclass(frozen=True, slots=True)
class SeatCount:
    capacity: int  # seats of the route at the school after spillover in
    admitted: int


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """Per applicant (in input order): the school or None, and its rank at each choice;
    per school and route: the cutoff (None when nobody was admitted) and the seats."""

    assignments: dict[str, str | None]
    ranks: dict[str, list[int]]
    cutoffs: dict[str, dict[str, Cutoff | None]]
    seats: dict[str, dict[str, SeatCount]]

    def to_document(self) -> dict[str, Any]:
        """The command line's result document (the same keys, in the same order)."""
        return {
            "assignments": self.assignments,
            "ranks": self.ranks,
            "cutoffs": {
                sid: {
                    rid: None if c is None else {"last_admitted": c.last_admitted,
                                                 "values": dict(c.values)}
                    for rid, c in row.items()
                }
                for sid, row in self.cutoffs.items()
            },
            "seats": {
                sid: {rid: {"capacity": s.capacity, "admitted": s.admitted}
                      for rid, s in row.items()}
                for sid, row in self.seats.items()
            },
        }  # fmt: skip


def prepare(instance: AllocationInstance) -> Instance:
    """Validate a typed instance into the engine's columns (raises :class:`InvalidInstance`)."""
    from chalicelib.admissions.allocation.instance import (
        Builder,
        compact,
        parse_routes,
        parse_schools,
    )

    head = AllocationInstance(instance.routes, instance.schools, ()).to_document()
    routes = parse_routes(head["routes"])
    school_ids, seats = parse_schools(head["schools"], routes)
    builder = Builder(routes, school_ids, seats)
    builder.add_typed(instance.applicants)
    return compact(builder.finish())


def solve(inst: Instance) -> FastAllocation:
    """The engine on validated columns."""
    from chalicelib.admissions.allocation import engine

    return engine.allocate(inst)


def allocate(instance: AllocationInstance) -> AllocationResult:
    """Allocate the seats of a typed instance (raises :class:`InvalidInstance`)."""
    inst = prepare(instance)
    return result_of(inst, solve(inst))


def result_of(inst: Instance, alloc: FastAllocation) -> AllocationResult:
    """The engine's arrays as the typed result (the same values ``allocate_json`` prints)."""
    from chalicelib.admissions.allocation import engine

    doc = engine.result_document(inst, alloc)
    cutoffs: dict[str, dict[str, Any]] = doc["cutoffs"]  # type: ignore[assignment]
    seats: dict[str, dict[str, Any]] = doc["seats"]  # type: ignore[assignment]
    return AllocationResult(
        assignments=doc["assignments"],  # type: ignore[arg-type]
        ranks=doc["ranks"],  # type: ignore[arg-type]
        cutoffs={
            sid: {rid: None if c is None else Cutoff(c["last_admitted"], c["values"])
                  for rid, c in row.items()}
            for sid, row in cutoffs.items()
        },
        seats={
            sid: {rid: SeatCount(s["capacity"], s["admitted"]) for rid, s in row.items()}
            for sid, row in seats.items()
        },
    )  # fmt: skip


def allocate_json(data: bytes | bytearray | mmap.mmap) -> bytes:
    """The instance JSON (any valid formatting) to the result JSON (compact, UTF-8); raises
    :class:`InvalidInstance`. A bytearray or a private file map is decoded in place."""
    import gc

    from chalicelib.admissions.allocation import engine
    from chalicelib.admissions.allocation.instance import load_fast

    enabled = gc.isenabled()
    gc.disable()  # millions of acyclic objects: the cyclic collector would only cost time
    try:
        inst = load_fast(data)
        return engine.dumps_result(inst, solve(inst))
    finally:
        if enabled:
            gc.enable()


__all__ = [
    "AllocationInstance",
    "AllocationResult",
    "Applicant",
    "Choice",
    "Criterion",
    "Cutoff",
    "InvalidInstance",
    "RouteSpec",
    "SchoolSeats",
    "SeatCount",
    "allocate",
    "allocate_json",
    "prepare",
]
