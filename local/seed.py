"""Demo data for the local stack: schools, declared free seats and demo users.

Every NPSN below is an INVENTED demo value in the 2060xxxx range of Kota Tangerang; it is not the
Dapodik NPSN of the school whose name it carries. No real personal data: demo users are fictitious.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.schools.domain import GRADES, Level, School
from chalicelib.wiring import Deps

KOTA = ("3671", "Kota Tangerang")
KABUPATEN = ("3603", "Kabupaten Tangerang")

# Named demo schools (used by tests/e2e and the banner).
SMP_1_TANGERANG = "20606901"
SMP_5_TANGERANG = "20606905"
SMP_10_TANGERANG = "20606910"
SD_SUDIMARA_3 = "20603303"
SD_PINANG_1 = "20603401"
SMP_1_CURUG = "20612301"


@dataclass(frozen=True)
class DemoSchool:
    school: School
    free_seats: int


def _school(
    npsn: str,
    name: str,
    level: Level,
    region: tuple[str, str],
    kecamatan: str,
    address: str,
    free: int,
) -> DemoSchool:
    code, region_name = region
    return DemoSchool(School(npsn, name, level, code, region_name, kecamatan, address), free)


SCHOOLS: tuple[DemoSchool, ...] = (
    _school(
        SMP_1_TANGERANG,
        "SMP Negeri 1 Tangerang",
        Level.SMP,
        KOTA,
        "Tangerang",
        "Jl. Daan Mogot No. 1, Sukarasa, Tangerang",
        2,
    ),
    _school(
        SMP_5_TANGERANG,
        "SMP Negeri 5 Tangerang",
        Level.SMP,
        KOTA,
        "Karawaci",
        "Jl. Imam Bonjol No. 5, Karawaci",
        5,
    ),
    _school(
        SMP_10_TANGERANG,
        "SMP Negeri 10 Tangerang",
        Level.SMP,
        KOTA,
        "Cibodas",
        "Jl. Prabu Kian Santang No. 10, Cibodas",
        3,
    ),
    _school(
        SD_SUDIMARA_3,
        "SD Negeri Sudimara 3",
        Level.SD,
        KOTA,
        "Ciledug",
        "Jl. Raden Fatah No. 3, Sudimara, Ciledug",
        4,
    ),
    _school(
        SD_PINANG_1,
        "SD Negeri Pinang 1",
        Level.SD,
        KOTA,
        "Pinang",
        "Jl. KH Hasyim Ashari No. 1, Pinang",
        4,
    ),
    _school(
        SMP_1_CURUG,
        "SMP Negeri 1 Curug",
        Level.SMP,
        KABUPATEN,
        "Curug",
        "Jl. Raya Curug No. 1, Curug",
        3,
    ),
)


@dataclass(frozen=True)
class DemoUser:
    key: str  # token name: TOKEN_<KEY.upper()>
    sub: str
    role: str
    name: str
    npsn: str | None = None


def _operator(demo: DemoSchool) -> DemoUser:
    s = demo.school
    return DemoUser(
        f"op_{s.npsn}", f"demo-op-{s.npsn}", "school_operator", f"Operator {s.name}", s.npsn
    )


USERS: tuple[DemoUser, ...] = (
    DemoUser("parent", "demo-parent-1", "parent", "Budi Santoso"),
    DemoUser("parent_2", "demo-parent-2", "parent", "Siti Rahmawati"),
    *(_operator(s) for s in SCHOOLS),
    DemoUser("staff", "demo-staff-1", "education_staff", "Petugas Dinas Pendidikan Kota Tangerang"),
    DemoUser("admin", "demo-admin-1", "admin", "Admin Diskominfo (demo)"),
)


def user(key: str) -> DemoUser:
    return next(u for u in USERS if u.key == key)


def seed(deps: Deps) -> dict[str, Any]:
    """Put the demo schools and their free seats (every grade of the level)."""
    now, seats = deps.clock.now(), 0
    for demo in SCHOOLS:
        deps.schools.put(demo.school)
        for grade in GRADES[demo.school.level]:
            deps.schools.set_seats(demo.school.npsn, grade, demo.free_seats, "seed", now)
            seats += 1
    from local.seed_ppdb import seed_ppdb

    return {
        "schools": [d.school.npsn for d in SCHOOLS],
        "seat_rows": seats,
        "users": [u.sub for u in USERS],
        **seed_ppdb(deps),
    }
