"""Registration in a route during its window: choices, daily change limit, server-derived ranking
attributes.

Rules (decided where the issue is silent, also in the README):
- Only a verified application registers; the route's own proofs (e.g. KIP/PKH for afirmasi) must
  be among its verified documents.
- Choices: 1..max_choices distinct schools of the period. A change (other route or other
  choices) counts against the period's ``changes_per_day`` (WIB day); the first registration is
  not a change; re-sending the same registration changes nothing.
- A change takes a NEW registration number: ``registration_seq`` ranks the time of the final
  choice, so a late change cannot keep an early place.
- Moving to another route is possible only while both windows are open. After a window closes
  the registration is locked, except for a child NOT admitted in an announced route: it may
  register in a later route whose window is open (the earlier result stays in the audit trail).
- A route may be limited to homes in the city or outside it (``Route.residence``: domisili
  lingkungan/wilayah vs domisili luar kota); the home's kab/kota code decides.
- Ranking attributes are derived here, never taken from the client: age in days on 1 July of
  the school year, rapor average, registration number; per choice the haversine distance, the
  Kota Tangerang domicile score and the afirmasi zone score. The home's zone (wilayah) is the
  zone the period's school list gives its kelurahan; a home outside the city scores 1.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from chalicelib.admissions.application import (
    Application,
    AppStatus,
    Registration,
    route_is_open,
    route_of,
    slot_states,
)
from chalicelib.admissions.attributes import Place, age_days, distance_m, domicile_score, zone_score
from chalicelib.admissions.domain import Route
from chalicelib.admissions.periods import load_period
from chalicelib.admissions.records import PeriodRecord, PeriodSchool
from chalicelib.admissions.repository import AppChange
from chalicelib.admissions.schemas import ApplicationPublic, RegistrationPut
from chalicelib.admissions.service import current_docs, docs_of, owned, required, subject, view
from chalicelib.core.audit import entry
from chalicelib.core.clock import wib_date
from chalicelib.core.errors import Conflict, Invalid, TooManyRequests
from chalicelib.core.notify import Notification
from chalicelib.core.principal import Principal
from chalicelib.core.schemas import wib_text
from chalicelib.wiring import Deps

REGISTRABLE = frozenset({AppStatus.VERIFIED, AppStatus.REGISTERED, AppStatus.NOT_ADMITTED})


def derive(
    app: Application, period: PeriodRecord, choices: list[PeriodSchool], zones: dict[str, str],
    seq: int,
) -> tuple[dict[str, float], tuple[dict[str, float], ...]]:  # fmt: skip
    """(applicant attrs, attrs per choice). Pure."""
    start = int(period.config.school_year[:4])
    attrs: dict[str, float] = {
        "age_days": float(age_days(app.child.birth_date, date(start, 7, 1))),
        "registration_seq": float(seq),
    }
    if app.rapor_avg is not None:
        attrs["rapor_avg"] = float(app.rapor_avg)
    home = app.home
    in_city = home.kabkota_code == "3671"
    place = Place(home.kelurahan.upper(), home.rw, home.rt, zones.get(home.kelurahan.upper(), ""))
    per_choice = []
    for school in choices:
        area = school.area()
        per_choice.append(
            {
                "distance_m": float(
                    distance_m(home.latitude, home.longitude, school.latitude, school.longitude)
                ),
                "domicile_score": float(domicile_score(place, area) if in_city else 1),
                "zone_score": float(zone_score(place, area) if in_city and place.wilayah else 1),
            }
        )
    return attrs, tuple(per_choice)


def _open_route(app: Application, period: PeriodRecord, route_id: str, now: datetime) -> Route:
    route = route_of(period.config, route_id)
    if route is None:
        raise Invalid(
            "unknown_route",
            "Jalur tidak ada pada periode ini.",
            allowed=[r.id for r in period.config.routes],
        )
    if not route_is_open(route, now):
        raise Conflict(
            "window_closed",
            f"Pendaftaran jalur {route.id} dibuka {wib_text(route.opens_at)} sampai "
            f"{wib_text(route.closes_at)}.",
        )
    if app.status not in REGISTRABLE:
        raise Conflict(
            "not_verified",
            "Hanya pendaftar yang berkasnya sudah terverifikasi yang dapat mendaftar jalur.",
            current_status=app.status.value,
        )
    previous = app.registration
    if app.status is AppStatus.NOT_ADMITTED:
        # Not admitted in an announced route: the child may try a later route (Kota Tangerang's
        # routes run one after the other for this reason).
        if previous is not None and previous.route == route.id:
            raise Conflict("registration_locked", f"Hasil jalur {route.id} sudah ditetapkan.")
        if previous is not None and not result_shown(app, period, now):
            raise Conflict(
                "result_pending", "Hasil jalur sebelumnya belum diumumkan; tunggu pengumuman."
            )
        return route
    if previous is not None and previous.route != route.id:
        old = route_of(period.config, previous.route)
        if old is None or not route_is_open(old, now):
            raise Conflict(
                "registration_locked",
                f"Pendaftaran di jalur {previous.route} sudah terkunci dan tidak dapat dipindah.",
            )
    return route


def result_shown(app: Application, period: PeriodRecord, now: datetime) -> bool:
    from chalicelib.admissions.presenters import announced

    return announced(app, period, now)


def _check_choices(choices: list[str], period: PeriodRecord) -> None:
    if len(set(choices)) != len(choices):
        raise Invalid("duplicate_choice", "Sekolah pilihan tidak boleh sama.")
    if len(choices) > period.config.max_choices:
        raise Invalid(
            "too_many_choices",
            f"Periode ini mengizinkan paling banyak {period.config.max_choices} pilihan sekolah.",
        )


def _check_residence(app: Application, route: Route, home_city: str) -> None:
    in_city = app.home.kabkota_code == home_city
    if route.residence == "in_city" and not in_city:
        raise Conflict(
            "route_not_for_residence",
            f"Jalur {route.id} hanya untuk calon murid yang berdomisili di kota ini.",
        )
    if route.residence == "outside_city" and in_city:
        raise Conflict(
            "route_not_for_residence",
            f"Jalur {route.id} hanya untuk calon murid yang berdomisili di luar kota.",
        )


def _check_eligible(
    app: Application, period: PeriodRecord, route: Route, current: dict[str, str], deps: Deps
) -> None:
    _check_residence(app, route, deps.settings.home_kabkota_code)
    states = slot_states(current, app.reviews)
    missing = [
        s for s in required(period, app, route.id) if states.get(s, ("missing",))[0] != "verified"
    ]
    if missing:
        raise Conflict(
            "route_documents_missing",
            f"Jalur {route.id} memerlukan dokumen terverifikasi: {', '.join(missing)}.",
            missing=missing,
        )
    if any(c.field == "rapor_avg" for c in route.criteria) and app.rapor_avg is None:
        raise Conflict("rapor_required", "Isi rata-rata rapor semester 1-5 untuk jalur ini.")


def _changes_used(previous: Registration | None, period: PeriodRecord, today: str) -> int:
    """Changes made today including this one; the first registration is not a change."""
    if previous is None:
        return 0
    used = previous.changes_that_day if previous.changes_on == today else 0
    if used >= period.config.changes_per_day:
        raise TooManyRequests(
            "too_many_changes",
            f"Pilihan hanya dapat diubah {period.config.changes_per_day} kali per hari.",
        )
    return used + 1


def register(
    aid: str, body: RegistrationPut, *, actor: Principal, deps: Deps, request_id: str
) -> ApplicationPublic:
    app = owned(aid, actor, deps)
    # A cached period (<= PERIOD_CACHE_SECONDS old) decides the window: a period cannot change
    # within that time before its first window opens (periods.update), so it is the final one.
    period = load_period(app.period_id, deps, cached=True)
    now = deps.clock.now()
    route = _open_route(app, period, body.route, now)
    choices = list(body.choices)
    _check_choices(choices, period)
    previous = app.registration
    if previous is not None and (previous.route, previous.choices) == (route.id, tuple(choices)):
        return view(app, period, actor, deps)  # the same registration again: nothing changes
    imported = deps.admissions.schools(period.id, period.schools_import or "", cached=True)
    schools = {s.npsn: s for s in imported}
    unknown = [n for n in choices if n not in schools]
    if unknown:
        raise Invalid("unknown_school", "Sekolah pilihan tidak ada pada periode ini.", npsn=unknown)
    current = current_docs(docs_of(app, deps))
    _check_eligible(app, period, route, current, deps)
    today = wib_date(now).isoformat()
    used = _changes_used(previous, period, today)
    zones = {s.kelurahan.upper(): s.zone.upper() for s in schools.values()}
    seq = deps.admissions.next_seq(period.id)
    attrs, choice_attrs = derive(app, period, [schools[n] for n in choices], zones, seq)
    registration = Registration(
        route=route.id,
        choices=tuple(choices),
        seq=seq,
        registered_at=now,
        changes_on=today if previous is not None else "",
        changes_that_day=used,
        attrs=attrs,
        choice_attrs=choice_attrs,
    )
    after = replace(app, registration=registration, updated_at=now, outcome=None)
    if app.status is not AppStatus.REGISTERED:
        after = replace(
            after.moved(AppStatus.REGISTERED, actor.role.value, now), registration=registration
        )
    note = Notification(
        recipient=f"user#{app.parent_sub}",
        dedupe_key=f"ppdb-registered#{app.id}#{seq}",
        kind="ppdb.registered",
        title="Pendaftaran jalur tersimpan",
        body=f"Jalur {route.id}, nomor pendaftaran {seq}. "
        f"Pengumuman {wib_text(route.announce_at)}.",
        ref=app.id,
        created_at=now,
    )
    action = "register" if previous is None else "change_registration"
    detail = f"{route.id}:{','.join(choices)}"
    saved = deps.admissions.commit(
        AppChange(
            after=after,
            expected_version=app.version,
            audit=[entry(subject(aid), action, actor, now, detail=detail, request_id=request_id)],
            notifications=[note],
        )
    )
    return view(saved, period, actor, deps, current)
