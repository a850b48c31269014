"""The scene both API benchmarks drive: an in-process moto server with the resources of
infra/resources.json (the set-up of tests/conftest.py), seeded schools and callers of every role,
and full flows through chalice.test.Client: four transfers (inside the city draft -> completed,
cross-boundary with office review, revision -> resubmit -> reject, draft -> cancel) and one PPDB
period from its configuration to daftar ulang (the scheduled jobs and the allocation worker run
like requests).

A ``Probe`` wraps ``BaseClient._make_api_call`` (PynamoDB and every boto3 client, Powertools
idempotency included, go through it) and ``Endpoint._send`` (the HTTP exchange with moto) in this
process; each request or job message is measured on its own: calls per service and operation,
wall time, the calling thread's CPU time, and the wall time spent waiting for moto.

Used by ``benchmarks.dynamodb_calls`` (one round) and ``benchmarks.endpoint_durations``
(a warm-up round, then N measured rounds, with ``every_route`` adding the routes the first does
not need).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import botocore.client
import botocore.endpoint
import requests
from moto.server import ThreadedMotoServer

STAGE = "bench"
REGION = "ap-southeast-3"
PARENT_SLOTS = ["surat_permohonan_orang_tua", "rapor_terakhir", "kartu_keluarga", "akta_kelahiran"]
PROCESS = "SQS on_upload_event (documents.handlers.process, per message)"


class FlowError(RuntimeError):
    """A step of the flow did not answer as the flow expects."""


@dataclass(frozen=True)
class Timing:
    """One request or job message, measured in this process."""

    wall: float  # seconds, perf_counter around the request
    cpu: float  # seconds of CPU of the calling thread (moto's server threads excluded)
    aws_wait: float  # seconds spent inside Endpoint._send (HTTP to moto + moto's own work)
    calls: tuple[tuple[str, int], ...]  # (service, count) of AWS API calls, all services

    @property
    def app(self) -> float:
        """Wall time outside the AWS exchanges: the application's own time."""
        return max(self.wall - self.aws_wait, 0.0)


class DynamoCounter:
    """Counts DynamoDB operations made by any botocore client of this process, and times every
    request: wall, thread CPU and the time spent waiting for the AWS stand-in."""

    def __init__(self) -> None:
        self.ops: Counter[str] = Counter()
        self.services: Counter[str] = Counter()
        self.aws_wait = 0.0
        self.last = Timing(0.0, 0.0, 0.0, ())
        self._original: Callable[..., Any] | None = None
        self._original_send: Callable[..., Any] | None = None

    def install(self) -> None:
        original = botocore.client.BaseClient._make_api_call
        original_send = botocore.endpoint.Endpoint._send
        counter = self

        def counting(client: Any, operation_name: str, api_params: Any) -> Any:
            service = client.meta.service_model.service_name
            counter.services[service] += 1
            if service == "dynamodb":
                counter.ops[operation_name] += 1
            return original(client, operation_name, api_params)

        def timed_send(endpoint: Any, request: Any) -> Any:
            started = time.perf_counter()
            try:
                return original_send(endpoint, request)
            finally:
                counter.aws_wait += time.perf_counter() - started

        self._original, self._original_send = original, original_send
        botocore.client.BaseClient._make_api_call = counting
        botocore.endpoint.Endpoint._send = timed_send

    def uninstall(self) -> None:
        if self._original is not None:
            botocore.client.BaseClient._make_api_call = self._original
        if self._original_send is not None:
            botocore.endpoint.Endpoint._send = self._original_send

    @contextlib.contextmanager
    def measure(self) -> Iterator[Counter[str]]:
        self.ops.clear()
        self.services.clear()
        self.aws_wait = 0.0
        taken: Counter[str] = Counter()
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield taken
        finally:
            cpu = time.thread_time() - cpu
            wall = time.perf_counter() - wall
            taken.update(self.ops)
            self.last = Timing(wall, cpu, self.aws_wait, tuple(sorted(self.services.items())))


@dataclass
class Row:
    endpoint: str
    role: str
    samples: list[Counter[str]] = field(default_factory=list)
    timings: list[Timing] = field(default_factory=list)


@dataclass
class Bench:
    client: Any
    counter: DynamoCounter
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)

    def record(self, endpoint: str, role: str, ops: Counter[str]) -> None:
        row = self.rows.setdefault((endpoint, role), Row(endpoint, role))
        row.samples.append(ops)
        row.timings.append(self.counter.last)

    def call(
        self,
        role: str,
        method: str,
        template: str,
        token: str | None = None,
        body: Any = None,
        expect: int = 200,
        label: str = "",
        headers: dict[str, str] | None = None,
        **params: str,
    ) -> Any:
        path = template.format(**params)
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        raw = b"" if body is None else json.dumps(body).encode()
        with self.counter.measure() as ops:
            response = self.client.http.request(method, path, headers=hdrs, body=raw)
        text = response.body.decode() if response.body else ""
        if response.status_code != expect:
            raise FlowError(f"{method} {path} as {role}: {response.status_code} {text}")
        self.record(f"{method} {template}{label}", role, ops)
        return json.loads(text) if text else None

    def settle_uploads(self, queue_url: str) -> None:
        """Hand what S3 put on the uploads queue to the real handler, one message per batch."""
        from chalicelib.core.aws import client as aws_client
        from chalicelib.documents.handlers import process
        from local.run import sqs_event

        sqs = aws_client("sqs")
        while True:
            got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=0)
            messages = got.get("Messages", [])
            if not messages:
                return
            m = messages[0]
            with self.counter.measure() as ops:
                result = process(sqs_event([m], f"arn:aws:sqs:{REGION}:123456789012:uploads"))
            if result.get("batchItemFailures"):
                raise FlowError(f"upload handler failed: {result}")
            if "ObjectCreated" in m["Body"]:
                self.record(PROCESS, "system", ops)
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


@dataclass
class World:
    origin: str
    destination: str
    outside: str
    tokens: dict[str, str]
    queue_url: str


def start_stack() -> tuple[ThreadedMotoServer, Any]:
    """Moto server + environment + resources from infra/resources.json, like tests/conftest.py."""
    from local import devauth
    from local.run import start_moto

    server, endpoint = start_moto()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    keys = devauth.generate()
    from local.run import settings_env

    env = settings_env(endpoint, "https://edu.example.test", keys) | {"STAGE": STAGE}
    env["POWERTOOLS_METRICS_DISABLED"] = "true"
    os.environ.update(env)
    from local.resources import create_resources

    os.environ.update(create_resources(endpoint_url=endpoint, stage=STAGE))
    return server, keys


def seed(keys: Any) -> World:
    from chalicelib.core.aws import client as aws_client
    from chalicelib.core.settings import get_settings
    from chalicelib.schools.domain import Level, School
    from chalicelib.wiring import deps
    from tests.support import factories

    d = deps()

    def school(kabkota: str, seats: dict[int, int]) -> str:
        npsn = factories.npsn()
        kabkota_name = "Kota Tangerang" if kabkota == "3671" else "Kabupaten Tangerang"
        d.schools.put(
            School(
                npsn,
                f"SMP Uji {npsn}",
                Level.SMP,
                kabkota,
                kabkota_name,
                "Karawaci",
                "Jl. Uji No. 1",
            )
        )
        for grade, free in seats.items():
            d.schools.set_seats(npsn, grade, free, "bench", datetime.now(UTC))
        return npsn

    origin = school("3671", {8: 5})
    destination = school("3671", {7: 5, 8: 5, 9: 5})
    outside = school("3603", {8: 5})
    tag = uuid.uuid4().hex[:8]
    tokens = {
        "parent": keys.token(f"parent-{tag}", "parent", name="Budi"),
        "origin_op": keys.token(f"op-o-{tag}", "school_operator", npsn=origin),
        "destination_op": keys.token(f"op-d-{tag}", "school_operator", npsn=destination),
        "outside_op": keys.token(f"op-x-{tag}", "school_operator", npsn=outside),
        "staff": keys.token(f"staff-{tag}", "education_staff"),
    }
    queue = get_settings().uploads_queue_name
    queue_url = aws_client("sqs").get_queue_url(QueueName=queue)["QueueUrl"]
    return World(origin, destination, outside, tokens, queue_url)


T = "/v1/transfers/{transfer_id}"


def create(b: Bench, w: World, destination: str, headers: dict[str, str] | None = None) -> str:
    from tests.support.factories import transfer_body

    body = transfer_body(w.origin, destination)
    label = " (Idempotency-Key, first)" if headers else ""
    created = b.call(
        "parent", "POST", "/v1/transfers", w.tokens["parent"], body, 201, label, headers
    )
    if headers:
        b.call(
            "parent",
            "POST",
            "/v1/transfers",
            w.tokens["parent"],
            body,
            201,
            " (Idempotency-Key, replay)",
            headers,
        )
    return str(created["id"])


def submit_with_documents(b: Bench, w: World, tid: str) -> None:
    for slot in PARENT_SLOTS:
        upload(b, w, "parent", tid, slot)
    act(b, w, "parent", "submit", tid)


ROLE_OF = {
    "parent": "parent",
    "origin_op": "operator (origin)",
    "destination_op": "operator (destination)",
    "outside_op": "operator (destination, other city)",
    "staff": "education_staff",
}


def upload(b: Bench, w: World, who: str, tid: str, slot: str) -> None:
    """Open an upload, POST the file to S3 (moto) as a browser would, settle it via SQS."""
    from tests.support.factories import PDF

    ticket = b.call(
        ROLE_OF[who],
        "POST",
        T + "/documents",
        w.tokens[who],
        {"slot": slot, "content_type": "application/pdf"},
        expect=201,
        transfer_id=tid,
    )
    response = requests.post(
        ticket["upload_url"],
        data=ticket["upload_fields"],
        files={"file": ("dokumen", PDF, "application/pdf")},
        timeout=10,
    )
    if response.status_code not in (200, 201, 204):
        raise FlowError(f"presigned POST: {response.status_code} {response.text}")
    b.settle_uploads(w.queue_url)


def act(b: Bench, w: World, who: str, action: str, tid: str, reason: str = "") -> dict[str, Any]:
    role = ROLE_OF[who]
    body = {"reason": reason} if reason else {}
    result: dict[str, Any] = b.call(
        role, "POST", T + "/" + action, w.tokens[who], body, transfer_id=tid
    )
    return result


def directory_and_meta(b: Bench, w: World) -> None:
    b.call("public", "GET", "/v1/health")
    b.call("public", "GET", "/v1/openapi.json")
    b.call("parent", "GET", "/v1/schools", w.tokens["parent"])
    b.call("parent", "GET", "/v1/schools/{npsn}", w.tokens["parent"], npsn=w.destination)
    b.call("parent", "GET", "/v1/schools/{npsn}/seats", w.tokens["parent"], npsn=w.destination)
    b.call(
        "operator (destination)",
        "PUT",
        "/v1/schools/{npsn}/seats/{grade}",
        w.tokens["destination_op"],
        {"free_seats": 6},
        npsn=w.destination,
        grade="8",
    )


def inside_city(b: Bench, w: World) -> None:
    """Draft -> completed inside Kota Tangerang, with every read along the way."""
    tid = create(b, w, w.destination)
    t = b.call("parent", "GET", T, w.tokens["parent"], transfer_id=tid)
    b.call(
        "parent",
        "PATCH",
        T,
        w.tokens["parent"],
        {"version": t["version"], "reason": "Orang tua pindah tugas ke Cibodas"},
        transfer_id=tid,
    )
    submit_with_documents(b, w, tid)
    docs = b.call("parent", "GET", T + "/documents", w.tokens["parent"], transfer_id=tid)
    b.call(
        "parent",
        "GET",
        T + "/documents/{document_id}/download",
        w.tokens["parent"],
        transfer_id=tid,
        document_id=docs["items"][0]["id"],
    )
    op = w.tokens["destination_op"]
    b.call("operator (destination)", "GET", "/v1/worklist", op)
    b.call("operator (destination)", "GET", "/v1/transfers?side=incoming", op)
    b.call("operator (destination)", "GET", T, op, transfer_id=tid)
    act(b, w, "destination_op", "accept", tid)
    upload(b, w, "origin_op", tid, "surat_keterangan_pindah")
    released = act(b, w, "origin_op", "release", tid)
    if released["state"] != "approved":
        raise FlowError(f"expected approved after release, got {released['state']}")
    letter = b.call("parent", "GET", T + "/letter", w.tokens["parent"], transfer_id=tid)
    b.call("public", "GET", "/v1/public/letters/{code}", code=letter["code"])
    act(b, w, "origin_op", "confirm-dapodik", tid)
    done = act(b, w, "destination_op", "confirm-dapodik", tid)
    if done["state"] != "completed":
        raise FlowError(f"expected completed, got {done['state']}")
    b.call("parent", "GET", T + "/timeline", w.tokens["parent"], transfer_id=tid)
    b.call("parent", "GET", "/v1/transfers", w.tokens["parent"])
    b.call("education_staff", "GET", T + "/audit", w.tokens["staff"], transfer_id=tid)
    b.call(
        "education_staff",
        "POST",
        T + "/letter/revoke",
        w.tokens["staff"],
        {"reason": "Diterbitkan untuk sekolah yang salah"},
        transfer_id=tid,
    )
    inbox = b.call("parent", "GET", "/v1/notifications", w.tokens["parent"])
    b.call("parent", "GET", "/v1/notifications/unread-count", w.tokens["parent"])
    b.call(
        "parent",
        "POST",
        "/v1/notifications/{notification_id}/read",
        w.tokens["parent"],
        notification_id=inbox["items"][0]["id"],
    )


def cross_boundary(b: Bench, w: World) -> None:
    """To Kabupaten Tangerang: office asks for review, then approves after the release."""
    key = {"Idempotency-Key": str(uuid.uuid4())}
    tid = create(b, w, w.outside, headers=key)
    submit_with_documents(b, w, tid)
    act(b, w, "staff", "request-review", tid, "Periksa domisili baru")
    act(b, w, "outside_op", "accept", tid)
    upload(b, w, "origin_op", tid, "surat_keterangan_pindah")
    released = act(b, w, "origin_op", "release", tid)
    if released["state"] != "under_review":
        raise FlowError(f"expected under_review after release, got {released['state']}")
    staff = w.tokens["staff"]
    b.call("education_staff", "GET", "/v1/worklist", staff)
    b.call("education_staff", "GET", "/v1/transfers?state=under_review", staff)
    act(b, w, "staff", "approve", tid)


def revised_then_rejected_and_cancelled(b: Bench, w: World) -> None:
    tid = create(b, w, w.destination)
    submit_with_documents(b, w, tid)
    act(b, w, "destination_op", "request-revision", tid, "Rapor belum dilegalisir")
    act(b, w, "parent", "submit", tid)
    act(b, w, "staff", "reject", tid, "Data siswa tidak sesuai Dapodik")
    act(b, w, "parent", "cancel", create(b, w, w.destination))


P = "/v1/admissions/periods/{period_id}"
A = "/v1/admissions/applications/{application_id}"


def ppdb_season(b: Bench, w: World, keys: Any, every_route: bool = False) -> None:
    """One PPDB period: config, XLSX school import, pre-registration with uploads, verification,
    registration, the tick (snapshots, allocation request), the allocation worker, results,
    daftar ulang, statistics. Time moves with a FixedClock; jobs are measured like requests.
    ``every_route`` adds the PPDB routes the flow does not need: a period change before it
    opens, an application's correction, its document list and a download, a staff re-run of the
    allocation, and a correction of a school's daftar ulang seats."""
    import dataclasses
    from datetime import timedelta

    from chalicelib.core.clock import FixedClock
    from chalicelib.wiring import deps, use
    from tests.support import spreadsheets
    from tests.support.factories import PDF, nik
    from tests.support.ppdb import T0
    from tests.support.ppdb_api import period_body

    clock = FixedClock(T0 - timedelta(days=10))
    use(dataclasses.replace(deps(), clock=clock))
    staff, parent = w.tokens["staff"], w.tokens["parent"]
    try:
        period = b.call("education_staff", "POST", "/v1/admissions/periods", staff, period_body(),
                        201)  # fmt: skip
        pid = period["id"]
        rows = spreadsheets.school_rows(3)
        npsns = [r["npsn"] for r in rows]
        ticket = b.call("education_staff", "POST", P + "/school-imports", staff,
                        {"content_type": spreadsheets.XLSX}, 201, period_id=pid)  # fmt: skip
        requests.post(
            ticket["upload_url"],
            data=ticket["upload_fields"],
            timeout=10,
            files={"file": ("s.xlsx", spreadsheets.xlsx_bytes(rows), spreadsheets.XLSX)},
        )
        b.settle_uploads(w.queue_url)
        b.call("education_staff", "GET", P + "/school-imports/{import_id}", staff, period_id=pid,
               import_id=ticket["import"]["id"])  # fmt: skip
        b.call("parent", "GET", P + "/schools", parent, period_id=pid)
        b.call("parent", "GET", "/v1/admissions/periods", parent)
        seen = b.call("parent", "GET", P, parent, period_id=pid)
        if every_route:
            b.call("education_staff", "PUT", P, staff,
                   period_body() | {"version": seen["version"]}, period_id=pid)  # fmt: skip
        op = keys.token("op-ppdb", "school_operator", npsn=npsns[0])
        birth = T0.date().replace(year=2014, month=8, day=17)
        body = {"child": {"name": "Siti Aminah", "nik": nik(birth, "P"), "nisn": "0123456789",
                          "birth_date": birth.isoformat(), "gender": "P"},
                "kk_number": "3671010101010001", "kk_issued_on": "2019-02-01",
                "home": {"address": "Jl. Mawar 3", "rt": "1", "rw": "2",
                         "kelurahan": "Sukasari", "kecamatan": "Tangerang",
                         "latitude": -6.18, "longitude": 106.63},
                "verifier_npsn": npsns[0], "rapor_avg": 88.0}  # fmt: skip
        app = b.call("parent", "POST", P + "/applications", parent, body, 201, period_id=pid)
        aid = app["id"]
        if every_route:
            b.call("parent", "PATCH", A, parent, {"version": app["version"], "rapor_avg": 88.5},
                   application_id=aid)  # fmt: skip
        for slot in ("kartu_keluarga", "akta_kelahiran", "ijazah_skl"):
            t = b.call("parent", "POST", A + "/documents", parent,
                       {"slot": slot, "content_type": "application/pdf"}, 201,
                       application_id=aid)  # fmt: skip
            requests.post(
                t["upload_url"],
                data=t["upload_fields"],
                timeout=10,
                files={"file": ("d.pdf", PDF, "application/pdf")},
            )
            b.settle_uploads(w.queue_url)
        submitted = b.call("parent", "POST", A + "/submit", parent, {}, application_id=aid)
        if every_route:
            listed = b.call("parent", "GET", A + "/documents", parent, application_id=aid)
            b.call("parent", "GET", A + "/documents/{document_id}/download", parent,
                   application_id=aid, document_id=listed["items"][0]["id"])  # fmt: skip
        b.call("operator (verifying school)", "GET", P + "/verification-queue", op, period_id=pid)
        b.call("operator (verifying school)", "GET", A, op, application_id=aid)
        decisions = [{"document_id": r["document_id"], "decision": "verified"}
                     for r in submitted["requirements"] if r["document_id"]]  # fmt: skip
        b.call("operator (verifying school)", "POST", A + "/review", op,
               {"decisions": decisions}, application_id=aid)  # fmt: skip
        clock.advance(timedelta(days=14, hours=1))  # the domisili window
        b.call("parent", "PUT", A + "/registration", parent,
               {"route": "domisili", "choices": npsns[:2]}, application_id=aid)  # fmt: skip
        b.call("parent", "GET", A, parent, application_id=aid)
        b.call("parent", "GET", "/v1/admissions/applications", parent)

        results_and_enrolment(b, staff, parent, pid, npsns, aid, clock, every_route)
    finally:
        use(None)


def results_and_enrolment(
    b: Bench, staff: str, parent: str, pid: str, npsns: list[str], aid: str, clock: Any,
    every_route: bool,
) -> None:  # fmt: skip
    """The second half of ``ppdb_season``: ticks, allocation runs, position, announcement,
    result, daftar ulang, release and statistics."""
    from datetime import timedelta

    from chalicelib.admission_enrolment import jobs as enrolment_jobs
    from chalicelib.admission_results import jobs as results_jobs
    from chalicelib.wiring import deps
    from tests.support.ppdb import take_allocation_messages

    def worker(label: str) -> None:
        for message in take_allocation_messages(pid):
            with b.counter.measure() as ops:
                results_jobs.allocate(message, deps())
            b.record(f"SQS on_allocation_request ({label})", "system", ops)

    with b.counter.measure() as ops:
        results_jobs.tick(deps())  # afirmasi and mutasi have closed: their run is requested
    b.record("job admissions_tick (window open, closed routes requested)", "system", ops)
    worker("2 closed routes, no applicant")
    b.call("parent", "GET", A + "/position", parent, application_id=aid)
    if every_route:  # the next poll in this instance: the snapshots are cached
        b.call("parent", "GET", A + "/position", parent, label=" (again, cached)",
               application_id=aid)  # fmt: skip
    clock.advance(timedelta(days=4))  # every window closed, after the announcement time
    with b.counter.measure() as ops:
        results_jobs.tick(deps())
    b.record("job admissions_tick (request the run of all routes)", "system", ops)
    worker("4 routes, 1 applicant, 3 schools")
    b.call("education_staff", "GET", P + "/allocations/latest", staff, period_id=pid)
    if every_route:
        rerun = {"reason": "Jalankan ulang setelah koreksi data"}
        b.call("education_staff", "POST", P + "/allocations", staff, rerun, 202, period_id=pid)
        worker("staff re-run, 4 routes, 1 applicant")
    with b.counter.measure() as ops:
        results_jobs.tick(deps())
    b.record("job admissions_tick (announce the run)", "system", ops)
    with b.counter.measure() as ops:
        results_jobs.tick(deps())
    b.record("job admissions_tick (queue result notifications)", "system", ops)
    for message in take_allocation_messages(pid):
        with b.counter.measure() as ops:
            results_jobs.allocate(message, deps())
        b.record("SQS on_allocation_request (announce one route)", "system", ops)
    b.call("parent", "GET", A + "/result", parent, application_id=aid)
    if every_route:  # the next read in this instance: the run's school list is cached
        b.call("parent", "GET", A + "/result", parent, label=" (again, cached)",
               application_id=aid)  # fmt: skip
    b.call("parent", "POST", A + "/confirm", parent, {}, application_id=aid)
    if every_route:
        b.call("education_staff", "PUT", P + "/schools/{npsn}/reregistration-seats", staff,
               {"seats": 40, "reason": "Satu rombel ditambah oleh Dinas"}, period_id=pid,
               npsn=npsns[0])  # fmt: skip
    b.call("education_staff", "GET", P + "/schools/{npsn}/results.xlsx", staff, period_id=pid,
           npsn=npsns[0])  # fmt: skip
    with b.counter.measure() as ops:
        enrolment_jobs.release(deps())
    b.record("job admission_release (statistics refresh)", "system", ops)
    b.call("education_staff", "GET", P + "/statistics", staff, period_id=pid)
    b.call("public", "GET", "/v1/public/admissions/periods/{period_id}/statistics",
           period_id=pid)  # fmt: skip
    b.call("education_staff", "GET", P + "/leftover-seats", staff, period_id=pid)


def run_rounds(rounds: int = 1, every_route: bool = False) -> list[list[Row]]:
    """Start the stack and run every flow ``rounds`` times, each round on freshly seeded schools
    and callers; the measured rows of each round (app logs and EMF discarded)."""
    warnings.filterwarnings("ignore", "No application metrics to publish")
    server, keys = start_stack()
    counter = DynamoCounter()
    measured: list[list[Row]] = []
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Powertools logs and metrics
            from chalice.test import Client

            from app import app

            counter.install()
            with Client(app, stage_name=STAGE) as client:
                for _ in range(rounds):
                    world = seed(keys)
                    bench = Bench(client, counter)
                    directory_and_meta(bench, world)
                    inside_city(bench, world)
                    cross_boundary(bench, world)
                    revised_then_rejected_and_cancelled(bench, world)
                    ppdb_season(bench, world, keys, every_route)
                    measured.append(list(bench.rows.values()))
        return measured
    finally:
        counter.uninstall()
        server.stop()
