"""Per-caller write limit, measured in one run through chalice.test.Client on an in-process moto
server (the set-up of benchmarks.dynamodb_calls): a flooding parent sends POST /v1/transfers
back to back while a normal parent sends one every 2 s, both at the same time, with the
deployed default limit (settings: 60 writes per 60 s window for a parent); then the limiter's
own cost per write: the same write with the limiter on and off, interleaved, and the counter's
conditional UpdateItem alone.

Moto answers in-process, so absolute latencies are this machine's, not DynamoDB's; the
difference on/off is what the limiter adds here (on AWS: one UpdateItem, 1 WCU, a few ms).

    python -m benchmarks.rate_limit [--seconds 75] [--samples 200]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import threading
import time
import uuid
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Caller:
    name: str
    token: str
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: dict[int, list[float]] = field(default_factory=dict)
    retry_after: set[str] = field(default_factory=set)
    windows: Counter[int] = field(default_factory=Counter)  # accepted writes per window start

    def record(self, status: int, seconds: float, headers: dict[str, str], window: int) -> None:
        self.statuses[status] += 1
        self.latencies.setdefault(status, []).append(seconds)
        if status == 429:
            self.retry_after.add(headers.get("Retry-After", "?"))
        elif status == 201:
            self.windows[window] += 1


class AlwaysCount:
    """A CounterStore that never refuses and costs nothing: the limiter switched off."""

    def increment(self, key: str, limit: int, expires_at: int) -> bool:
        return True


def ms(values: list[float], q: float = 0.5) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]:.1f}"


def post(client: Any, token: str, body: dict[str, Any]) -> tuple[int, float, dict[str, str]]:
    import json

    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    response = client.http.post("/v1/transfers", headers=headers, body=json.dumps(body).encode())
    return response.status_code, time.perf_counter() - started, dict(response.headers)


def flood_vs_normal(client: Any, world: Any, keys: Any, seconds: float) -> tuple[Caller, Caller]:
    from chalicelib.core.settings import get_settings
    from tests.support.factories import transfer_body

    window = get_settings().rate_limit_window_seconds
    flooder = Caller("flooding parent", keys.token(f"flood-{uuid.uuid4().hex[:8]}", "parent"))
    normal = Caller("normal parent", keys.token(f"normal-{uuid.uuid4().hex[:8]}", "parent"))
    deadline = time.monotonic() + seconds

    def send(caller: Caller) -> None:
        status, took, headers = post(
            client, caller.token, transfer_body(world.origin, world.destination)
        )
        caller.record(status, took, headers, int(time.time() // window) * window)

    def flood() -> None:
        while time.monotonic() < deadline:
            send(flooder)

    def person() -> None:
        while time.monotonic() < deadline:
            send(normal)
            time.sleep(2.0)

    saved = os.environ  # chalice.test swaps os.environ per request; restore it (see tests)
    try:
        threads = [threading.Thread(target=flood), threading.Thread(target=person)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        os.environ = saved  # noqa: B003 - the very same mapping put back
    return flooder, normal


def overhead(client: Any, world: Any, keys: Any, samples: int) -> dict[str, list[float]]:
    """The same write with the limiter on (DynamoDB counters) and off, interleaved."""
    from chalicelib.core import ratelimit
    from chalicelib.core.ratelimit import Limits, WriteLimiter
    from chalicelib.core.ratelimit_repository import DynamoCounters
    from chalicelib.core.settings import get_settings
    from tests.support.factories import transfer_body

    limits = Limits(parent=10**9, staff=10**9, window_seconds=60)
    on = WriteLimiter(DynamoCounters(get_settings().idempotency_table), limits)
    off = WriteLimiter(AlwaysCount(), limits)
    token = keys.token(f"overhead-{uuid.uuid4().hex[:8]}", "parent")
    taken: dict[str, list[float]] = {"on": [], "off": [], "update_item": []}
    try:
        for i in range(2 * samples):
            mode = "on" if i % 2 else "off"
            ratelimit.use(on if mode == "on" else off)
            status, took, _ = post(client, token, transfer_body(world.origin, world.destination))
            if status == 201:  # a random test NIK may repeat one with an open request (409)
                taken[mode].append(took)
    finally:
        ratelimit.use(None)
    store = DynamoCounters(get_settings().idempotency_table)
    for i in range(samples):
        started = time.perf_counter()
        store.increment(f"ratelimit#bench#{i}", 10**9, int(time.time()) + 120)
        taken["update_item"].append(time.perf_counter() - started)
    return taken


def report(flooder: Caller, normal: Caller, seconds: float, taken: dict[str, list[float]]) -> None:
    from chalicelib.core.settings import get_settings

    s = get_settings()
    print("Per-caller write limit (chalice.test.Client, in-process moto, one run)")
    print(f"limit: parent {s.rate_limit_parent_writes}, staff {s.rate_limit_staff_writes} "
          f"writes per {s.rate_limit_window_seconds} s window\n")  # fmt: skip
    print(f"{seconds:.0f} s, both callers at once, POST /v1/transfers:\n")
    print("| caller | sent | accepted (201) | refused (429) | other | accepted per window "
          "| median ms 201 | median ms 429 | Retry-After seen |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for c in (flooder, normal):
        other = sum(n for st, n in c.statuses.items() if st not in (201, 429))
        per_window = ", ".join(str(n) for _, n in sorted(c.windows.items()))
        values = sorted(int(v) for v in c.retry_after if v.isdigit())
        seen = f"{values[0]}-{values[-1]} s" if values else ""
        print(f"| {c.name} | {sum(c.statuses.values())} | {c.statuses[201]} | {c.statuses[429]} "
              f"| {other} | {per_window} | {ms(c.latencies.get(201, []))} "
              f"| {ms(c.latencies.get(429, []))} | {seen or '-'} |")  # fmt: skip
    on, off, upd = taken["on"], taken["off"], taken["update_item"]
    print(f"\nlimiter cost per write ({len(on)} writes each way, interleaved):")
    print(f"- POST /v1/transfers median {ms(off)} ms off, {ms(on)} ms on "
          f"(+{1000 * (statistics.median(on) - statistics.median(off)):.1f} ms); "
          f"p95 {ms(off, 0.95)} ms off, {ms(on, 0.95)} ms on")  # fmt: skip
    print(f"- the counter's conditional UpdateItem alone: median {ms(upd)} ms, "
          f"p95 {ms(upd, 0.95)} ms")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=75.0, help="length of the flood")
    parser.add_argument("--samples", type=int, default=200, help="writes each way for the cost")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", "No application metrics to publish")
    from benchmarks.dynamodb_calls import seed, start_stack

    server, keys = start_stack()
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # Powertools logs and metrics
            from chalice.test import Client

            from app import app

            world = seed(keys)
            with Client(app, stage_name="bench") as client:
                flooder, normal = flood_vs_normal(client, world, keys, args.seconds)
                taken = overhead(client, world, keys, args.samples)
        report(flooder, normal, args.seconds, taken)
    finally:
        server.stop()
    refused_normal = normal.statuses[429]
    return 1 if refused_normal or not flooder.statuses[429] else 0


if __name__ == "__main__":
    sys.exit(main())
