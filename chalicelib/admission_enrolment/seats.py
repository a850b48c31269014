"""Correction of a school's daftar ulang seats after the announcement (education staff).

The office sometimes lowers a school's daya tampung after the results are out (a classroom that
cannot be used, a rombel closed) or raises it again. The counter, not the allocation, is the
authority at daftar ulang: lowering it below the number of admitted applicants makes the last
seats a race that the counter's condition decides (``confirmed < seats``), never more
confirmations than seats. It can never go below the confirmations already made. Audited with
the written reason.
"""

from __future__ import annotations

from chalicelib.admission_enrolment.queries import find_period, school_names
from chalicelib.admission_enrolment.schemas import LeftoverSchool, SeatsCorrection
from chalicelib.core.audit import entry
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.principal import Principal
from chalicelib.core.validators import check_npsn
from chalicelib.wiring import Deps


def correct(
    period_id: str,
    npsn: str,
    body: SeatsCorrection,
    *,
    actor: Principal,
    deps: Deps,
    request_id: str,
) -> LeftoverSchool:
    period = find_period(period_id, deps)
    try:
        npsn = check_npsn(npsn)
    except ValueError as exc:
        raise NotFound("school_not_found", "Sekolah tidak ada pada periode ini.") from exc
    current = {c.npsn: c for c in deps.admissions.seat_counters(period.id)}
    if npsn not in current:
        raise NotFound(
            "no_seat_counter",
            "Sekolah ini belum memiliki kursi daftar ulang (alokasi final belum selesai).",
        )
    if period.released_at is not None:
        raise Conflict("already_released", "Kursi periode ini sudah dilepas ke tahap 2.")
    before = current[npsn]
    after = deps.admissions.correct_seats(period.id, npsn, body.seats)
    if after is None:
        latest = {c.npsn: c for c in deps.admissions.seat_counters(period.id)}[npsn]
        raise Conflict(
            "below_confirmed",
            f"Kursi tidak boleh kurang dari yang sudah daftar ulang ({latest.confirmed}).",
            confirmed=latest.confirmed,
        )
    deps.audit.append(
        entry(
            f"ppdb-period#{period.id}",
            "correct_reregistration_seats",
            actor,
            deps.clock.now(),
            detail=f"{npsn}: {before.seats} -> {after.seats}: {body.reason}",
            request_id=request_id,
        )
    )
    return LeftoverSchool(
        npsn=npsn,
        name=school_names(deps, period).get(npsn, ""),
        seats=after.seats,
        confirmed=after.confirmed,
        left=max(0, after.seats - after.confirmed),
    )
