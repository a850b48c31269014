"""Schools: directory reads and the declaration of free seats per grade."""

from __future__ import annotations

from chalicelib.core.audit import entry
from chalicelib.core.errors import Forbidden, Invalid, NotFound
from chalicelib.core.pagination import decode_cursor, encode_cursor, parse_limit
from chalicelib.core.principal import Principal
from chalicelib.core.validators import check_npsn
from chalicelib.schools.domain import GRADES, School, Seats
from chalicelib.schools.schemas import SchoolPage, SchoolPublic, SeatsList, SeatsPublic, SeatsUpdate
from chalicelib.wiring import Deps


def _public(s: School) -> SchoolPublic:
    return SchoolPublic(
        npsn=s.npsn,
        name=s.name,
        level=s.level.value,
        kabkota_code=s.kabkota_code,
        kabkota_name=s.kabkota_name,
        kecamatan=s.kecamatan,
        address=s.address,
    )


def _seats(s: Seats) -> SeatsPublic:
    return SeatsPublic(npsn=s.npsn, grade=s.grade, free_seats=s.free, updated_at=s.updated_at)


def _existing(npsn: str, deps: Deps) -> School:
    try:
        npsn = check_npsn(npsn)
    except ValueError as exc:
        raise NotFound("school_not_found", "Sekolah tidak ditemukan.") from exc
    school = deps.schools.get(npsn)
    if school is None:
        raise NotFound("school_not_found", "Sekolah tidak ditemukan.")
    return school


def list_schools(query: dict[str, str], deps: Deps) -> SchoolPage:
    region = query.get("kabkota", deps.settings.home_kabkota_code)
    if not region.isdigit() or len(region) != 4:
        raise Invalid("invalid_kabkota", "Kode kabupaten/kota harus 4 angka, mis. 3671.")
    scope, secret = f"schools:{region}", deps.settings.signing_secret
    items, last = deps.schools.in_region(
        region, parse_limit(query.get("limit")), decode_cursor(secret, scope, query.get("cursor"))
    )
    return SchoolPage(
        items=[_public(s) for s in items], next_cursor=encode_cursor(secret, scope, last)
    )


def get_school(npsn: str, deps: Deps) -> SchoolPublic:
    return _public(_existing(npsn, deps))


def list_seats(npsn: str, deps: Deps) -> SeatsList:
    school = _existing(npsn, deps)
    return SeatsList(npsn=school.npsn, items=[_seats(s) for s in deps.schools.seats(school.npsn)])


def declare_seats(
    npsn: str, grade: str, cmd: SeatsUpdate, *, actor: Principal, deps: Deps, request_id: str = ""
) -> SeatsPublic:
    """Only that school's operator or education staff. Raises NotFound, Forbidden, Invalid."""
    school = _existing(npsn, deps)
    if not (actor.is_staff or actor.operates(school.npsn)):
        raise Forbidden("not_your_school", "Anda hanya dapat mengubah data sekolah Anda sendiri.")
    if not grade.isdigit() or int(grade) not in GRADES[school.level]:
        raise Invalid("invalid_grade", f"Kelas tidak tersedia di {school.level.value}.")
    now = deps.clock.now()
    seats = deps.schools.set_seats(school.npsn, int(grade), cmd.free_seats, actor.sub, now)
    deps.audit.append(
        entry(
            f"school#{school.npsn}",
            "declare_seats",
            actor,
            now,
            detail=f"grade {grade}: {cmd.free_seats}",
            request_id=request_id,
        )
    )
    return _seats(seats)
