"""PPDB live ranking, final allocation, announcement, results and export (issue 3 section 5),
through the chalice test client and the real job entry points on the embedded moto.

Each test builds its own period (tests/support/ppdb.py) at a random base time between 2010 and
2023 with a FixedClock, so the tick (which looks at every period of the table) does not touch
other tests' periods, whose windows lie around today or in 2027.

The scene: school A and school B, 1 afirmasi + 3 domisili + 1 prestasi seats each. Five
domisili registrations choose A; nobody chooses A in afirmasi, so its afirmasi seat spills to
domisili (4 seats): Siti, Budi, Citra and Dewi are placed, Eko waits. One afirmasi registration
chooses B.
"""

from __future__ import annotations

import dataclasses
import io
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from chalice.test import Client

from chalicelib.admission_results import domain, jobs
from chalicelib.admission_results.final import application_subject, period_subject, result_key
from chalicelib.admissions.application import Application, AppStatus
from chalicelib.admissions.records import PeriodRecord
from chalicelib.admissions.repository import AppChange
from chalicelib.core.aws import client as aws_client
from chalicelib.core.clock import FixedClock
from chalicelib.core.settings import get_settings
from chalicelib.wiring import deps, use
from tests.support import factories
from tests.support.fixtures import Api
from tests.support.ppdb import (
    application,
    period_record,
    period_school,
    store_application,
    store_period,
    take_allocation_messages,
)

SEATS = {"afirmasi": 1, "mutasi": 0, "domisili": 3, "prestasi": 1}
DOMISILI = [  # name, domicile score, age in days, registration number
    ("Siti Aminah", 5.0, 4800.0, 11),
    ("Budi Santoso", 4.0, 4900.0, 12),
    ("Citra Lestari", 4.0, 4700.0, 13),
    ("Dewi Sartika", 3.0, 5000.0, 14),
    ("Eko Prasetyo", 2.0, 5000.0, 15),
]


@dataclass
class Season:
    period: PeriodRecord
    a: str
    b: str
    apps: dict[str, Application]  # by first name
    tokens: dict[str, str]

    @property
    def pid(self) -> str:
        return self.period.id

    def route_time(self, route: str, *, after_open: timedelta = timedelta(hours=1)) -> datetime:
        r = next(r for r in self.period.config.routes if r.id == route)
        return r.opens_at + after_open

    @property
    def closed(self) -> datetime:
        return self.period.last_closing + timedelta(hours=1)

    @property
    def announced(self) -> datetime:
        return self.period.first_announcement + timedelta(minutes=1)

    def parent(self, first_name: str) -> str:
        return self.tokens["parent:" + first_name]


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    fixed = FixedClock(datetime.now(UTC))
    use(dataclasses.replace(deps(), clock=fixed))
    try:
        yield fixed
    finally:
        use(None)


def _registered(p: PeriodRecord, name: str, route: str, npsn: str, score: float, age: float,
                seq: int) -> Application:  # fmt: skip
    return application(
        p,
        status=AppStatus.REGISTERED,
        name=name,
        route=route,
        choices=(npsn,),
        seq=seq,
        attrs={"age_days": age, "registration_seq": float(seq), "rapor_avg": 80.0},
        choice_attrs=({"distance_m": 1234.0, "domicile_score": score, "zone_score": score},),
    )


@pytest.fixture
def season(clock: FixedClock) -> Season:
    from tests.conftest import KEYS

    base = datetime(2010, 1, 1, 1, 0, tzinfo=UTC) + timedelta(days=random.randint(0, 4800))
    p = period_record(base=base)
    a = factories.npsn()
    b = str(int(a) + 1)
    repo = deps().admissions
    period = store_period(
        repo, p, [period_school(a, p, seats=SEATS), period_school(b, p, seats=SEATS)]
    )
    apps: dict[str, Application] = {}
    for name, score, age, seq in DOMISILI:
        apps[name.split()[0]] = store_application(
            repo, _registered(p, name, "domisili", a, score, age, seq)
        )
    apps["Fajar"] = store_application(
        repo, _registered(p, "Fajar Nugroho", "afirmasi", b, 2.0, 4800.0, 3)
    )
    tag = uuid.uuid4().hex[:8]
    tokens = {f"parent:{k}": KEYS.token(v.parent_sub, "parent") for k, v in apps.items()}
    tokens |= {
        "other_parent": KEYS.token(f"parent-x-{tag}", "parent"),
        "op_a": KEYS.token(f"op-a-{tag}", "school_operator", npsn=a),
        "op_b": KEYS.token(f"op-b-{tag}", "school_operator", npsn=b),
        "staff": KEYS.token(f"staff-{tag}", "education_staff"),
        "admin": KEYS.token(f"admin-{tag}", "admin"),
    }
    return Season(period, a, b, apps, tokens)


def snapshot(key: str) -> tuple[dict[str, Any], dict[str, Any]]:
    obj = aws_client("s3").get_object(Bucket=get_settings().snapshots_bucket, Key=key)
    return json.loads(obj["Body"].read()), obj


def run_worker(chalice_client: Client, message: dict[str, Any]) -> dict[str, Any]:
    """Feed one message to the real SQS handler, as Lambda would."""
    event = chalice_client.events.generate_sqs_event(
        message_bodies=[json.dumps(message)], queue_name="tl-edu-allocations"
    )
    return dict(chalice_client.lambda_.invoke("on_allocation_request", event).payload)


def fresh(app: Application) -> Application:
    found = deps().admissions.get_application(app.id)
    assert found is not None
    return found


def allocate_first_run(s: Season, clock: FixedClock, chalice_client: Client) -> None:
    clock.at = s.closed
    assert jobs.tick(deps()).allocations_requested >= 1
    messages = take_allocation_messages(s.pid)
    assert [(m["period_id"], m["run"]) for m in messages] == [(s.pid, 1)]
    assert run_worker(chalice_client, messages[0]) == {"batchItemFailures": []}


# -- live ranking ------------------------------------------------------------------------------


def test_tick_publishes_ranked_masked_snapshots_of_open_routes(
    season: Season, clock: FixedClock, chalice_client: Client
) -> None:
    s = season
    clock.at = s.route_time("domisili")
    event = chalice_client.events.generate_cw_event(
        source="aws.events", detail_type="Scheduled Event", detail={}, resources=[]
    )
    ran = chalice_client.lambda_.invoke("admissions_tick", event).payload
    assert ran["snapshots"] >= 2 and ran["errors"] == 0

    doc, obj = snapshot(f"ppdb/{s.pid}/domisili/{s.a}.json")
    assert obj["CacheControl"] == "public, max-age=60"
    assert obj["ContentType"] == "application/json"
    assert doc["seats"] == 4  # 3 domisili + the unused afirmasi seat
    assert [e["name"] for e in doc["entries"]] == [
        "Si*** Am***", "Bu*** Sa***", "Ci*** Le***", "De*** Sa***",
    ]  # fmt: skip
    assert [e["position"] for e in doc["entries"]] == [1, 2, 3, 4]
    age = domain.age_text(4800.0, domain.age_reference(s.period.config))
    assert doc["entries"][0]["values"] == {
        "domicile_score": 5, "age_days": age, "registration_seq": 11,
    }  # fmt: skip
    assert doc["cutoff"] == doc["entries"][3]["values"]
    assert doc["waiting"] == 1 and len(doc["waiting_refs"]) == 1
    assert doc["generated_at"].endswith("Z") and doc["generated_at_wib"].endswith("WIB")
    text = json.dumps(doc)
    for app in s.apps.values():
        for secret in (app.id, app.child.nisn, app.child.birth_date.isoformat(), app.home.address,
                       app.child.nik_hmac, app.child.name):  # fmt: skip
            assert secret and secret not in text

    empty, _ = snapshot(f"ppdb/{s.pid}/domisili/{s.b}.json")
    assert empty["entries"] == [] and empty["cutoff"] is None
    index, _ = snapshot(f"ppdb/{s.pid}/index.json")
    assert {x["npsn"] for x in index["schools"]} == {s.a, s.b}
    live = {r["id"]: (r["live"], r["published"]) for r in index["routes"]}
    assert live == {
        "afirmasi": (False, True), "mutasi": (False, True),
        "domisili": (True, True), "prestasi": (False, False),
    }  # fmt: skip
    # afirmasi closed days ago: not republished
    assert deps().snapshots.exists(f"ppdb/{s.pid}/afirmasi/{s.b}.json") is False


def test_parent_operator_and_staff_see_the_position_others_do_not(
    season: Season, clock: FixedClock, api: Api
) -> None:
    s = season
    eko, siti = s.apps["Eko"], s.apps["Siti"]
    path = f"/v1/admissions/applications/{eko.id}/position"
    clock.at = s.route_time("domisili")
    status, body, _ = api.call("GET", path, s.parent("Eko"))
    assert (status, body["code"]) == (404, "no_snapshot")

    jobs.tick(deps())
    status, body, _ = api.call("GET", path, s.parent("Eko"))
    assert status == 200, body
    assert body["school"] is None
    [choice] = body["choices"]
    assert (choice["status"], choice["position"], choice["seats"]) == ("waiting", 5, 4)
    assert choice["snapshot_url"].endswith(f"/ppdb/{s.pid}/domisili/{s.a}.json")
    doc, _ = snapshot(f"ppdb/{s.pid}/domisili/{s.a}.json")
    assert doc["waiting_refs"] == [body["ref"]]

    status, mine, _ = api.call("GET", f"/v1/admissions/applications/{siti.id}/position",
                               s.parent("Siti"))  # fmt: skip
    assert status == 200 and mine["school"] == s.a
    assert (mine["choices"][0]["status"], mine["choices"][0]["position"]) == ("admitted", 1)
    assert doc["entries"][0]["ref"] == mine["ref"]

    for who in ("op_a", "staff"):
        assert api.call("GET", path, s.tokens[who])[0] == 200, who
    for who in ("other_parent", "op_b"):
        status, denied, _ = api.call("GET", path, s.tokens[who])
        assert (status, denied["code"]) == (404, "application_not_found"), who
        assert "Eko" not in json.dumps(denied)
    assert api.call("GET", path, s.parent("Siti"))[0] == 404
    assert api.call("GET", path, s.tokens["admin"])[0] == 403
    assert api.call("GET", path)[0] == 401
    assert api.call("GET", "/v1/admissions/applications/3671011705120001/position",
                    s.tokens["staff"])[0] == 404  # fmt: skip


# -- final allocation, announcement, results ---------------------------------------------------


def test_final_allocation_runs_once_then_results_show_after_the_announcement(
    season: Season, clock: FixedClock, chalice_client: Client, api: Api
) -> None:
    s = season
    staff = s.tokens["staff"]
    allocations = f"/v1/admissions/periods/{s.pid}/allocations"
    clock.at = s.period.config.routes[0].opens_at + timedelta(minutes=5)  # nothing closed yet
    status, body, _ = api.call("POST", allocations, staff, {"reason": "uji"})
    assert (status, body["code"]) == (409, "window_open")

    allocate_first_run(s, clock, chalice_client)
    period = deps().admissions.get_period(s.pid)
    assert period is not None
    assert (period.allocation_requested, period.allocation_run, period.announced_run) == (
        1,
        1,
        None,
    )
    outcomes = {k: fresh(a) for k, a in s.apps.items()}
    assert {k: (a.status, a.outcome.school if a.outcome else "-") for k, a in outcomes.items()} == {
        "Siti": (AppStatus.ADMITTED, s.a),
        "Budi": (AppStatus.ADMITTED, s.a),
        "Citra": (AppStatus.ADMITTED, s.a),
        "Dewi": (AppStatus.ADMITTED, s.a),
        "Eko": (AppStatus.NOT_ADMITTED, None),
        "Fajar": (AppStatus.ADMITTED, s.b),
    }
    eko = outcomes["Eko"].outcome
    assert eko is not None and eko.run == 1 and eko.ranks == (5,)
    assert eko.cutoffs == ((3.0, 5000.0, 14.0),) and eko.values == ((2.0, 5000.0, 15.0),)
    stored = json.loads(deps().storage.read(result_key(s.pid, 1)))
    assert stored["assignments"][s.apps["Eko"].id] is None
    assert stored["seats"][s.a]["domisili"] == {"capacity": 4, "admitted": 4}
    counters = {c.npsn: (c.seats, c.confirmed) for c in deps().admissions.seat_counters(s.pid)}
    assert counters == {s.a: (5, 0), s.b: (5, 0)}
    status, latest, _ = api.call("GET", allocations + "/latest", staff)
    assert status == 200, latest
    assert (latest["run"], latest["status"], latest["applicants"], latest["admitted"]) == (
        1, "done", 6, 5,
    )  # fmt: skip
    assert latest["summary"][s.a]["domisili"] == 4

    # a duplicate delivery of the same message changes nothing
    assert jobs.allocate({"period_id": s.pid, "run": 1}, deps()) == "duplicate"
    assert {k: fresh(a).version for k, a in outcomes.items()} == {
        k: a.version for k, a in outcomes.items()
    }

    # hidden until the announcement
    result = f"/v1/admissions/applications/{s.apps['Eko'].id}/result"
    for who in (s.parent("Eko"), staff):
        status, body, _ = api.call("GET", result, who)
        assert (status, body["code"]) == (409, "not_announced"), body
        assert body["announce_at_wib"].endswith("WIB")
    clock.at = s.period.first_announcement - timedelta(minutes=5)
    assert jobs.tick(deps()).announced == 0
    clock.at = s.announced
    assert jobs.tick(deps()).announced >= 1
    period = deps().admissions.get_period(s.pid)
    assert period is not None and period.announced_run == 1

    status, body, _ = api.call("GET", result, s.parent("Eko"))
    assert status == 200, body
    assert (body["admitted"], body["school"], body["run"]) == (False, None, 1)
    [choice] = body["choices"]
    assert (choice["rank"], choice["seats"], choice["admitted"]) == (5, 4, False)
    assert choice["explanation"].startswith(
        f"Pilihan 1 (SMP Negeri {s.a[-2:]} Tangerang): tidak diterima. Peringkat Anda 5 dari 4 "
        "kursi; nilai terakhir yang diterima: skor domisili 3, usia "
    )
    assert choice["cutoff"]["domicile_score"] == 3 and choice["values"]["domicile_score"] == 2
    status, siti, _ = api.call("GET", f"/v1/admissions/applications/{s.apps['Siti'].id}/result",
                               s.parent("Siti"))  # fmt: skip
    assert status == 200 and siti["admitted"] is True and siti["school"]["npsn"] == s.a
    assert siti["summary"].startswith("Selamat")
    assert "DITERIMA" in siti["choices"][0]["explanation"]

    # the admitted school's operator sees its own applicants only
    siti_result = f"/v1/admissions/applications/{s.apps['Siti'].id}/result"
    assert api.call("GET", siti_result, s.tokens["op_a"])[0] == 200
    assert api.call("GET", result, s.tokens["op_a"])[0] == 404  # Eko chose A, not admitted
    assert api.call("GET", siti_result, s.tokens["op_b"])[0] == 404
    assert api.call("GET", result, s.tokens["other_parent"])[0] == 404
    assert api.call("GET", result, s.tokens["admin"])[0] == 403

    # announced: no re-run of announced routes, a late message is a no-op
    status, body, _ = api.call("POST", allocations, staff, {})
    assert (status, body["code"]) == (409, "already_announced")
    assert jobs.allocate({"period_id": s.pid, "run": 1}, deps()) == "duplicate"


def test_staff_rerun_before_the_announcement_supersedes_the_first(
    season: Season, clock: FixedClock, chalice_client: Client, api: Api
) -> None:
    s = season
    allocate_first_run(s, clock, chalice_client)
    status, body, _ = api.call(
        "POST", f"/v1/admissions/periods/{s.pid}/allocations", s.tokens["staff"],
        {"reason": "data domisili diperbaiki"},
    )  # fmt: skip
    assert (status, body) == (202, {"period_id": s.pid, "run": 2, "status": "queued"})
    for who in ("op_a", "parent:Siti", "admin"):
        assert api.call("POST", f"/v1/admissions/periods/{s.pid}/allocations", s.tokens[who],
                        {})[0] == 403  # fmt: skip
    [message] = take_allocation_messages(s.pid)
    assert message["run"] == 2
    trail, _ = deps().audit.for_subject(period_subject(s.pid), 20, None)
    assert "run 2 (4 jalur): data domisili diperbaiki" in {e.detail for e in trail}
    # the tick does not freeze while run 2 is pending, even after the announcement time
    clock.at = s.announced
    assert jobs.tick(deps()).announced == 0
    assert jobs.allocate({"period_id": s.pid, "run": 1}, deps()) == "superseded"
    assert jobs.allocate(message, deps()) == "done"
    assert {fresh(a).outcome.run for a in s.apps.values()} == {2}  # type: ignore[union-attr]
    assert deps().storage.exists(result_key(s.pid, 1)) and deps().storage.exists(
        result_key(s.pid, 2)
    )
    jobs.tick(deps())
    period = deps().admissions.get_period(s.pid)
    assert period is not None and (period.allocation_run, period.announced_run) == (2, 2)


def test_tick_resends_a_request_whose_message_was_lost(season: Season, clock: FixedClock) -> None:
    s = season
    clock.at = s.closed
    jobs.tick(deps())
    assert len(take_allocation_messages(s.pid)) == 1  # "lost": taken off the queue, never processed
    jobs.tick(deps())
    assert [m["run"] for m in take_allocation_messages(s.pid)] == [1]
    period = deps().admissions.get_period(s.pid)
    assert period is not None and period.allocation_requested == 1


# -- export ------------------------------------------------------------------------------------


def test_school_results_export_as_xlsx(
    season: Season, clock: FixedClock, chalice_client: Client, api: Api
) -> None:
    from openpyxl import load_workbook

    s = season
    path = f"/v1/admissions/periods/{s.pid}/schools/{s.a}/results.xlsx"
    clock.at = s.route_time("domisili")
    status, body, _ = api.call("GET", path, s.tokens["staff"])
    assert (status, body["code"]) == (409, "no_run")
    allocate_first_run(s, clock, chalice_client)
    status, body, _ = api.call("GET", path, s.tokens["op_a"])
    assert (status, body["code"]) == (409, "not_announced")
    assert api.call("GET", path, s.tokens["staff"])[0] == 200  # staff: once a run is done

    clock.at = s.announced
    jobs.tick(deps())
    status, body, _ = api.call("GET", path, s.tokens["op_a"])
    assert status == 200, body
    assert (body["rows"], body["run"], body["expires_in"]) == (4, 1, 300)
    download = requests.get(body["url"], timeout=10)
    assert download.status_code == 200
    rows = list(load_workbook(io.BytesIO(download.content), read_only=True).active.values)
    assert rows[1][:6] == ("No", "Jalur", "Peringkat", "Nama", "NISN", "No. pendaftaran")
    assert rows[1][-1] == "Status"
    data = rows[2:]
    assert [r[3] for r in data] == ["Siti Aminah", "Budi Santoso", "Citra Lestari", "Dewi Sartika"]
    assert [(r[0], r[1], r[2]) for r in data] == [(i, "domisili", i) for i in range(1, 5)]
    assert data[0][4] == s.apps["Siti"].child.nisn and data[0][5] == 11
    assert {r[-1] for r in data} == {"admitted"}
    audit, _ = deps().audit.for_subject(application_subject(s.apps["Siti"].id), 20, None)
    assert "export" in {e.action for e in audit}

    for who, code in (("op_b", 404), ("parent:Siti", 403), ("admin", 403)):
        assert api.call("GET", path, s.tokens[who])[0] == code, who
    assert api.call("GET", f"/v1/admissions/periods/{s.pid}/schools/99999999/results.xlsx",
                    s.tokens["staff"])[0] == 404  # fmt: skip
    assert api.call("GET", f"/v1/admissions/periods/nope{s.pid}/schools/{s.a}/results.xlsx",
                    s.tokens["staff"])[0] == 404  # fmt: skip


def test_a_redelivered_run_resumes_where_it_stopped_and_never_rewrites_the_result(
    season: Season, clock: FixedClock, chalice_client: Client
) -> None:
    s = season
    allocate_first_run(s, clock, chalice_client)
    d = deps()
    run = d.admissions.get_run(s.pid, 1)
    assert run is not None and run.status == "done"
    # as if the worker died after the result and some outcomes were written
    d.admissions.save_run(dataclasses.replace(run, status="running"))
    eko = fresh(s.apps["Eko"])
    d.admissions.commit(
        AppChange(dataclasses.replace(eko, status=AppStatus.REGISTERED, outcome=None), eko.version)
    )
    others = {k: fresh(a).version for k, a in s.apps.items() if k != "Eko"}
    assert jobs.allocate({"period_id": s.pid, "run": 1}, d) == "done"
    again = fresh(s.apps["Eko"])
    assert again.status is AppStatus.NOT_ADMITTED and again.outcome is not None
    assert {k: fresh(a).version for k, a in s.apps.items() if k != "Eko"} == others
    versions = aws_client("s3").list_object_versions(
        Bucket=get_settings().documents_bucket, Prefix=result_key(s.pid, 1)
    )["Versions"]
    assert [v["Key"] for v in versions] == [result_key(s.pid, 1)]


def test_a_registration_that_cannot_be_ranked_fails_the_run_loudly(
    season: Season, clock: FixedClock, chalice_client: Client
) -> None:
    s = season
    d = deps()
    bad = _registered(s.period, "Gita Permata", "domisili", s.a, 4.0, 4800.0, 16)
    reg = bad.registration
    assert reg is not None
    store_application(
        d.admissions,
        dataclasses.replace(bad, registration=dataclasses.replace(reg, choice_attrs=({},))),
    )
    clock.at = s.closed
    jobs.tick(d)
    [message] = take_allocation_messages(s.pid)
    with pytest.raises(BatchProcessingError, match="cannot be ranked"):
        run_worker(chalice_client, message)  # the invocation fails: SQS retries, then the DLQ
    assert {fresh(a).status for a in s.apps.values()} == {AppStatus.REGISTERED}
