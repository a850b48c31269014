"""A whole PPDB season over real HTTP against the embedded stack of ``make run`` (issue 3, 8):

period config -> school import from XLSX (presigned POST -> S3 -> SQS -> handler) -> 200
applicants pre-register with real uploads -> verification (with a rejection and a fix) ->
registration in four route windows -> a live snapshot read from the public snapshot server ->
final allocation (tick -> SQS -> allocation worker) -> results hidden, then announced -> XLSX
export -> daftar ulang with a race for the last seat -> release of unconfirmed seats -> the seats
left become a tahap 2 period.

Time: the stack runs in this process, so a FixedClock (chalicelib.wiring.use) moves the whole
system through the season; scheduled functions are invoked as EventBridge would
(local.run.invoke_scheduled). The clock starts a day ahead of the real time so that upload
slots (checked against the real S3 event time) never look expired.
"""

from __future__ import annotations

import dataclasses
import io
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests

from chalicelib.core.clock import FixedClock
from chalicelib.wiring import deps, use
from local.run import Stack, invoke_scheduled, start_stack
from tests.support import factories, spreadsheets

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e-season")]

PDF = factories.PDF  # a real PDF: the upload handler parses it
APPLICANTS = 200
ROUTE_SPLIT = {"afirmasi": 40, "mutasi": 10, "domisili": 100, "prestasi": 50}
ROUTE_DOCS = {"afirmasi": ["kip_pkh_kks"], "mutasi": ["surat_tugas_orang_tua"]}
BASE_DOCS = ["kartu_keluarga", "akta_kelahiran", "ijazah_skl"]
SCHOOLS, CAPACITY = 6, 24
WORKERS = 8
TIMEOUT = 60.0
MASKED = re.compile(r"^(\w{1,2}\*\*\*)( \w{1,2}\*\*\*)*$")


@dataclasses.dataclass
class Caller:
    api: str
    token: str | None
    http: requests.Session

    def call(self, method: str, path: str, body: Any = None, expect: int | None = 200,
             headers: dict[str, str] | None = None) -> Any:  # fmt: skip
        hdrs = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.http.request(method, self.api + path, json=body,
                                     headers={**hdrs, **(headers or {})}, timeout=30)  # fmt: skip
        if expect is not None:
            assert response.status_code == expect, f"{method} {path}: {response.text}"
            return response.json() if response.content else None
        return response.status_code, (response.json() if response.content else None)


@dataclasses.dataclass
class Applicant:
    n: int
    sub: str
    token: str
    route: str
    name: str
    nik: str
    verifier: str
    choices: list[str]
    id: str = ""


class Season:
    def __init__(self, stack: Stack, clock: FixedClock) -> None:
        self.stack, self.clock = stack, clock
        self.local = threading.local()
        self.c0 = clock.now()

    def http(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session  # type: ignore[no-any-return]

    def as_(self, token: str | None) -> Caller:
        return Caller(self.stack.api_url, token, self.http())

    def token(self, sub: str, role: str, npsn: str | None = None) -> str:
        return str(self.stack.keys.token(sub, role, npsn=npsn))

    def at(self, when: datetime) -> None:
        self.clock.at = when

    def job(self, name: str) -> Any:
        return invoke_scheduled(name, self.clock.now())


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    running = start_stack(api_port=0, seed=False, scheduler=False)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def season(stack: Stack) -> Iterator[Season]:
    start = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=1)
    clock = FixedClock(start)
    use(dataclasses.replace(deps(), clock=clock))
    try:
        yield Season(stack, clock)
    finally:
        use(None)


def iso(t: datetime) -> str:
    return t.isoformat()


def period_body(c0: datetime) -> dict[str, Any]:
    criteria = {
        "afirmasi": [("zone_score", "desc"), ("age_days", "desc"), ("registration_seq", "asc")],
        "mutasi": [("distance_m", "asc"), ("registration_seq", "asc")],
        "domisili": [("domicile_score", "desc"), ("age_days", "desc"),
                     ("registration_seq", "asc")],
        "prestasi": [("rapor_avg", "desc"), ("age_days", "desc"), ("registration_seq", "asc")],
    }  # fmt: skip
    quota = {"afirmasi": "25", "mutasi": "5", "domisili": "40", "prestasi": "30"}
    spill = {"afirmasi": "domisili", "mutasi": "domisili", "domisili": "prestasi", "prestasi": None}
    routes = []
    for i, rid in enumerate(ROUTE_SPLIT):
        opens = c0 + timedelta(days=i + 1)
        routes.append({
            "id": rid, "family": rid, "quota_percent": quota[rid], "opens_at": iso(opens),
            "closes_at": iso(opens + timedelta(hours=8)),
            "announce_at": iso(c0 + timedelta(days=5, hours=12)),
            "reregister_by": iso(c0 + timedelta(days=7)),
            "criteria": [{"field": f, "order": o} for f, o in criteria[rid]],
            "spill_to": spill[rid], "documents": ROUTE_DOCS.get(rid, []),
        })  # fmt: skip
    return {
        "name": "SPMB SMP Kota Tangerang (uji musim penuh)",
        "level": "SMP",
        "school_year": f"{c0.year}/{c0.year + 1}",
        "prereg_opens_at": iso(c0 - timedelta(hours=1)),
        "prereg_closes_at": iso(c0 + timedelta(days=4)),
        "max_choices": 2,
        "changes_per_day": 3,
        "routes": routes,
    }


def presigned_post(ticket: dict[str, Any], content: bytes, content_type: str) -> None:
    response = requests.post(
        ticket["upload_url"], data=ticket["upload_fields"],
        files={"file": ("berkas", content, content_type)}, timeout=30,
    )  # fmt: skip
    assert response.status_code in (200, 201, 204), response.text


def wait_for(what: str, check: Any, timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def nik_for(birth: date, gender: str, n: int) -> str:
    day = birth.day + (40 if gender == "P" else 0)
    return f"367102{day:02d}{birth.month:02d}{birth.year % 100:02d}{n + 1:04d}"


def import_schools(s: Season, staff: Caller, pid: str) -> list[dict[str, Any]]:
    rows = spreadsheets.school_rows(SCHOOLS, first_npsn=20670000 + random.randint(0, 9000),
                                    capacity=CAPACITY)  # fmt: skip
    for i, row in enumerate(rows):
        row.update(kelurahan=f"KELURAHAN {i}", zone=f"WILAYAH {i % 3 + 1}", rw="002", rt="001")
    ticket = staff.call("POST", f"/v1/admissions/periods/{pid}/school-imports",
                        {"content_type": spreadsheets.XLSX}, expect=201)  # fmt: skip
    presigned_post(ticket, spreadsheets.xlsx_bytes(rows), spreadsheets.XLSX)
    job_path = f"/v1/admissions/periods/{pid}/school-imports/{ticket['import']['id']}"
    job = wait_for(
        "the import", lambda: (j := staff.call("GET", job_path))["status"] != "pending_upload" and j
    )
    assert job["status"] == "done", job
    listed = staff.call("GET", f"/v1/admissions/periods/{pid}/schools")["items"]
    assert len(listed) == SCHOOLS
    assert all(sum(x["seats"].values()) == x["capacity"] == CAPACITY for x in listed)
    return list(listed)


def make_applicants(s: Season, schools: list[dict[str, Any]]) -> list[Applicant]:
    rng = random.Random(3671)  # noqa: S311 - test data
    npsns = [x["npsn"] for x in schools]
    routes = [r for r, k in ROUTE_SPLIT.items() for _ in range(k)]
    people = []
    for n, route in enumerate(routes):
        sub = f"season-parent-{uuid.uuid4().hex[:10]}"
        choices = rng.sample(npsns, 2)
        people.append(Applicant(
            n, sub, s.token(sub, "parent"), route, f"Anak Musim {n:03d} Tangerang",
            nik_for(date(2014, 1, 1) + timedelta(days=rng.randint(0, 600)), "L", n),
            choices[0], choices,
        ))  # fmt: skip
    return people


def preregister(s: Season, a: Applicant, schools: dict[str, dict[str, Any]], pid: str) -> None:
    me = s.as_(a.token)
    home = schools[a.choices[0]]
    birth = nik_birth(a.nik)
    body = {
        "child": {"name": a.name, "nik": a.nik, "nisn": f"{a.n:010d}",
                  "birth_date": birth.isoformat(), "gender": "L"},
        "kk_number": "3671010101010001",
        "kk_issued_on": "2018-03-01",
        "home": {"address": f"Jl. Musim No. {a.n}", "rt": str(1 + a.n % 4), "rw": "2",
                 "kelurahan": home["kelurahan"], "kecamatan": home["kecamatan"],
                 "latitude": home["latitude"] + 0.001, "longitude": home["longitude"]},
        "verifier_npsn": a.verifier,
        "rapor_avg": 70 + (a.n * 7919) % 30,
    }  # fmt: skip
    created = me.call("POST", f"/v1/admissions/periods/{pid}/applications", body, expect=201,
                      headers={"Idempotency-Key": str(uuid.uuid4())})  # fmt: skip
    a.id = created["id"]
    for slot in BASE_DOCS + ROUTE_DOCS.get(a.route, []):
        upload(s, a, slot)


def upload(s: Season, a: Applicant, slot: str) -> None:
    ticket = s.as_(a.token).call(
        "POST",
        f"/v1/admissions/applications/{a.id}/documents",
        {"slot": slot, "content_type": "application/pdf"},
        expect=201,
    )
    presigned_post(ticket, PDF, "application/pdf")


def nik_birth(nik: str) -> date:
    day = int(nik[6:8]) % 40
    return date(2000 + int(nik[10:12]), int(nik[8:10]), day)


def uploads_drained(s: Season) -> None:
    """Wait until S3 -> SQS -> the upload handler has settled every uploaded object."""
    import boto3

    sqs = boto3.client("sqs", endpoint_url=s.stack.moto_url, region_name="ap-southeast-3",
                       aws_access_key_id="local", aws_secret_access_key="local")  # fmt: skip
    url = sqs.get_queue_url(QueueName=s.stack.env["UPLOADS_QUEUE_NAME"])["QueueUrl"]
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]

    def empty() -> bool:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return all(attrs[n] == "0" for n in names)

    wait_for("the uploads queue to drain", lambda: empty() and empty(), timeout=120)


def submit_when_settled(s: Season, a: Applicant) -> dict[str, Any]:
    me = s.as_(a.token)

    def attempt() -> Any:
        status, body = me.call("POST", f"/v1/admissions/applications/{a.id}/submit", expect=None)
        if status == 200:
            return body
        assert status == 409 and body["code"] == "documents_incomplete", body
        time.sleep(0.5)
        return None

    return dict(wait_for(f"documents of {a.n} to settle", attempt))


def review(
    s: Season, a: Applicant, app: dict[str, Any], reject: str | None = None
) -> dict[str, Any]:
    op = s.as_(s.token(f"season-op-{a.verifier}", "school_operator", npsn=a.verifier))
    decisions = [
        {"document_id": r["document_id"], "decision": "rejected" if r["slot"] == reject else "verified",
         **({"reason": "Dokumen tidak terbaca"} if r["slot"] == reject else {})}
        for r in app["requirements"] if r["document_id"] and r["status"] == "uploaded"
    ]  # fmt: skip
    return dict(op.call("POST", f"/v1/admissions/applications/{a.id}/review",
                        {"decisions": decisions}))  # fmt: skip


def pool_map(fn: Any, items: list[Any]) -> list[Any]:
    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(fn, items))


def test_a_whole_season(season: Season) -> None:  # noqa: PLR0915 - one story, told in order
    s = season
    started = time.monotonic()

    def lap(what: str) -> None:
        print(f"[season] {what}: {time.monotonic() - started:.1f} s")  # noqa: T201 - shown with -s

    staff = s.as_(s.token("season-staff", "education_staff"))
    public = s.as_(None)

    # -- 1. period config, 2. schools from XLSX ------------------------------------------------
    period = staff.call("POST", "/v1/admissions/periods", period_body(s.c0), expect=201)
    pid = period["id"]
    schools = {x["npsn"]: x for x in import_schools(s, staff, pid)}

    # -- 3. 200 applicants pre-register with real uploads, verification ------------------------
    lap("period and XLSX import")
    people = make_applicants(s, list(schools.values()))
    pool_map(lambda a: preregister(s, a, schools, pid), people)
    lap("200 pre-registrations with uploads")
    uploads_drained(s)
    submitted = pool_map(lambda a: submit_when_settled(s, a), people)
    lap("uploads settled and submitted")
    fixers = people[:2]
    for a, app in zip(people, submitted, strict=True):
        verdict = review(s, a, app, reject="kartu_keluarga" if a in fixers else None)
        assert verdict["status"] == ("needs_fix" if a in fixers else "verified"), verdict
    for a in fixers:  # the parent sees the reason, uploads a better KK and submits again
        inbox = s.as_(a.token).call("GET", "/v1/notifications")["items"]
        assert any("Dokumen tidak terbaca" in n["body"] for n in inbox)
        upload(s, a, "kartu_keluarga")
        uploads_drained(s)
        again = submit_when_settled(s, a)
        assert review(s, a, again)["status"] == "verified"

    lap("verification")

    # -- registration in each route's window -------------------------------------------------
    by_route: dict[str, list[Applicant]] = {}
    for a in people:
        by_route.setdefault(a.route, []).append(a)
    windows = {r["id"]: r for r in period["routes"]}
    for rid, group in by_route.items():
        s.at(datetime.fromisoformat(windows[rid]["opens_at"]) + timedelta(minutes=5))

        def register(a: Applicant, rid: str = rid) -> None:
            app = s.as_(a.token).call("PUT", f"/v1/admissions/applications/{a.id}/registration",
                                      {"route": rid, "choices": a.choices})  # fmt: skip
            assert app["status"] == "registered" and app["registration"]["route"] == rid

        pool_map(register, group)
        if rid == "domisili":
            # -- a live snapshot while the window is open: public, no token, masked names ------
            s.job("admissions_tick")
            npsn = by_route["domisili"][0].choices[0]
            doc = public.call("GET", f"/snapshots/ppdb/{pid}/domisili/{npsn}.json")
            assert doc["entries"], doc
            assert all(MASKED.match(e["name"]) for e in doc["entries"]), doc["entries"][:3]
            text = str(doc)
            assert not any(a.nik in text or a.name in text for a in people)
            mine = by_route["domisili"][0]
            position = s.as_(mine.token).call(
                "GET", f"/v1/admissions/applications/{mine.id}/position"
            )
            assert position["choices"][0]["npsn"] == npsn

    lap("registration and live snapshot")

    # -- final allocation after the last window, hidden until the announcement ----------------
    s.at(s.c0 + timedelta(days=4, hours=9))
    s.job("admissions_tick")  # requests the final allocation (SQS -> allocation worker)
    latest = wait_for("the final allocation", lambda: (
        r := staff.call("GET", f"/v1/admissions/periods/{pid}/allocations/latest")
    )["status"] == "done" and r)  # fmt: skip
    assert latest["applicants"] == APPLICANTS
    a0 = people[0]
    status, hidden = s.as_(a0.token).call("GET", f"/v1/admissions/applications/{a0.id}/result",
                                          expect=None)  # fmt: skip
    assert (status, hidden["code"]) == (409, "not_announced")
    assert s.as_(a0.token).call("GET", f"/v1/admissions/applications/{a0.id}")["status"] == (
        "registered"
    )

    s.at(s.c0 + timedelta(days=5, hours=12, minutes=1))
    s.job("admissions_tick")  # freezes the announced run
    s.job("admissions_tick")  # queues the result push of every announced route
    told = wait_for("the result notifications", lambda: [
        n for n in s.as_(a0.token).call("GET", "/v1/notifications")["items"]
        if n["kind"] == "ppdb.result"
    ])  # fmt: skip
    assert a0.name in told[0]["body"]
    results = {a.id: s.as_(a.token).call("GET", f"/v1/admissions/applications/{a.id}/result")
               for a in people}  # fmt: skip
    admitted = {aid: r["school"]["npsn"] for aid, r in results.items() if r["admitted"]}
    per_school = Counter(admitted.values())
    assert 0 < len(admitted) <= SCHOOLS * CAPACITY
    assert all(count <= CAPACITY for count in per_school.values())
    for a in people:
        r = results[a.id]
        assert r["explanation"] if "explanation" in r else r["summary"]
        if a.id in admitted:
            assert admitted[a.id] in a.choices
    assert latest["admitted"] == len(admitted)

    lap("final allocation and announcement")

    # -- export per school (staff), parsed back ----------------------------------------------
    busiest = per_school.most_common(1)[0][0]
    export = staff.call("GET", f"/v1/admissions/periods/{pid}/schools/{busiest}/results.xlsx")
    xlsx = requests.get(export["url"], timeout=30)
    assert xlsx.status_code == 200
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    assert sheet is not None
    names = {str(row[3]) for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    expected = {a.name for a in people if admitted.get(a.id) == busiest}
    assert expected <= {n for n in names} and export["rows"] == per_school[busiest]

    # -- daftar ulang with a race for the last seat ------------------------------------------
    at_busiest = [a for a in people if admitted.get(a.id) == busiest]
    assert len(at_busiest) >= 3
    early, racers = at_busiest[:-3], at_busiest[-3:]
    for a in early:
        s.as_(a.token).call("POST", f"/v1/admissions/applications/{a.id}/confirm", {})
    staff.call(
        "PUT",
        f"/v1/admissions/periods/{pid}/schools/{busiest}/reregistration-seats",
        {"seats": len(early) + 1, "reason": "Satu ruang kelas tidak dapat dipakai"},
    )
    op = s.as_(s.token("season-desk", "school_operator", npsn=busiest))
    calls = [(s.as_(a.token), a) for a in racers] + [(op, a) for a in racers]
    gate = threading.Barrier(len(calls))

    def race(pair: tuple[Caller, Applicant]) -> int:
        who, a = pair
        who = Caller(who.api, who.token, requests.Session())
        gate.wait(timeout=30)
        status, _ = who.call("POST", f"/v1/admissions/applications/{a.id}/confirm", {},
                             expect=None)  # fmt: skip
        return int(status)

    with ThreadPoolExecutor(len(calls)) as pool:
        statuses = Counter(pool.map(race, calls))
    assert statuses[200] == 1 and set(statuses) <= {200, 409}, statuses
    leftover = staff.call("GET", f"/v1/admissions/periods/{pid}/leftover-seats")
    row = next(x for x in leftover["items"] if x["npsn"] == busiest)
    assert (row["seats"], row["confirmed"], row["left"]) == (len(early) + 1, len(early) + 1, 0)
    others = [a for a in people if a.id in admitted and admitted[a.id] != busiest]
    confirmed_elsewhere = others[::2]
    for a in confirmed_elsewhere:
        s.as_(a.token).call("POST", f"/v1/admissions/applications/{a.id}/confirm", {},
                            headers={"Idempotency-Key": str(uuid.uuid4())})  # fmt: skip

    # -- statistics: staff and the public aggregate (no personal data) -----------------------
    s.job("admission_release")  # before the deadline: refreshes the statistics only
    stats = public.call("GET", f"/v1/public/admissions/periods/{pid}/statistics")
    assert stats["registrations"] == APPLICANTS
    assert not any(a.name in str(stats) or a.nik in str(stats) for a in people)

    # -- the deadline passes: unconfirmed seats are released and become tahap 2 ---------------
    s.at(s.c0 + timedelta(days=7, minutes=20))
    s.job("admission_release")
    leftover = staff.call("GET", f"/v1/admissions/periods/{pid}/leftover-seats")
    assert leftover["final"] is True
    left = {x["npsn"]: x["left"] for x in leftover["items"]}
    assert sum(left.values()) == leftover["seats"] - leftover["confirmed"] > 0
    released = [a for a in others if a not in confirmed_elsewhere]
    for a in released[:3]:
        app = s.as_(a.token).call("GET", f"/v1/admissions/applications/{a.id}")
        assert app["status"] == "released"

    tahap2 = period_body(s.clock.now())
    tahap2.update(name="SPMB SMP Kota Tangerang Tahap 2 (uji)", stage=2, previous_period_id=pid)
    second = staff.call("POST", "/v1/admissions/periods", tahap2, expect=201)
    schools2 = staff.call("GET", f"/v1/admissions/periods/{second['id']}/schools")["items"]
    assert {x["npsn"]: x["capacity"] for x in schools2} == left
    assert all(sum(x["seats"].values()) == x["capacity"] for x in schools2)
    lap("daftar ulang, release and tahap 2")
