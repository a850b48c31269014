"""PPDB/SPMB admission periods as configuration, checked against the national rules.

Rules differ by region and year, so a period is data: routes and sub-routes with a quota as a
percentage of each school's capacity, windows, ranking criteria and spillover. This module checks
a period against the national floors and caps of Permendikdasmen 3/2025 (domain.md §1.1) and
splits each school's capacity into seats per route so that the parts add up to the capacity
exactly. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from chalicelib.schools.domain import Level


class Family(StrEnum):
    """The national route a (sub-)route belongs to; floors and caps apply per family."""

    DOMISILI = "domisili"
    AFIRMASI = "afirmasi"
    MUTASI = "mutasi"
    PRESTASI = "prestasi"


# Permendikdasmen 3/2025: (minimum %, maximum %) of capacity per family and level.
NATIONAL_LIMITS: dict[Level, dict[Family, tuple[Decimal, Decimal]]] = {
    Level.SD: {
        Family.DOMISILI: (Decimal(70), Decimal(100)),
        Family.AFIRMASI: (Decimal(15), Decimal(100)),
        Family.MUTASI: (Decimal(0), Decimal(5)),
        Family.PRESTASI: (Decimal(0), Decimal(0)),
    },
    Level.SMP: {
        Family.DOMISILI: (Decimal(40), Decimal(100)),
        Family.AFIRMASI: (Decimal(20), Decimal(100)),
        Family.MUTASI: (Decimal(0), Decimal(5)),
        Family.PRESTASI: (Decimal(25), Decimal(100)),
    },
}

RANKING_FIELDS = frozenset({
    "domicile_score", "zone_score", "age_days", "distance_m", "rapor_avg", "registration_seq",
    "achievement_score",
})  # fmt: skip


@dataclass(frozen=True)
class Criterion:
    field: str
    order: str  # "asc" | "desc"


@dataclass(frozen=True)
class Route:
    id: str
    family: Family
    quota_percent: Decimal
    opens_at: datetime
    closes_at: datetime
    announce_at: datetime
    reregister_by: datetime
    criteria: tuple[Criterion, ...]
    spill_to: str | None = None
    documents: tuple[str, ...] = ()
    # Who may register: None anyone; "in_city" homes in the period's city (domisili lingkungan,
    # wilayah, ...); "outside_city" homes elsewhere (domisili luar kota).
    residence: str | None = None


@dataclass(frozen=True)
class Period:
    level: Level
    school_year: str
    stage: int
    routes: tuple[Route, ...]
    max_choices: int = 1
    changes_per_day: int = 3


@dataclass(frozen=True)
class Violation:
    code: str
    message: str
    national: bool = False  # breaks a national floor/cap: only a written override may pass it


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)

    def add(self, code: str, message: str, national: bool = False) -> None:
        self.violations.append(Violation(code, message, national))

    @property
    def ok(self) -> bool:
        return not self.violations


def check_period(period: Period) -> list[Violation]:
    """Every problem of a period config; national ones may be overridden, the others never."""
    report = Report()
    _check_shape(period, report)
    _check_routes(period, report)
    _check_national(period, report)
    return report.violations


def _check_shape(period: Period, report: Report) -> None:
    ids = [r.id for r in period.routes]
    if not ids:
        report.add("no_routes", "Periode harus memiliki minimal satu jalur.")
    if len(set(ids)) != len(ids):
        report.add("duplicate_route", "Kode jalur tidak boleh sama.")
    total = sum((r.quota_percent for r in period.routes), Decimal(0))
    if ids and total != 100:
        report.add("quota_total", f"Jumlah kuota semua jalur harus 100%, sekarang {total}%.")
    if period.max_choices < 1 or period.changes_per_day < 0:
        report.add("choices", "Jumlah pilihan minimal 1 dan batas perubahan tidak boleh negatif.")


def _check_routes(period: Period, report: Report) -> None:
    position = {r.id: i for i, r in enumerate(period.routes)}
    for i, route in enumerate(period.routes):
        if route.quota_percent < 0:
            report.add("negative_quota", f"Kuota jalur {route.id} tidak boleh negatif.")
        if not route.opens_at < route.closes_at <= route.announce_at <= route.reregister_by:
            report.add("timeline", f"Urutan waktu jalur {route.id} harus: buka < tutup <= "
                                   "pengumuman <= batas daftar ulang.")  # fmt: skip
        if route.spill_to is not None and position.get(route.spill_to, -1) <= i:
            report.add(
                "spillover_order",
                f"Sisa kursi jalur {route.id} hanya boleh dialihkan ke jalur sesudahnya.",
            )
        bad = [c for c in route.criteria if c.field not in RANKING_FIELDS or c.order not in
               ("asc", "desc")]  # fmt: skip
        if not route.criteria or bad:
            report.add("criteria", f"Kriteria peringkat jalur {route.id} tidak valid.")


def _check_national(period: Period, report: Report) -> None:
    totals = dict.fromkeys(Family, Decimal(0))
    for route in period.routes:
        totals[route.family] += route.quota_percent
    for family, (low, high) in NATIONAL_LIMITS[period.level].items():
        if not low <= totals[family] <= high:
            report.add(
                f"national_{family.value}",
                f"Kuota {family.value} {period.level.value} {totals[family]}% di luar batas "
                f"nasional {low}%-{high}% (Permendikdasmen 3/2025).",
                national=True,
            )


def split_seats(capacity: int, period: Period) -> dict[str, int]:
    """Seats per route for one school: largest remainder (Hamilton) method.

    Each route gets floor(capacity x quota / 100); the seats left go one each to the routes with
    the largest fractional parts, ties to the route listed first. The parts always add up to the
    capacity exactly, and no route is more than one seat away from its exact share.
    """
    if capacity < 0:
        raise ValueError("capacity must not be negative")
    exact = [(r.id, Decimal(capacity) * r.quota_percent / 100) for r in period.routes]
    seats = {route_id: int(share) for route_id, share in exact}
    left = capacity - sum(seats.values())
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i][1] % 1), i))
    for i in by_remainder[:left]:
        seats[exact[i][0]] += 1
    return seats
