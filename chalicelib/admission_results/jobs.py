"""PPDB results jobs: the 5-minute tick and the allocation worker.

(Being implemented: see issue 3 section 5-6.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.wiring import Deps


@dataclass
class TickRun:
    periods: int = 0
    snapshots: int = 0
    allocations_requested: int = 0


def tick(deps: Deps) -> TickRun:
    raise NotImplementedError


def allocate(message: dict[str, Any], deps: Deps) -> None:
    raise NotImplementedError
