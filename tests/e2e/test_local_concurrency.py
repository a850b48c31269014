"""The embedded stack of ``make run`` holds 100 concurrent clients over real HTTP.

The README's daftar ulang race, reproduced against ``local.run.start_stack`` exactly as a
newcomer's load test would send it: 100 families (100 callers, so a per-caller write limit never
applies), each admitted at one school whose daftar ulang counter has 1 seat left, each confirming
at the same moment over its own TCP connection. Expected: 1 x 200, 99 x 409 ``no_seat``,
no 5xx, no connection reset. (socketserver's listen backlog of 5 made most of these clients wait
for SYN retransmissions of 1 to 15 s, or be reset.) The figures are printed (``pytest -s``).

The stack's own URLs: the served OpenAPI document lists it, the dev issuer is its URL and the
JWKS is served at the issuer's well-known URL, ``.local/tokens.env`` exports ``API``.
"""

from __future__ import annotations

import http.client
import json
import shlex
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from chalicelib.admissions.application import AppStatus, Outcome
from chalicelib.admissions.records import SeatCounter
from chalicelib.wiring import deps
from local.run import Stack, start_stack, write_state
from tests.support import factories
from tests.support.ppdb import application, period_record, period_school, store_application
from tests.support.ppdb import store_period as store_period_record

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e-concurrency")]

CLIENTS = 100


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    running = start_stack(api_port=0, seed=False, scheduler=False)
    yield running
    running.stop()


def announced_yesterday() -> tuple[Any, str]:
    """A period announced yesterday 20:00 WIB whose daftar ulang runs two more days (the
    windows of tests/support/ppdb.smp_routes, relative to ``base``), one school, its counter."""
    base = datetime.combine(date.today() - timedelta(days=8), day_time(1, 0), tzinfo=UTC)
    period = period_record(base=base, announced_run=1)
    school = factories.npsn()
    stored = store_period_record(deps().admissions, period, [period_school(school, period)])
    return stored, school


def admit(period: Any, school: str, sub: str) -> str:
    outcome = Outcome(run=1, school=school, route="domisili", ranks=(1,), cutoffs=(None,),
                      values=((0.0,),))  # fmt: skip
    app = application(period, parent_sub=sub, status=AppStatus.ADMITTED, route="domisili",
                      choices=(school,), outcome=outcome, verifier_npsn=school)  # fmt: skip
    return store_application(deps().admissions, app).id


def confirm_all_at_once(stack: Stack, calls: list[tuple[str, str]]) -> list[tuple[Any, Any, float]]:
    """Every (application id, token) from its own thread and its own connection, together."""
    port = int(stack.api_url.rsplit(":", 1)[1])
    gate = threading.Barrier(len(calls))
    results: list[tuple[Any, Any, float]] = []

    def one(app_id: str, token: str) -> None:
        gate.wait(timeout=60)
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("POST", f"/v1/admissions/applications/{app_id}/confirm", body=b"{}",
                         headers={"Authorization": f"Bearer {token}",
                                  "Content-Type": "application/json"})  # fmt: skip
            response = conn.getresponse()
            body = response.read()
            results.append((response.status, json.loads(body), time.perf_counter() - started))
        except OSError as exc:  # a reset, a refused or timed-out connection
            results.append((type(exc).__name__, None, time.perf_counter() - started))
        finally:
            conn.close()

    threads = [threading.Thread(target=one, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_hundred_families_confirming_the_last_seat_at_once_over_http(stack: Stack) -> None:
    period, school = announced_yesterday()
    families = [f"parent-{uuid.uuid4().hex[:12]}" for _ in range(CLIENTS)]
    apps = [admit(period, school, sub) for sub in families]
    deps().admissions.put_seat_counter(SeatCounter(period.id, school, seats=1, confirmed=0))
    calls = [(a, stack.keys.token(sub, "parent")) for a, sub in zip(apps, families, strict=True)]

    results = confirm_all_at_once(stack, calls)

    statuses = Counter(status for status, _, _ in results)
    latencies = sorted(seconds for _, _, seconds in results)
    p95 = latencies[int(0.95 * len(latencies)) - 1]
    print(f"\n{CLIENTS} concurrent confirmations for 1 seat: {dict(statuses)}, "
          f"p50 {latencies[len(latencies) // 2]:.2f} s, p95 {p95:.2f} s, "
          f"max {latencies[-1]:.2f} s")  # fmt: skip
    assert statuses == Counter({200: 1, 409: CLIENTS - 1}), statuses  # no reset, no 5xx
    assert Counter(body["code"] for status, body, _ in results if status == 409) == Counter(
        {"no_seat": CLIENTS - 1}
    )
    [counter] = [c for c in deps().admissions.seat_counters(period.id) if c.npsn == school]
    assert (counter.seats, counter.confirmed) == (1, 1)


def test_the_stack_names_its_own_url_in_the_contract_the_issuer_and_tokens_env(
    stack: Stack, tmp_path: Path
) -> None:
    document = requests.get(f"{stack.api_url}/v1/openapi.json", timeout=10).json()
    assert document["servers"][0]["url"] == stack.api_url

    issuer = jwt.decode(stack.tokens["parent"], options={"verify_signature": False})["iss"]
    assert issuer == stack.api_url
    jwks = requests.get(f"{issuer}/.well-known/jwks.json", timeout=10)
    assert jwks.status_code == 200 and jwks.json() == json.loads(stack.keys.jwks_json)

    write_state(stack, tmp_path)
    exports = [shlex.split(line)[1] for line in (tmp_path / "tokens.env").read_text().splitlines()]
    assert f"API={stack.api_url}" in exports
    stack.state_dir = None  # the files of this test's directory only: nothing to clean up
