"""Schools directory and declared free seats per grade."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Level(StrEnum):
    SD = "SD"
    SMP = "SMP"


GRADES = {Level.SD: range(1, 7), Level.SMP: range(7, 10)}


@dataclass(frozen=True)
class School:
    npsn: str
    name: str
    level: Level
    kabkota_code: str
    kabkota_name: str
    kecamatan: str
    address: str


@dataclass(frozen=True)
class Seats:
    npsn: str
    grade: int
    free: int
    updated_at: datetime | None = None
