"""The local stand-in's event side and public snapshots (local.run), on the session's moto.

* ``GET /snapshots/<key>`` answers like the CloudFront distribution of the snapshot bucket:
  objects under ``ppdb/`` only, with their Content-Type and Cache-Control; 404 problem+json else.
* Queue pollers behave like Lambda's SQS event source mapping (partial batch failures).
* The scheduler runs every ``@schedule`` function: daily crons and rates.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
from chalice import Chalice, Cron, Rate
from chalice.config import Config
from chalice.local import LocalDevServer

from chalicelib.core.aws import client as aws_client
from chalicelib.core.settings import get_settings
from local import job, run
from local.run import (
    HOST,
    AppFunction,
    BucketSnapshots,
    GatewayProblemHandler,
    QueuePoller,
    Scheduler,
    UploadPoller,
    event_pollers,
    function_limits,
    load_gateway_responses,
    next_fire,
    quiet_pool_warnings,
    runnable_jobs,
    settings_env,
    snapshot_key,
    sqs_functions,
)

pytestmark = [pytest.mark.xdist_group("local_stack"), pytest.mark.usefixtures("aws")]  # moto
ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------------------------
# Public snapshots
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshots_url() -> Iterator[str]:
    """The stand-in's HTTP handler in front of a tiny app (the real app is not needed here)."""
    app = Chalice(app_name="snapshot-stand-in")

    @app.route("/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    handler = partial(
        GatewayProblemHandler, responses=load_gateway_responses(), snapshots=BucketSnapshots()
    )
    config = Config.create(chalice_stage="local", app_name=app.app_name)
    server = LocalDevServer(app, config, HOST, 0, handler_cls=handler)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server.server_address[1]}/snapshots"
    finally:
        server.shutdown()
        thread.join()
        server.server.server_close()


def put_snapshot(key: str, body: bytes, **extra: str) -> None:
    aws_client("s3").put_object(
        Bucket=get_settings().snapshots_bucket,
        Key=key,
        Body=body,
        ContentType="application/json",
        **extra,
    )


def test_serves_a_snapshot_with_its_content_type_and_cache_control(snapshots_url: str) -> None:
    key = f"ppdb/test/{uuid.uuid4().hex}/20606001/domisili.json"
    body = json.dumps({"cutoff": {"domicile_score": 4}, "rows": []}).encode()
    put_snapshot(key, body, CacheControl="public, max-age=60")

    response = requests.get(f"{snapshots_url}/{key}", timeout=5)
    assert response.status_code == 200
    assert response.content == body
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"]

    head = requests.head(f"{snapshots_url}/{key}?v=2", timeout=5)  # query strings are ignored
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Length"] == str(len(body))


def test_published_snapshots_end_with_a_newline(snapshots_url: str) -> None:
    from chalicelib.admission_results.objects import put_public_json
    from chalicelib.wiring import deps

    key = f"ppdb/test/{uuid.uuid4().hex}.json"
    put_public_json(deps().snapshots, key, {"entries": [], "name": "Rina"})

    response = requests.get(f"{snapshots_url}/{key}", timeout=5)
    assert response.status_code == 200
    assert response.text.endswith("}\n") and response.json()["name"] == "Rina"


def test_a_missing_snapshot_is_a_problem_json_404(snapshots_url: str) -> None:
    response = requests.get(f"{snapshots_url}/ppdb/test/{uuid.uuid4().hex}.json", timeout=5)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["code"]) == (404, "snapshot_not_found")
    assert problem["request_id"] == response.headers["x-amzn-RequestId"]


def test_objects_outside_ppdb_are_not_served(snapshots_url: str) -> None:
    """The bucket policy lets the distribution read ppdb/* only."""
    key = f"private/{uuid.uuid4().hex}.json"
    put_snapshot(key, b"{}")
    response = requests.get(f"{snapshots_url}/{key}", timeout=5)
    assert response.status_code == 404
    assert response.json()["code"] == "snapshot_not_found"


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/snapshots/ppdb/2025/a.json", "ppdb/2025/a.json"),
        ("/snapshots/ppdb/2025/a%20b.json?x=1", "ppdb/2025/a b.json"),
        ("/snapshots/ppdb/../private/a.json", None),
        ("/snapshots/ppdb/%2e%2e/private/a.json", None),
        ("/snapshots/ppdb//a.json", None),
        ("/snapshots/ppdb/", None),
        ("/snapshots/other/a.json", None),
        ("/v1/health", None),
    ],
)
def test_snapshot_key(path: str, key: str | None) -> None:
    assert snapshot_key(path) == key


def test_other_paths_still_reach_the_api(snapshots_url: str) -> None:
    base = snapshots_url.removesuffix("/snapshots")
    assert requests.get(f"{base}/v1/health", timeout=5).json() == {"status": "ok"}
    missing = requests.get(f"{base}/v1/nope", timeout=5)
    assert (missing.status_code, missing.json()["code"]) == (404, "route_not_found")
    post = requests.post(f"{snapshots_url}/ppdb/a.json", timeout=5)  # GET/HEAD only
    assert post.status_code == 404


def test_the_local_settings_point_the_public_url_at_the_stand_in() -> None:
    from tests.conftest import KEYS

    env = settings_env("http://127.0.0.1:1", "http://127.0.0.1:8000", KEYS)
    assert env["SNAPSHOTS_PUBLIC_URL"] == "http://127.0.0.1:8000/snapshots"


# --------------------------------------------------------------------------------------------
# Queue pollers
# --------------------------------------------------------------------------------------------


def fresh_queue(visibility: int = 0) -> str:
    name = f"test-poller-{uuid.uuid4().hex[:12]}"
    aws_client("sqs").create_queue(
        QueueName=name, Attributes={"VisibilityTimeout": str(visibility)}
    )
    return name


def send(queue: str, *bodies: str) -> None:
    sqs = aws_client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)


def remaining(queue: str) -> list[str]:
    sqs = aws_client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return sorted(m["Body"] for m in got.get("Messages", []))


def test_poller_deletes_only_messages_not_reported_as_failed() -> None:
    queue = fresh_queue()
    send(queue, "ok", "fail")
    seen: list[dict[str, Any]] = []

    def handler(event: dict[str, Any]) -> dict[str, Any]:
        seen.extend(event["Records"])
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "fail"]
        return {"batchItemFailures": [{"itemIdentifier": m} for m in failed]}

    poller = QueuePoller(aws_client("sqs"), queue, handler, threading.Event(),
                         function="test", quiet=True)  # fmt: skip
    handled = 0
    while len(seen) < 2 and (count := poller.poll_once(wait_seconds=1)):
        handled += count
    assert sorted(r["body"] for r in seen) == ["fail", "ok"]
    assert {r["eventSource"] for r in seen} == {"aws:sqs"}
    assert {r["eventSourceARN"] for r in seen} == {poller.arn}
    assert remaining(queue) == ["fail"]


def test_a_raising_handler_leaves_the_whole_batch_and_the_batch_size_is_kept() -> None:
    queue = fresh_queue()
    send(queue, "a", "b")
    sizes: list[int] = []

    def handler(event: dict[str, Any]) -> None:
        sizes.append(len(event["Records"]))
        raise RuntimeError("invocation failed")

    poller = QueuePoller(aws_client("sqs"), queue, handler, threading.Event(),
                         function="test", batch_size=1, quiet=True)  # fmt: skip
    with pytest.raises(RuntimeError):
        poller.poll_once(wait_seconds=1)
    assert sizes == [1]
    assert remaining(queue) == ["a", "b"]


def test_app_function_runs_the_registered_lambda_handler() -> None:
    """Through app.handler_map (middleware, context): the upload handler drops an
    s3:TestEvent and reports no failure, so the message is deleted."""
    queue = fresh_queue()
    send(queue, json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"}))
    poller = QueuePoller(aws_client("sqs"), queue, AppFunction("on_upload_event"),
                         threading.Event(), function="on_upload_event", quiet=True)  # fmt: skip
    assert poller.poll_once(wait_seconds=1) == 1
    assert remaining(queue) == []


def test_every_sqs_function_of_the_app_is_polled_locally() -> None:
    settings = get_settings()
    env = {
        "UPLOADS_QUEUE_NAME": settings.uploads_queue_name,
        "ALLOCATIONS_QUEUE_NAME": settings.allocations_queue_name,
    }
    pollers = event_pollers(aws_client("sqs"), env, threading.Event())
    batch = sqs_functions()
    assert {p.function: p.batch_size for p in pollers} == batch
    assert batch["on_allocation_request"] == 1
    by_function = {p.function: p for p in pollers}
    assert isinstance(by_function["on_upload_event"], UploadPoller)
    assert by_function["on_upload_event"].queue_name == settings.uploads_queue_name
    allocations = by_function["on_allocation_request"]
    assert allocations.queue_name == settings.allocations_queue_name
    assert allocations.handler == AppFunction("on_allocation_request")


def test_functions_run_with_their_configured_memory_and_timeout() -> None:
    assert function_limits("on_allocation_request") == (2048, 300)
    assert function_limits("admissions_tick") == (1024, 120)
    assert function_limits("transfer_reminders") == (512, 120)
    assert function_limits("anything_else") == (512, 20)


# --------------------------------------------------------------------------------------------
# Scheduler
# --------------------------------------------------------------------------------------------

NOW = datetime(2025, 6, 1, 3, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "due"),
    [
        (Rate(5, unit=Rate.MINUTES), datetime(2025, 6, 1, 3, 10, tzinfo=UTC)),
        (Rate(15, unit=Rate.MINUTES), datetime(2025, 6, 1, 3, 15, tzinfo=UTC)),
        (Rate(1, unit=Rate.HOURS), datetime(2025, 6, 1, 4, 0, tzinfo=UTC)),
        ("rate(5 minutes)", datetime(2025, 6, 1, 3, 10, tzinfo=UTC)),
        (Cron(0, 0, "*", "*", "?", "*"), datetime(2025, 6, 2, 0, 0, tzinfo=UTC)),
        ("cron(30 3 * * ? *)", datetime(2025, 6, 1, 3, 30, tzinfo=UTC)),
    ],
)
def test_next_fire_of_rates_and_daily_crons(expression: Any, due: datetime) -> None:
    assert next_fire(expression, NOW) == due


def test_next_fire_is_strictly_after_now() -> None:
    on_slot = datetime(2025, 6, 1, 3, 10, tzinfo=UTC)
    assert next_fire(Rate(5, unit=Rate.MINUTES), on_slot) == on_slot + timedelta(minutes=5)


@pytest.mark.parametrize("expression", ["cron(0/5 * * * ? *)", "rate(0 minutes)", "at(x)"])
def test_other_expressions_are_not_run_locally(expression: str) -> None:
    with pytest.raises(ValueError):
        next_fire(expression, NOW)


def test_every_scheduled_function_of_the_app_runs_locally() -> None:
    jobs = runnable_jobs()
    assert {"transfer_reminders", "admissions_tick", "admission_reminders",
            "admission_release"} <= set(jobs)  # fmt: skip
    assert jobs["admissions_tick"].to_string() == "rate(5 minutes)"
    assert jobs["admission_release"].to_string() == "rate(15 minutes)"


def test_jobs_due_at_the_same_time_all_run() -> None:
    """transfer_reminders and admission_reminders both fire at 00:00 UTC (07:00 WIB)."""
    now = [datetime(2025, 6, 1, 23, 59, tzinfo=UTC)]
    runs: list[tuple[str, datetime]] = []
    daily = Cron(0, 0, "*", "*", "?", "*")
    jobs = {"a_reminders": daily, "b_reminders": daily, "tick": Rate(5, unit=Rate.MINUTES)}
    scheduler = Scheduler(jobs, threading.Event(), invoke=lambda n, t: runs.append((n, t)),
                          clock=lambda: now[0])  # fmt: skip
    midnight = datetime(2025, 6, 2, tzinfo=UTC)
    assert scheduler.run_due() == 60.0
    now[0] = midnight + timedelta(seconds=1)
    wait = scheduler.run_due()
    assert sorted(runs) == [("a_reminders", midnight), ("b_reminders", midnight),
                            ("tick", midnight)]  # fmt: skip
    assert scheduler.due == {"a_reminders": midnight + timedelta(days=1),
                             "b_reminders": midnight + timedelta(days=1),
                             "tick": midnight + timedelta(minutes=5)}  # fmt: skip
    assert wait == 299.0


def test_a_failing_job_does_not_stop_the_others() -> None:
    now = [datetime(2025, 6, 1, 0, 4, 59, tzinfo=UTC)]
    runs: list[str] = []

    def invoke(name: str, at: datetime) -> None:
        runs.append(name)
        if name == "broken":
            raise NotImplementedError

    every = Rate(5, unit=Rate.MINUTES)
    scheduler = Scheduler({"broken": every, "fine": every}, threading.Event(), invoke=invoke,
                          clock=lambda: now[0])  # fmt: skip
    now[0] = datetime(2025, 6, 1, 0, 5, tzinfo=UTC)
    scheduler.run_due()
    assert runs == ["broken", "fine"]
    assert set(scheduler.due.values()) == {datetime(2025, 6, 1, 0, 10, tzinfo=UTC)}


def test_make_job_lists_every_scheduled_function(capsys: pytest.CaptureFixture[str]) -> None:
    assert job.main(["no_such_job"]) == 2
    usage = capsys.readouterr().err
    for name in ("admissions_tick", "admission_reminders", "admission_release",
                 "transfer_reminders"):  # fmt: skip
        assert name in usage


# --------------------------------------------------------------------------------------------
# The console of make run / make job
# --------------------------------------------------------------------------------------------

QUIET_RUN = """
import json, warnings
from local.run import AppFunction
test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent"}
record = {"messageId": "m-1", "receiptHandle": "r", "body": json.dumps(test_event),
          "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
          "eventSourceARN": "arn:aws:sqs:ap-southeast-3:123456789012:q", "awsRegion": "x"}
print(AppFunction("on_upload_event")({"Records": [record]}))
warnings.warn("a warning that matters", UserWarning)
"""


def test_an_invocation_that_adds_no_metric_prints_no_powertools_warning() -> None:
    """As `make run` and `make job` invoke functions (a fresh interpreter, default warning
    filters, settings of this session): only the warnings that matter reach the console."""
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-W", "default", "-c", QUIET_RUN],
        cwd=ROOT, env=os.environ | {"POWERTOOLS_METRICS_DISABLED": "true"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "batchItemFailures" in done.stdout  # the function ran, through the app's middleware
    assert "a warning that matters" in done.stderr
    assert "No application metrics" not in done.stderr, done.stderr


def test_a_full_connection_pool_is_not_reported_but_other_urllib3_warnings_are(
    caplog: pytest.LogCaptureFixture,
) -> None:
    quiet_pool_warnings()
    pool = logging.getLogger("urllib3.connectionpool")
    with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
        pool.warning("Connection pool is full, discarding connection: %s", "127.0.0.1")
        pool.warning("Retrying (%s) after connection broken", "Retry(total=2)")
    assert [r.getMessage() for r in caplog.records] == [
        "Retrying (Retry(total=2)) after connection broken"
    ]


def test_a_taken_port_is_answered_with_the_make_command_that_works(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind((HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run.main(["--port", str(port), "--no-seed", "--no-scheduler"]) == 1
    err = capsys.readouterr().err
    assert f"port {port} (API) is taken" in err
    assert f"make run PORT={port + 1}" in err
