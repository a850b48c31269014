"""Live ranking snapshots: the engine over a period's current registrations, published as public
JSON objects (CloudFront -> private S3 bucket): a public view costs no Lambda and no DynamoDB read.

Objects (on ``deps.snapshots``):

- ``ppdb/<pid>/<route>/<npsn>.json``: one school in one route (see ``domain.snapshot_document``),
  for every school of the period's live import and every route whose window is open, or closed
  less than two ticks ago (so the final state of a window is published even if one tick runs
  late; publishing twice is harmless).
- ``ppdb/<pid>/index.json``: the period, its routes (``live`` = window open now,
  ``published`` = opened already, so its objects exist) and schools.

The engine runs over ALL current registrations of the period (every route), so spillover from
earlier routes is already in the seats shown. ``ref`` is the first 12 hex characters of an HMAC
(signing secret) of the application id: the parent's app gets it from the position endpoint; the
public cannot link it to anyone.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from chalicelib.admission_results import domain
from chalicelib.admission_results.objects import put_public_json
from chalicelib.admissions.application import Application
from chalicelib.admissions.domain import Route
from chalicelib.admissions.records import PeriodRecord, PeriodSchool
from chalicelib.core.clock import iso_utc
from chalicelib.core.crypto import keyed_hash
from chalicelib.core.observability import logger
from chalicelib.core.schemas import wib_text
from chalicelib.wiring import Deps

TICK = timedelta(minutes=5)  # the schedule of handlers.admissions_tick
JUST_CLOSED = 2 * TICK
PUT_THREADS = 8  # S3 PUTs in parallel: hundreds of SD schools per tick


def live_routes(period: PeriodRecord, now: datetime) -> list[Route]:
    return [r for r in period.config.routes if r.opens_at <= now < r.closes_at + JUST_CLOSED]


def ref_maker(secret: str) -> Callable[[str], str]:
    def ref(application_id: str) -> str:
        return keyed_hash(secret, application_id, "ppdb-live-ref")[:12]

    return ref


def registrations(deps: Deps, period: PeriodRecord) -> list[Application]:
    """Every registration of the period, route by route (GSI by_route; never a Scan)."""
    return [a for r in period.config.routes for a in deps.admissions.registered(period.id, r.id)]


def publish(deps: Deps, period: PeriodRecord, now: datetime) -> int:
    """Publish the snapshots of the period's live routes; returns how many school objects."""
    routes = live_routes(period, now)
    if not routes or period.schools_import is None:
        return 0
    schools = sorted(
        deps.admissions.schools(period.id, period.schools_import), key=lambda s: s.npsn
    )
    inst = domain.build_instance(period.config, schools, registrations(deps, period))
    if inst.problems:
        logger().warning(
            "registrations left out of the live ranking",
            extra={"period_id": period.id, "count": len(inst.problems), "first": inst.problems[:5]},
        )
    result = domain.solve(inst)
    lists = domain.school_lists(inst, result)
    ref = ref_maker(deps.settings.signing_secret)
    on = domain.age_reference(period.config)
    generated_at, generated_wib = iso_utc(now), wib_text(now)

    def put(route: Route, school: PeriodSchool) -> None:
        doc = domain.snapshot_document(
            inst=inst,
            result=result,
            period_id=period.id,
            route=route,
            school=school,
            lists=lists.get((school.npsn, route.id)),
            generated_at=generated_at,
            generated_at_wib=generated_wib,
            ref=ref,
            on=on,
        )
        put_public_json(deps.snapshots, domain.snapshot_key(period.id, route.id, school.npsn), doc)

    jobs = [(route, school) for route in routes for school in schools]
    with ThreadPoolExecutor(max_workers=PUT_THREADS) as pool:
        list(pool.map(lambda job: put(*job), jobs))
    opened = [r.id for r in period.config.routes if r.opens_at <= now]
    live = {r.id for r in routes}
    index = {
        "period_id": period.id,
        "name": period.name,
        "level": period.config.level.value,
        "school_year": period.config.school_year,
        "stage": period.config.stage,
        "generated_at": generated_at,
        "generated_at_wib": generated_wib,
        "routes": [
            {
                "id": r.id,
                "family": r.family.value,
                "opens_at": iso_utc(r.opens_at),
                "closes_at": iso_utc(r.closes_at),
                "announce_at": iso_utc(r.announce_at),
                "closes_at_wib": wib_text(r.closes_at),
                "live": r.id in live and now < r.closes_at,
                "published": r.id in opened,
            }
            for r in period.config.routes
        ],
        "schools": [{"npsn": s.npsn, "name": s.name, "routes": opened} for s in schools],
        "object_key": "ppdb/" + period.id + "/{route}/{npsn}.json",
    }
    put_public_json(deps.snapshots, domain.index_key(period.id), index)
    return len(jobs)
