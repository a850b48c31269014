"""Stored records of the admissions feature besides the application: a period with its life
facts, a school of a period (from an import), an import job, an allocation run. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from chalicelib.admissions.attributes import Place, SchoolArea
from chalicelib.admissions.domain import Period


@dataclass(frozen=True)
class PeriodRecord:
    id: str
    name: str
    config: Period
    prereg_opens_at: datetime
    prereg_closes_at: datetime
    created_at: datetime
    created_by: str
    override_reason: str | None = None
    overridden: tuple[str, ...] = ()  # codes of national rules overridden in writing
    previous_period_id: str | None = None  # tahap 2: the tahap 1 period whose seats it takes
    schools_import: str | None = None  # the import whose schools are live
    school_count: int = 0
    allocation_run: int = 0  # latest completed final allocation run (0: none)
    allocation_requested: int = 0  # latest requested run
    allocation_routes: int = 0  # how many leading routes the latest requested run covers
    announced_run: int | None = None  # frozen once the first announcement time passed
    released_at: datetime | None = None  # unconfirmed seats released (tahap 2 may start)
    notified_routes: tuple[str, ...] = ()  # routes whose families were told the result is out
    version: int = 0

    def closed_prefix(self, now: datetime) -> int:
        """How many routes, in the period's order, have closed one after the other by ``now``:
        their results are final (spillover only flows to later routes)."""
        k = 0
        for route in self.config.routes:
            if now < route.closes_at:
                break
            k += 1
        return k

    def prefix_config(self, k: int) -> Period:
        """The period cut to its first ``k`` routes (spillover past them is left for later)."""
        from dataclasses import replace

        kept = self.config.routes[:k]
        ids = {r.id for r in kept}
        routes = tuple(r if r.spill_to in ids else replace(r, spill_to=None) for r in kept)
        return replace(self.config, routes=routes)

    @property
    def first_opening(self) -> datetime:
        return min(r.opens_at for r in self.config.routes)

    @property
    def last_closing(self) -> datetime:
        return max(r.closes_at for r in self.config.routes)

    @property
    def first_announcement(self) -> datetime:
        return min(r.announce_at for r in self.config.routes)

    @property
    def reregister_deadline(self) -> datetime:
        return max(r.reregister_by for r in self.config.routes)


@dataclass(frozen=True)
class PeriodSchool:
    npsn: str
    name: str
    level: str
    address: str
    rt: str
    rw: str
    kelurahan: str
    kecamatan: str
    zone: str
    latitude: float
    longitude: float
    capacity: int
    seats: dict[str, int]  # route id -> seats (split of the capacity, or tahap 2 leftovers)
    neighbours: tuple[tuple[str, str, str], ...] = ()  # (kelurahan, rw, rt)

    def area(self) -> SchoolArea:
        place = Place(self.kelurahan.upper(), self.rw, self.rt, self.zone.upper())
        return SchoolArea(place, frozenset((k.upper(), w, t) for k, w, t in self.neighbours))


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based row number in the file, header = row 1
    column: str
    message: str


@dataclass(frozen=True)
class ImportJob:
    period_id: str
    id: str
    document_id: str
    content_type: str
    status: str  # pending_upload | done | failed
    created_at: datetime
    created_by: str
    finished_at: datetime | None = None
    rows: int = 0
    errors: tuple[RowError, ...] = ()
    message: str = ""


@dataclass(frozen=True)
class AllocationRun:
    period_id: str
    run: int
    status: str  # running | done
    requested_at: datetime
    requested_by: str
    finished_at: datetime | None = None
    result_key: str | None = None  # S3 key of the immutable result JSON
    applicants: int = 0
    admitted: int = 0
    seconds: float = 0.0
    summary: dict[str, dict[str, int]] = field(default_factory=dict)  # npsn -> route -> admitted


@dataclass(frozen=True)
class SeatCounter:
    """Daftar ulang: confirmations per school never exceed its seats (a conditional counter)."""

    period_id: str
    npsn: str
    seats: int
    confirmed: int
