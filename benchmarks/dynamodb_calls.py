"""DynamoDB API calls per endpoint, over full Pindah Sekolah flows and one PPDB period, through
chalice.test.Client on an in-process moto server (the set-up of tests/conftest.py).

Every botocore client call is counted by wrapping ``BaseClient._make_api_call`` in this process
(PynamoDB and the boto3 clients, including Powertools idempotency, all go through it); only
``dynamodb`` calls are kept. Each HTTP request (and each SQS upload batch handed to
chalicelib.documents.handlers.process) is measured on its own. Prints a markdown table; exits 1
if any Scan was made or a step of the flow did not answer as expected.

    python -m benchmarks.dynamodb_calls
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import sys
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import botocore.client
import requests
from moto.server import ThreadedMotoServer

STAGE = "bench"
REGION = "ap-southeast-3"
PARENT_SLOTS = ["surat_permohonan_orang_tua", "rapor_terakhir", "kartu_keluarga", "akta_kelahiran"]
PROCESS = "SQS on_upload_event (documents.handlers.process, per message)"


class FlowError(RuntimeError):
    """A step of the flow did not answer as the flow expects."""


class DynamoCounter:
    """Counts DynamoDB operations made by any botocore client of this process."""

    def __init__(self) -> None:
        self.ops: Counter[str] = Counter()
        self._original: Callable[..., Any] | None = None

    def install(self) -> None:
        original = botocore.client.BaseClient._make_api_call
        counter = self

        def counting(client: Any, operation_name: str, api_params: Any) -> Any:
            if client.meta.service_model.service_name == "dynamodb":
                counter.ops[operation_name] += 1
            return original(client, operation_name, api_params)

        self._original = original
        botocore.client.BaseClient._make_api_call = counting

    def uninstall(self) -> None:
        if self._original is not None:
            botocore.client.BaseClient._make_api_call = self._original

    @contextlib.contextmanager
    def measure(self) -> Iterator[Counter[str]]:
        self.ops.clear()
        taken: Counter[str] = Counter()
        try:
            yield taken
        finally:
            taken.update(self.ops)


@dataclass
class Row:
    endpoint: str
    role: str
    samples: list[Counter[str]] = field(default_factory=list)


@dataclass
class Bench:
    client: Any
    counter: DynamoCounter
    rows: dict[tuple[str, str], Row] = field(default_factory=dict)

    def record(self, endpoint: str, role: str, ops: Counter[str]) -> None:
        row = self.rows.setdefault((endpoint, role), Row(endpoint, role))
        row.samples.append(ops)

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


def ppdb_season(b: Bench, w: World, keys: Any) -> None:
    """One PPDB period: config, XLSX school import, pre-registration with uploads, verification,
    registration, the tick (snapshots, allocation request), the allocation worker, results,
    daftar ulang, statistics. Time moves with a FixedClock; jobs are measured like requests."""
    import dataclasses
    from datetime import timedelta

    from chalicelib.admission_enrolment import jobs as enrolment_jobs
    from chalicelib.admission_results import jobs as results_jobs
    from chalicelib.core.clock import FixedClock
    from chalicelib.wiring import deps, use
    from tests.support import spreadsheets
    from tests.support.factories import PDF, nik
    from tests.support.ppdb import T0, take_allocation_messages
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
        b.call("parent", "GET", P, parent, period_id=pid)
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
        clock.advance(timedelta(days=4))  # every window closed, after the announcement time
        with b.counter.measure() as ops:
            results_jobs.tick(deps())
        b.record("job admissions_tick (request the run of all routes)", "system", ops)
        worker("4 routes, 1 applicant, 3 schools")
        b.call("education_staff", "GET", P + "/allocations/latest", staff, period_id=pid)
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
        b.call("parent", "POST", A + "/confirm", parent, {}, application_id=aid)
        b.call("education_staff", "GET", P + "/schools/{npsn}/results.xlsx", staff, period_id=pid,
               npsn=npsns[0])  # fmt: skip
        with b.counter.measure() as ops:
            enrolment_jobs.release(deps())
        b.record("job admission_release (statistics refresh)", "system", ops)
        b.call("education_staff", "GET", P + "/statistics", staff, period_id=pid)
        b.call("public", "GET", "/v1/public/admissions/periods/{period_id}/statistics",
               period_id=pid)  # fmt: skip
        b.call("education_staff", "GET", P + "/leftover-seats", staff, period_id=pid)
    finally:
        use(None)


def _fmt(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def table(rows: list[Row]) -> tuple[str, int]:
    lines = [
        "| endpoint | role | requests | DynamoDB calls / request | by operation (per request) "
        "| Scan |",
        "|---|---|---:|---:|---|---:|",
    ]
    scans = 0
    for row in rows:
        n = len(row.samples)
        totals = [sum(s.values()) for s in row.samples]
        ops: Counter[str] = Counter()
        for sample in row.samples:
            ops.update(sample)
        scans += ops.get("Scan", 0)
        low, high = min(totals), max(totals)
        calls = str(low) if low == high else f"{low}–{high}"
        detail = ", ".join(f"{op} {_fmt(c / n)}" for op, c in sorted(ops.items())) or "—"
        lines.append(
            f"| {row.endpoint} | {row.role} | {n} | {calls} | {detail} | {ops.get('Scan', 0)} |"
        )
    return "\n".join(lines), scans


def run_flows() -> list[Row]:
    """Start the stack, run the flows, return the measured rows (app logs and EMF discarded)."""
    warnings.filterwarnings("ignore", "No application metrics to publish")
    server, keys = start_stack()
    counter = DynamoCounter()
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Powertools logs and metrics
            from chalice.test import Client

            from app import app

            world = seed(keys)
            counter.install()
            with Client(app, stage_name=STAGE) as client:
                bench = Bench(client, counter)
                directory_and_meta(bench, world)
                inside_city(bench, world)
                cross_boundary(bench, world)
                revised_then_rejected_and_cancelled(bench, world)
                ppdb_season(bench, world, keys)
        return list(bench.rows.values())
    finally:
        counter.uninstall()
        server.stop()


def main() -> int:
    rows = run_flows()
    text, scans = table(rows)
    total = sum(sum(s.values()) for r in rows for s in r.samples)
    requests_made = sum(len(r.samples) for r in rows)
    print("DynamoDB calls per endpoint (chalice.test.Client on an in-process moto server)")
    print("Flows: inside the city draft -> completed; cross-boundary with office review;")
    print("revision -> resubmit -> reject; draft -> cancel; one PPDB period from config to")
    print("daftar ulang (jobs measured like requests). Counts are per request.\n")
    print(text)
    print(f"\n{requests_made} requests/messages, {total} DynamoDB calls, Scan total: {scans}")
    return 1 if scans else 0


if __name__ == "__main__":
    sys.exit(main())
