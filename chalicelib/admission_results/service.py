"""PPDB results use cases: a parent's live position, requesting and reading final allocation
runs, and the announced result with its explanation.

Who sees what (object-level, on every id; the route table only says which roles may call):

- position: the parent who owns the application, education staff, an operator of a school the
  applicant chose. Anyone else: 404 like a missing id (and a ``denied`` audit entry).
- result: the owner and staff; an operator of a chosen school gets ``not_announced`` before the
  announcement and afterwards only the applicants admitted at their school (others: 404).
  Before the route's announcement time, or while no run is announced: 409 ``not_announced``.
- staff and operator reads of a child's position or result are audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.admission_results import domain, final
from chalicelib.admission_results.objects import read_json
from chalicelib.admission_results.schemas import (
    AdmissionResultPublic,
    AllocationQueued,
    AllocationRequest,
    AllocationRunPublic,
    PositionChoice,
    PositionPublic,
    ResultChoice,
    ResultSchool,
)
from chalicelib.admission_results.snapshots import ref_maker
from chalicelib.admissions.application import Application, Outcome, route_of
from chalicelib.admissions.domain import Route
from chalicelib.admissions.periods import load_period
from chalicelib.admissions.records import PeriodRecord
from chalicelib.core import audit as audit_mod
from chalicelib.core.cache import TTLCache
from chalicelib.core.clock import iso_utc, parse_utc
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.ids import is_id
from chalicelib.core.principal import Principal, Role
from chalicelib.core.schemas import wib_text
from chalicelib.core.storage import Storage
from chalicelib.wiring import Deps


def _app_not_found() -> NotFound:
    return NotFound("application_not_found", "Pendaftaran tidak ditemukan.")


def _audit(deps: Deps, aid: str, action: str, actor: Principal, request_id: str, **kw: Any) -> None:
    deps.audit.append(
        audit_mod.entry(
            final.application_subject(aid),
            action,
            actor,
            deps.clock.now(),
            request_id=request_id,
            **kw,
        )
    )


def _find(aid: str, deps: Deps) -> Application | None:
    """Ids are ULIDs; anything else (e.g. a NIK pasted into the URL) is never looked up."""
    return deps.admissions.get_application(aid) if is_id(aid) else None


def _may_see(app: Application, actor: Principal) -> bool:
    chosen = app.registration.choices if app.registration else ()
    return (
        (actor.role is Role.PARENT and app.parent_sub == actor.sub)
        or actor.is_staff
        or (actor.role is Role.SCHOOL_OPERATOR and actor.npsn in chosen)
    )


def _guard(
    app: Application | None,
    allowed: bool,
    actor: Principal,
    deps: Deps,
    request_id: str,
    action: str,
) -> Application:
    """404 for a missing or foreign application (a denied attempt is audited); staff and
    operator reads are audited."""
    if app is None:
        raise _app_not_found()
    if not allowed:
        _audit(deps, app.id, action, actor, request_id, outcome="denied")
        raise _app_not_found()
    if actor.role is not Role.PARENT:
        _audit(deps, app.id, action, actor, request_id)
    return app


# -- live position ----------------------------------------------------------------------------


# A live snapshot is rewritten every tick (5 min) and carries its generated_at: serving it up to
# 30 s longer from the instance changes no decision and saves an S3 GET per choice per poll.
SNAPSHOT_CACHE_SECONDS = 30.0
_SNAPSHOTS: TTLCache[tuple[int, str], dict[str, Any]] = TTLCache(SNAPSHOT_CACHE_SECONDS, 64)


def _snapshot(store: Storage, key: str) -> dict[str, Any] | None:
    def load() -> dict[str, Any] | None:
        doc = read_json(store, key)
        return doc if isinstance(doc, dict) else None

    return _SNAPSHOTS.get_or_load((id(store), key), load)


def position(aid: str, *, actor: Principal, deps: Deps, request_id: str = "") -> PositionPublic:
    found = _find(aid, deps)
    app = _guard(
        found,
        found is not None and _may_see(found, actor),
        actor,
        deps,
        request_id,
        "read_position",
    )
    reg = app.registration
    if reg is None:
        raise Conflict("not_registered", "Pendaftar belum mendaftar pada jalur mana pun.")
    ref = ref_maker(deps.settings.signing_secret)(app.id)
    base = deps.settings.snapshots_public_url.rstrip("/")
    choices: list[PositionChoice] = []
    times: list[str] = []
    school: str | None = None
    for i, npsn in enumerate(reg.choices):
        key = domain.snapshot_key(app.period_id, reg.route, npsn)
        doc = _snapshot(deps.snapshots, key)
        where = domain.standing(doc, ref, placed_earlier=school is not None)
        if where.status == "admitted" and school is None:
            school = npsn
        if doc is not None:
            times.append(str(doc.get("generated_at", "")))
        choices.append(
            PositionChoice(
                choice=i + 1,
                npsn=npsn,
                school_name=None if doc is None else str(doc.get("school_name", "")),
                status=where.status,
                position=where.position,
                seats=None if doc is None else int(doc.get("seats", 0)),
                admitted=None if doc is None else len(doc.get("entries", [])),
                waiting=None if doc is None else int(doc.get("waiting", 0)),
                snapshot_url=None if doc is None else f"{base}/{key}",
            )
        )
    stamps = [t for t in times if t]
    if not stamps:
        raise NotFound("no_snapshot", "Peringkat sementara belum tersedia. Coba lagi nanti.")
    generated = parse_utc(max(stamps))
    return PositionPublic(
        application_id=app.id,
        period_id=app.period_id,
        route=reg.route,
        ref=ref,
        generated_at=generated,
        generated_at_wib=wib_text(generated),
        school=school,
        choices=choices,
    )


# -- final allocation runs --------------------------------------------------------------------


def request_allocation(
    period_id: str,
    body: AllocationRequest,
    *,
    actor: Principal,
    deps: Deps,
    request_id: str = "",
) -> AllocationQueued:
    """Education staff ask for a (re-)run of the final allocation."""
    period = load_period(period_id, deps)
    now = deps.clock.now()
    k = period.closed_prefix(now)
    first = period.config.routes[0] if period.config.routes else None
    if k == 0 or first is None:
        at = first.closes_at if first is not None else now
        raise Conflict(
            "window_open",
            "Seleksi akhir hanya dapat dijalankan untuk jalur yang pendaftarannya sudah ditutup "
            f"(jalur pertama ditutup {wib_text(at)}).",
            closes_at=iso_utc(at),
        )
    shown = {r.id for r in final.announced_routes(period, now)}
    if all(r.id in shown for r in period.config.routes[:k]):
        raise Conflict(
            "already_announced",
            f"Hasil seleksi (run {period.announced_run}) sudah diumumkan dan tidak dapat diubah.",
        )
    if period.schools_import is None:
        raise Conflict("no_schools", "Periode ini belum memiliki daftar sekolah.")
    entry = audit_mod.entry(
        final.period_subject(period.id),
        "allocation_request",
        actor,
        now,
        detail=body.reason,
        request_id=request_id,
    )
    n = final.claim_and_send(deps, period, entry, actor.sub, k)
    return AllocationQueued(period_id=period.id, run=n, status="queued")


def latest_run(period_id: str, *, actor: Principal, deps: Deps) -> AllocationRunPublic:
    period = load_period(period_id, deps)
    n = period.allocation_requested
    if n <= 0:
        raise NotFound("no_run", "Seleksi akhir periode ini belum pernah dijalankan.")
    run = deps.admissions.get_run(period.id, n)
    common = {
        "period_id": period.id,
        "run": n,
        "allocation_run": period.allocation_run,
        "announced_run": period.announced_run,
    }
    if run is None:
        return AllocationRunPublic(
            **common,
            status="queued",
            requested_at=None,
            requested_by=None,
            finished_at=None,
            applicants=0,
            admitted=0,
            seconds=0.0,
            summary={},
        )
    return AllocationRunPublic(
        **common,
        status=run.status,
        requested_at=run.requested_at,
        requested_by=run.requested_by,
        finished_at=run.finished_at,
        applicants=run.applicants,
        admitted=run.admitted,
        seconds=run.seconds,
        summary=run.summary,
    )


# -- the announced result ---------------------------------------------------------------------


_RUN_SCHOOLS: dict[tuple[int, str], dict[str, Any]] = {}


def _run_schools(store: Storage, key: str) -> dict[str, Any]:
    """School names and seats of a run: an immutable object, cached per process."""
    cache_key = (id(store), key)
    if cache_key not in _RUN_SCHOOLS:
        doc = read_json(store, key)
        if not isinstance(doc, dict):
            return {}
        if len(_RUN_SCHOOLS) >= 64:
            _RUN_SCHOOLS.clear()
        _RUN_SCHOOLS[cache_key] = dict(doc.get("schools", {}))
    return _RUN_SCHOOLS[cache_key]


def _not_announced(route: Route | None, period: PeriodRecord) -> Conflict:
    at = route.announce_at if route is not None else period.first_announcement
    return Conflict(
        "not_announced",
        f"Hasil seleksi belum diumumkan. Pengumuman: {wib_text(at)}.",
        announce_at=iso_utc(at),
        announce_at_wib=wib_text(at),
    )


def announced(period: PeriodRecord, route: Route | None, now: datetime) -> bool:
    return period.announced_run is not None and route is not None and now >= route.announce_at


def result(
    aid: str, *, actor: Principal, deps: Deps, request_id: str = ""
) -> AdmissionResultPublic:
    found = _find(aid, deps)
    reg = found.registration if found is not None else None
    # cached: an announcement shows up to PERIOD_CACHE_SECONDS late, never early
    period = deps.admissions.get_period(found.period_id, cached=True) if found else None
    route = route_of(period.config, reg.route) if period is not None and reg is not None else None
    now = deps.clock.now()
    shown = period is not None and announced(period, route, now)
    allowed = found is not None and _may_see(found, actor)
    if allowed and found is not None and actor.role is Role.SCHOOL_OPERATOR and shown:
        allowed = found.outcome is not None and found.outcome.school == actor.npsn
    app = _guard(found, allowed, actor, deps, request_id, "read_result")
    if period is None or reg is None:
        raise Conflict("not_registered", "Pendaftar belum mendaftar pada jalur mana pun.")
    outcome = app.outcome
    if not shown or outcome is None or route is None:
        raise _not_announced(route, period)
    schools = _run_schools(deps.storage, final.schools_key(period.id, outcome.run))
    return _result_public(app, period, route, outcome, schools)


def _result_public(
    app: Application,
    period: PeriodRecord,
    route: Route,
    outcome: Outcome,
    schools: dict[str, Any],
) -> AdmissionResultPublic:
    reg = app.registration
    assert reg is not None
    fields = [c.field for c in route.criteria]
    on = domain.age_reference(period.config)

    def name(npsn: str) -> str:
        return str(schools.get(npsn, {}).get("name", npsn))

    def seats(npsn: str) -> int | None:
        entry = schools.get(npsn, {}).get("seats", {}).get(route.id)
        return None if entry is None else int(entry.get("capacity", 0))

    def shown(values: tuple[float, ...] | None) -> dict[str, str | int | float] | None:
        if not values:
            return None
        return {f: domain.public_value(f, v, on) for f, v in zip(fields, values, strict=False)}

    admitted_choice = next(
        (i for i, npsn in enumerate(reg.choices) if npsn == outcome.school), None
    )
    choices = []
    for i, npsn in enumerate(reg.choices):
        choices.append(
            ResultChoice(
                choice=i + 1,
                npsn=npsn,
                school_name=name(npsn),
                admitted=admitted_choice == i,
                rank=outcome.ranks[i] if i < len(outcome.ranks) else None,
                seats=seats(npsn),
                cutoff=shown(outcome.cutoffs[i] if i < len(outcome.cutoffs) else None),
                values=shown(outcome.values[i] if i < len(outcome.values) else None),
                explanation=domain.explain_choice(
                    number=i + 1,
                    school_name=name(npsn),
                    route=route.id,
                    fields=fields,
                    outcome=outcome,
                    index=i,
                    seats=seats(npsn),
                    admitted_choice=admitted_choice,
                    on=on,
                ),
            )
        )
    school = (
        None
        if outcome.school is None
        else ResultSchool(npsn=outcome.school, name=name(outcome.school))
    )
    return AdmissionResultPublic(
        application_id=app.id,
        period_id=period.id,
        run=outcome.run,
        status=app.status.value,
        admitted=outcome.school is not None,
        school=school,
        route=route.id,
        announced_at=route.announce_at,
        reregister_by=route.reregister_by,
        reregister_by_wib=wib_text(route.reregister_by),
        summary=domain.summary_sentence(school.name if school else None, route.id),
        choices=choices,
    )
