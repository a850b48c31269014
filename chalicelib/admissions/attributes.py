"""Ranking attributes the server derives for a registration (never taken from the client).

Age in days at the cut-off date and the age rules of Permendikdasmen 3/2025 Pasal 11; the
haversine distance from home to a school; Kota Tangerang's domicile score (same RT 5, same RW 4,
neighbouring RT/RW 3, same wilayah 2, otherwise 1; the neighbour list is data per school) and
the afirmasi zone score (same wilayah 2, otherwise 1). Pure functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from chalicelib.schools.domain import Level

EARTH_RADIUS_M = 6_371_008.8


def age_days(birth: date, cutoff: date) -> int:
    return (cutoff - birth).days


def _years_months(birth: date, on: date) -> tuple[int, int]:
    months = (on.year - birth.year) * 12 + (on.month - birth.month) - (on.day < birth.day)
    return divmod(months, 12)


@dataclass(frozen=True)
class AgeCheck:
    eligible: bool
    priority: bool  # SD: 7 years or older on 1 July
    code: str = ""
    message: str = ""


def check_age(level: Level, birth: date, school_year_start: int,
              psychologist_recommendation: bool = False) -> AgeCheck:  # fmt: skip
    """Age rules on 1 July of the school year: SD at least 6 (5 years 6 months with a
    psychologist's recommendation), 7 and older have priority; SMP at most 15."""
    years, months = _years_months(birth, date(school_year_start, 7, 1))
    if level is Level.SMP:  # "paling tinggi 15 tahun": 15 years and some months still counts
        if years >= 16:
            return AgeCheck(False, False, "too_old", "Usia maksimal SMP 15 tahun pada 1 Juli.")
        return AgeCheck(True, False)
    if years >= 6:
        return AgeCheck(True, years >= 7)
    if (years, months) >= (5, 6) and psychologist_recommendation:
        return AgeCheck(True, False)
    if (years, months) >= (5, 6):
        return AgeCheck(
            False,
            False,
            "recommendation_required",
            "Usia 5 tahun 6 bulan - 6 tahun memerlukan rekomendasi psikolog.",
        )
    return AgeCheck(False, False, "too_young", "Usia minimal SD 6 tahun pada 1 Juli.")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Great-circle distance in whole metres (haversine on the mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h))))


@dataclass(frozen=True)
class Place:
    kelurahan: str
    rw: str
    rt: str
    wilayah: str


@dataclass(frozen=True)
class SchoolArea:
    place: Place
    neighbours: frozenset[tuple[str, str, str]]  # (kelurahan, rw, rt) around the school


def domicile_score(home: Place, school: SchoolArea) -> int:
    """Kota Tangerang SMP 2025, jalur domisili."""
    s = school.place
    if (home.kelurahan, home.rw) == (s.kelurahan, s.rw):
        return 5 if home.rt == s.rt else 4
    if (home.kelurahan, home.rw, home.rt) in school.neighbours:
        return 3
    return 2 if home.wilayah == s.wilayah else 1


def zone_score(home: Place, school: SchoolArea) -> int:
    """Kota Tangerang SMP 2025, jalur afirmasi: same wilayah as the school 2, otherwise 1."""
    return 2 if home.wilayah == school.place.wilayah else 1
