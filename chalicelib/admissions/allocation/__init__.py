"""Seat allocation: student-proposing deferred acceptance per route, with spillover.

``api`` is the typed in-process API (``allocate(AllocationInstance) -> AllocationResult``, and
``allocate_json`` for JSON in, JSON out: the command line ``python -m`` this package is a thin
shell over it). ``instance`` decodes and validates into columns, ``engine`` is the fast (numpy)
implementation, ``reference`` the plain heap-based one used as baseline and oracle.
Nothing here imports numpy, msgspec or orjson at import time.
"""

from chalicelib.admissions.allocation.api import (
    AllocationInstance,
    AllocationResult,
    Applicant,
    Choice,
    Criterion,
    Cutoff,
    RouteSpec,
    SchoolSeats,
    SeatCount,
    allocate,
    allocate_json,
)
from chalicelib.admissions.allocation.instance import InvalidInstance

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
]
