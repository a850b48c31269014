"""Schools directory routes."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core.http import PAGE_QUERY, Reply, Req, endpoint
from chalicelib.wiring import deps

bp = Blueprint(__name__)


@endpoint(
    bp,
    "/v1/schools",
    returns="chalicelib.schools.schemas.SchoolPage",
    summary="Daftar sekolah satu kabupaten/kota",
    query={"kabkota": "Kode kabupaten/kota 4 angka (bawaan 3671, Kota Tangerang).", **PAGE_QUERY},
)
def list_schools(req: Req) -> Reply:
    from chalicelib.schools import service

    return Reply(service.list_schools(req.query, deps()))


@endpoint(
    bp,
    "/v1/schools/{npsn}",
    returns="chalicelib.schools.schemas.SchoolPublic",
    summary="Rincian satu sekolah",
)
def get_school(req: Req, npsn: str) -> Reply:
    from chalicelib.schools import service

    return Reply(service.get_school(npsn, deps()))


@endpoint(
    bp,
    "/v1/schools/{npsn}/seats",
    returns="chalicelib.schools.schemas.SeatsList",
    summary="Kursi kosong per kelas",
)
def list_seats(req: Req, npsn: str) -> Reply:
    from chalicelib.schools import service

    return Reply(service.list_seats(npsn, deps()))


@endpoint(
    bp,
    "/v1/schools/{npsn}/seats/{grade}",
    "PUT",
    body="chalicelib.schools.schemas.SeatsUpdate",
    returns="chalicelib.schools.schemas.SeatsPublic",
    summary="Nyatakan kursi kosong satu kelas",
)
def declare_seats(req: Req, npsn: str, grade: str) -> Reply:
    from chalicelib.schools import service
    from chalicelib.schools.schemas import SeatsUpdate

    body = req.body(SeatsUpdate)
    return Reply(
        service.declare_seats(
            npsn, grade, body, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )
