"""Daftar ulang, tahap 2 seats and statistics routes: parse, call one use case, return its model."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core.http import Reply, Req, endpoint
from chalicelib.core.schemas import ActionInput
from chalicelib.wiring import deps

bp = Blueprint(__name__)
PERIOD = "/v1/admissions/periods/{period_id}"
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}


@endpoint(
    bp,
    "/v1/admissions/applications/{application_id}/confirm",
    "POST",
    body=ActionInput,
    returns="chalicelib.admission_enrolment.schemas.EnrolmentPublic",
    summary="Daftar ulang: orang tua, atau operator sekolah penerima di loket, "
    "mengonfirmasi kursi sebelum batas waktu",
)
def confirm_enrolment(req: Req, application_id: str) -> Reply:
    from chalicelib.admission_enrolment import service

    body = req.body(ActionInput)
    return Reply(
        service.confirm(
            application_id, body, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )


@endpoint(
    bp,
    PERIOD + "/leftover-seats",
    returns="chalicelib.admission_enrolment.schemas.LeftoverSeats",
    summary="Kursi daftar ulang, yang terkonfirmasi, dan sisa kursi tahap 2 per sekolah "
    "(operator: sekolahnya sendiri)",
)
def leftover_seats(req: Req, period_id: str) -> Reply:
    from chalicelib.admission_enrolment import queries

    return Reply(queries.leftover(period_id, deps(), req.actor))


@endpoint(
    bp,
    PERIOD + "/schools/{npsn}/reregistration-seats",
    "PUT",
    body="chalicelib.admission_enrolment.schemas.SeatsCorrection",
    returns="chalicelib.admission_enrolment.schemas.LeftoverSchool",
    summary="Koreksi kursi daftar ulang sebuah sekolah (Dinas Pendidikan, alasan diaudit)",
)
def correct_reregistration_seats(req: Req, period_id: str, npsn: str) -> Reply:
    from chalicelib.admission_enrolment import seats
    from chalicelib.admission_enrolment.schemas import SeatsCorrection

    body = req.body(SeatsCorrection)
    return Reply(
        seats.correct(
            period_id, npsn, body, actor=req.actor, deps=deps(), request_id=req.request_id
        )
    )


@endpoint(
    bp,
    PERIOD + "/statistics",
    returns="chalicelib.admission_enrolment.schemas.PeriodStatistics",
    summary="Statistik per sekolah dan jalur (operator: sekolahnya sendiri)",
)
def period_statistics(req: Req, period_id: str) -> Reply:
    from chalicelib.admission_enrolment import queries

    return Reply(queries.staff_statistics(period_id, req.actor, deps()))


@endpoint(
    bp,
    "/v1/public/admissions/periods/{period_id}/statistics",
    public=True,
    returns="chalicelib.admission_enrolment.schemas.PeriodStatistics",
    summary="Statistik agregat publik (tanpa data pribadi), diperbarui tiap 15 menit",
)
def public_period_statistics(req: Req, period_id: str) -> Reply:
    from chalicelib.admission_enrolment import queries

    return Reply(queries.public_statistics(period_id, deps()), headers=PUBLIC_CACHE)
