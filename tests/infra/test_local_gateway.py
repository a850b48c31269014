"""The local API front (local.gateway) answers like API Gateway, never like a bare HTTP server.

A tiny app behind the same handler and server class as ``make run``: the HTTP server's own
errors are problem+json (an over-long URL is 414, as API Gateway refuses it), bodies end with a
newline, the JWKS of the dev issuer is served at its well-known URL, the access log prints route
templates (no path ids, no query strings), every request has a request id (in the event's
requestContext, as API Gateway sets it, and in x-amzn-RequestId), and a hundred clients can
connect at once (tests/e2e/test_local_concurrency.py sends 100 writes through the whole stack).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from functools import partial

import pytest
import requests
from chalice import Chalice
from chalice.config import Config
from chalice.local import LocalDevServer

from local import devauth, summary
from local.gateway import (
    JWKS_PATH,
    MAX_URL_LENGTH,
    GatewayProblemHandler,
    LocalApiServer,
    load_gateway_responses,
    route_template,
    with_newline,
)
from local.run import HOST, scheduled_jobs

pytestmark = pytest.mark.xdist_group("local_stack")
NIK = "3671011705120001"
KEYS = devauth.generate()


def tiny_app() -> Chalice:
    app = Chalice(app_name="front")

    @app.route("/v1/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.route("/v1/context")
    def context() -> dict[str, object]:
        assert app.current_request is not None
        return dict(app.current_request.context)

    @app.route("/v1/things/{thing_id}", methods=["GET", "POST"])
    def thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    return app


@pytest.fixture(scope="module")
def app() -> Chalice:
    return tiny_app()


@pytest.fixture(scope="module")
def api(app: Chalice) -> Iterator[str]:
    handler = partial(
        GatewayProblemHandler, responses=load_gateway_responses(), jwks=lambda: KEYS.jwks_json
    )
    config = Config.create(chalice_stage="local", app_name=app.app_name)
    server = LocalDevServer(app, config, HOST, 0, handler_cls=handler, server_cls=LocalApiServer)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server.server_close()


def raw_request(api: str, request_line: bytes) -> bytes:
    """Send one request line as is and read until the server closes."""
    host, port = api.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


# -- the HTTP server's own errors -----------------------------------------------------------------


def test_a_url_longer_than_api_gateway_accepts_is_414_problem_json(api: str) -> None:
    with requests.Session() as http:
        long = http.get(f"{api}/v1/things/x?q={'a' * MAX_URL_LENGTH}", timeout=10)
        after = http.get(f"{api}/v1/health", timeout=10)  # the same connection still works

    assert long.status_code == 414
    assert long.headers["Content-Type"] == "application/problem+json"
    assert long.json()["code"] == "uri_too_long" and long.json()["request_id"]
    assert long.text.endswith("}\n")
    assert after.status_code == 200


def test_a_request_line_over_64_kib_is_414_problem_json_too(api: str) -> None:
    """http.server itself gives up reading at 64 KiB; its answer is problem+json as well."""
    answer = raw_request(api, b"GET /v1/things/" + b"9" * 200_000 + b" HTTP/1.1")

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 414"), head
    assert b"application/problem+json" in head
    assert json.loads(body)["code"] == "uri_too_long"
    assert b"999" not in body  # the request is not echoed


def test_a_malformed_request_line_is_400_problem_json_without_echo(api: str) -> None:
    answer = raw_request(api, f"GET /v1/{NIK} HTTP/1.1 extra".encode())

    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400"), head
    assert json.loads(body)["code"] == "bad_request"
    assert NIK.encode() not in answer and body.endswith(b"\n")


# -- request ids, bodies, the JWKS ---------------------------------------------------------------


def test_each_request_has_a_request_id_in_its_context_and_its_response_header(api: str) -> None:
    """chalice local sets none; the app's error bodies carry ``request_id`` from it."""
    first, second = (requests.get(f"{api}/v1/context", timeout=10) for _ in range(2))

    for got in (first, second):
        assert got.json()["requestId"] == got.headers["x-amzn-RequestId"]
        assert got.json()["stage"] == "local" and got.json()["requestTimeEpoch"] > 0
    assert first.json()["requestId"] != second.json()["requestId"]
    missing = requests.get(f"{api}/v1/nowhere", timeout=10)
    assert missing.json()["request_id"] == missing.headers["x-amzn-RequestId"]


def test_gateway_responses_end_with_a_newline(api: str) -> None:
    missing = requests.get(f"{api}/v1/nowhere", timeout=10)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"] == "application/problem+json"
    assert missing.text.endswith("}\n")
    assert with_newline(b"") == b"" and with_newline(b"{}\n") == b"{}\n"


def test_the_dev_issuer_keys_are_served_at_the_well_known_url(api: str) -> None:
    got = requests.get(api + JWKS_PATH, timeout=10)

    assert got.status_code == 200
    assert got.headers["Content-Type"] == "application/json"
    assert got.text.endswith("\n")
    assert got.json() == json.loads(KEYS.jwks_json)
    assert "d" not in got.json()["keys"][0]  # the public key only
    assert requests.post(api + JWKS_PATH, timeout=10).status_code == 404  # GET and HEAD only


# -- the access log ------------------------------------------------------------------------------


def test_the_access_log_prints_route_templates_never_ids_or_query_strings(
    api: str, capfd: pytest.CaptureFixture[str]
) -> None:
    requests.get(f"{api}/v1/things/{NIK}?nik={NIK}&token=secret", timeout=10)
    requests.get(f"{api}/v1/unknown/{NIK}/x%2F?nik={NIK}", timeout=10)
    raw_request(api, f"GET /v1/{NIK} HTTP/1.1 extra".encode())

    log = capfd.readouterr().err
    assert "[api] GET /v1/things/{thing_id} 200" in log
    assert "[api] GET /v1/unknown/{…}/{…} 404" in log
    assert NIK not in log and "secret" not in log and "nik=" not in log


def test_route_template_of_the_stand_ins_and_unknown_paths(app: Chalice) -> None:
    assert route_template(app, "/v1/things/42?x=1") == "/v1/things/{thing_id}"
    assert route_template(app, "/snapshots/ppdb/p-1/domisili/20606901.json") == "/snapshots/{key}"
    assert route_template(app, JWKS_PATH) == JWKS_PATH
    assert route_template(app, f"/x/{NIK}/y") == "/x/{…}/y"


# -- a hundred clients at once -------------------------------------------------------------------


def test_a_hundred_clients_can_connect_before_the_server_accepts_any(app: Chalice) -> None:
    """The kernel completes a connection only while the listen backlog has room; socketserver's
    default of 5 dropped the SYNs of the others (a wait of 1, 3, 7, 15 s for the retransmission,
    or a reset), which is how the local stack lost clients under 40 concurrent writes."""
    config = Config.create(chalice_stage="local", app_name=app.app_name)
    handler = partial(GatewayProblemHandler, responses={})
    server = LocalDevServer(app, config, HOST, 0, handler_cls=handler, server_cls=LocalApiServer)
    port = server.server.server_address[1]
    clients: list[socket.socket] = []
    try:  # the server is not serving: nothing is accepted, connections wait in the backlog
        for _ in range(100):
            client = socket.socket()
            client.settimeout(0.5)  # below the first SYN retransmission (1 s)
            client.connect((HOST, port))
            clients.append(client)
    except OSError:
        pass
    finally:
        for client in clients:
            client.close()
        server.server.server_close()
    assert len(clients) == 100


# -- what make job says ---------------------------------------------------------------------------


def test_every_scheduled_job_says_what_it_did_in_a_sentence() -> None:
    assert set(scheduled_jobs()) <= set(summary.SUMMARIES)


@pytest.mark.parametrize(
    ("name", "result", "sentence"),
    [
        (
            "transfer_reminders",
            {"examined": 0, "sent": 0, "skipped_duplicates": 0},
            "transfer_reminders: 0 reminders sent (no transfer request is waiting past its SLA "
            "or on a revision)",
        ),
        (
            "transfer_reminders",
            {"examined": 3, "sent": 1, "skipped_duplicates": 2},
            "transfer_reminders: 1 reminder sent to whoever a transfer request waits on; "
            "3 requests checked for waiting past the SLA or on a revision, 2 already reminded "
            "today",
        ),
        (
            "admission_release",
            {"periods": 1, "released": 38, "conflicts": 0, "completed": 1, "statistics": 2},
            "admission_release: 38 unconfirmed seats released in 1 period past a daftar ulang "
            "deadline; 1 period now marked released; statistics refreshed for 2 periods",
        ),
        (
            "admissions_tick",
            {"periods": 2, "snapshots": 8, "allocations_requested": 1, "announced": 0,
             "announcements": 0, "errors": 0},
            "admissions_tick: 2 periods handled: 8 live ranking snapshots published, 1 final "
            "allocation requested, 0 results frozen as announced, 0 route announcements queued",
        ),
        ("admissions_tick", {"periods": 0}, "admissions_tick: nothing to do (no period is open "
         "or waiting for its allocation or announcement)"),
        ("someday_job", {"rows_done": 2}, "someday_job: rows done 2"),
    ],
)  # fmt: skip
def test_job_summaries_read_as_sentences(name: str, result: dict[str, int], sentence: str) -> None:
    assert summary.describe(name, result) == sentence


def test_a_summary_names_every_counter_the_job_returns() -> None:
    """Each job's counters (its result dataclass) all appear in its sentence."""
    from dataclasses import asdict

    from chalicelib.admission_enrolment.jobs import ReleaseRun, ReminderRun
    from chalicelib.admission_results.jobs import TickRun
    from chalicelib.transfers.reminders import ReminderRun as TransferReminderRun

    runs = {
        "transfer_reminders": TransferReminderRun,
        "admission_reminders": ReminderRun,
        "admission_release": ReleaseRun,
        "admissions_tick": TickRun,
    }
    for name, run in runs.items():
        fields = list(asdict(run()))
        counts = {f: 101 + i for i, f in enumerate(fields)}
        if "periods" in counts:
            counts["periods"] = 1
        text = summary.describe(name, counts)
        for field_name, value in counts.items():
            assert str(value) in text, (name, field_name, text)
