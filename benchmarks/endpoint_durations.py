"""Per-request durations of EVERY API route, measured in-process, and what they would take on AWS.

The scene of benchmarks/scene.py (moto in server mode in this process, chalice.test.Client, every
Pindah Sekolah flow and one PPDB period, with ``every_route`` adding the six PPDB routes the
DynamoDB-calls flow does not need) runs once as a warm-up (imports, first connections, lazy
dependencies), then ``--rounds`` more times on freshly seeded schools and callers; only the
measured rounds count. Each request is timed on its own:

- ``wall``: perf_counter around ``client.http.request``;
- ``moto``: wall time inside ``botocore.endpoint.Endpoint._send`` (HTTP to the stand-in plus
  moto's own work, which is much slower than DynamoDB);
- ``cpu``: CPU time of the calling thread (the app, pydantic, PynamoDB and botocore serialising;
  moto's server threads are not counted);
- ``AWS est.``: ``cpu x CPU_FACTOR + calls x latency``: the CPU part scaled to the API function's
  memory size (Lambda gives 1 vCPU at 1,769 MB, a share below it) and each AWS call replaced by a
  stated in-region latency (``LATENCY_MS``).

Every route of chalicelib/openapi.json must be measured; the run exits 1 if one is missing or a
step of the flow does not answer as expected. Jobs and queue consumers are listed after the
routes (their ``AWS est.`` uses the same factor; their memory differs, see docs/capacity.md).

    python -m benchmarks.endpoint_durations [--rounds 20]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from benchmarks.scene import Row, Timing, run_rounds

ROOT = Path(__file__).resolve().parent.parent
LAMBDA_FULL_VCPU_MB = 1769
# In-region latency assumed per AWS call (ms), client side, p50, ap-southeast-3 from Lambda:
# single-item DynamoDB reads and writes 5-8 ms (6), a Query of one page 7, a transaction (two
# phases) 12; S3/SQS/SNS requests 15.
LATENCY_MS = {
    "GetItem": 6.0,
    "PutItem": 6.0,
    "UpdateItem": 6.0,
    "DeleteItem": 6.0,
    "Query": 7.0,
    "BatchWriteItem": 8.0,
    "BatchGetItem": 8.0,
    "TransactWriteItems": 12.0,
    "TransactGetItems": 10.0,
}
OTHER_SERVICE_MS = 15.0

# The capacity model (docs/capacity.md): the busiest hour of a registration window and of an
# announcement. Per scenario: the families acting in that hour (cohort x share in the first
# hour), the peak factor of the busiest minutes over the hour's average, and per endpoint the
# requests each family makes in that hour plus a fixed number per hour (school operators, staff).
COHORT = 30_000  # the larger yearly cohort (SD ~30k, SMP ~26k; docs/capacity.md)
DESIGN_MARGIN = 2.0  # size for twice the expected peak (security brief, figure 12)
PA = "/v1/admissions/applications/{application_id}"
PP = "/v1/admissions/periods/{period_id}"
SCENARIOS: dict[str, dict[str, object]] = {
    "registration hour": {
        "families": COHORT * 0.5,  # half the window's families in its first hour
        "peak": 2.0,  # the first minutes carry twice the hour's average
        "mix": [  # (endpoint, role, per family, fixed per hour)
            ("GET /v1/admissions/periods", "parent", 1, 0),
            (f"GET {PP}", "parent", 1, 0),
            (f"GET {PP}/schools", "parent", 1, 0),
            ("GET /v1/admissions/applications", "parent", 1, 0),
            (f"GET {PA}", "parent", 3, 0),
            (f"PUT {PA}/registration", "parent", 1.5, 0),
            (f"GET {PA}/position (again, cached)", "parent", 30, 0),  # a poll a minute, 30 min
            ("GET /v1/notifications/unread-count", "parent", 30, 0),  # the same
            ("GET /v1/notifications", "parent", 2, 0),
            ("POST /v1/notifications/{notification_id}/read", "parent", 1, 0),
            (f"GET {PA}/documents", "parent", 0.5, 0),
            (f"POST {PA}/documents", "parent", 0.1, 0),
            ("GET /v1/public/admissions/periods/{period_id}/statistics", "public", 0.5, 0),
            (f"GET {PP}/verification-queue", "operator (verifying school)", 0, 298 * 30),
            (f"GET {PA}", "operator (verifying school)", 0, 298 * 30),
        ],
    },
    "announcement hour": {
        "families": COHORT * 0.8,  # most families look in the first hour after the push
        "peak": 3.0,  # the push reaches everyone at the announcement minute
        "mix": [
            ("GET /v1/notifications/unread-count", "parent", 10, 0),
            ("GET /v1/notifications", "parent", 1, 0),
            ("POST /v1/notifications/{notification_id}/read", "parent", 1, 0),
            ("GET /v1/admissions/applications", "parent", 1, 0),
            (f"GET {PA}", "parent", 1.5, 0),
            (f"GET {PA}/result (again, cached)", "parent", 2, 0),
            (f"POST {PA}/confirm", "parent", 0.2, 0),  # where daftar ulang opens at once
            ("GET /v1/public/admissions/periods/{period_id}/statistics", "public", 0.3, 0),
            (f"GET {PP}/statistics", "education_staff", 0, 600),
            (f"GET {PP}/schools/{{npsn}}/results.xlsx", "education_staff", 0, 298 * 2),
        ],
    },
}


@dataclass(frozen=True)
class Stats:
    endpoint: str
    role: str
    n: int
    wall: tuple[float, float]  # median, p95 (ms)
    moto: float  # median ms
    app: float  # median ms (wall - moto)
    cpu: tuple[float, float]  # median, p95 (ms)
    dynamodb: float  # calls per request (mean)
    other: float  # non-DynamoDB AWS calls per request (mean)
    latency_ms: float  # stated latency of those calls (mean per request)
    aws: tuple[float, float]  # estimated AWS duration median, p95 (ms)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def cpu_factor(memory_mb: int) -> float:
    return max(1.0, LAMBDA_FULL_VCPU_MB / memory_mb)


def api_memory_mb() -> int:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return int(config["stages"]["prod"].get("lambda_memory_size", 128))


def call_latency(ops: Counter[str], timing: Timing) -> float:
    dynamo = sum(LATENCY_MS.get(op, 8.0) * n for op, n in ops.items())
    other = sum(n for service, n in timing.calls if service != "dynamodb")
    return dynamo + OTHER_SERVICE_MS * other


def summarise(key: tuple[str, str], rows: list[Row], factor: float) -> Stats:
    samples = [(ops, t) for row in rows for ops, t in zip(row.samples, row.timings, strict=True)]
    walls = [t.wall * 1000 for _, t in samples]
    cpus = [t.cpu * 1000 for _, t in samples]
    latencies = [call_latency(ops, t) for ops, t in samples]
    estimates = [c * factor + lat for c, lat in zip(cpus, latencies, strict=True)]
    dynamo = [sum(ops.values()) for ops, _ in samples]
    other = [sum(n for s, n in t.calls if s != "dynamodb") for _, t in samples]
    return Stats(
        endpoint=key[0],
        role=key[1],
        n=len(samples),
        wall=(statistics.median(walls), p95(walls)),
        moto=statistics.median(t.aws_wait * 1000 for _, t in samples),
        app=statistics.median(t.app * 1000 for _, t in samples),
        cpu=(statistics.median(cpus), p95(cpus)),
        dynamodb=statistics.fmean(dynamo),
        other=statistics.fmean(other),
        latency_ms=statistics.fmean(latencies),
        aws=(statistics.median(estimates), p95(estimates)),
    )


def collect(rounds: list[list[Row]], factor: float) -> list[Stats]:
    grouped: dict[tuple[str, str], list[Row]] = {}
    for rows in rounds:
        for row in rows:
            grouped.setdefault((row.endpoint, row.role), []).append(row)
    return [summarise(key, rows, factor) for key, rows in grouped.items()]


def route_of(endpoint: str) -> tuple[str, str] | None:
    """(METHOD, path template) of a measured HTTP row; None for jobs and queue consumers."""
    match = re.match(r"^(GET|POST|PUT|PATCH|DELETE) (/\S*)", endpoint)
    if match is None:
        return None
    return match.group(1), match.group(2).split("?", 1)[0]


def documented_routes() -> set[tuple[str, str]]:
    document = json.loads((ROOT / "chalicelib" / "openapi.json").read_text())
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        (m.upper(), path) for path, ops in document["paths"].items() for m in ops if m in methods
    }


def _n(value: float) -> str:
    return f"{value:.1f}"


def _calls(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.2f}"


def table(stats: list[Stats]) -> str:
    lines = [
        "| endpoint | role | n | wall p50 | wall p95 | moto p50 | app p50 | CPU p50 | CPU p95 "
        "| DynamoDB calls | other AWS calls | AWS est. p50 | AWS est. p95 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in stats:
        lines.append(
            f"| {s.endpoint} | {s.role} | {s.n} | {_n(s.wall[0])} | {_n(s.wall[1])} "
            f"| {_n(s.moto)} | {_n(s.app)} | {_n(s.cpu[0])} | {_n(s.cpu[1])} "
            f"| {_calls(s.dynamodb)} | {_calls(s.other)} | {_n(s.aws[0])} | {_n(s.aws[1])} |"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class Load:
    endpoint: str
    role: str
    rps: float  # expected peak requests/s
    duration_ms: float  # AWS est. p95
    dynamodb: float  # calls per request


def model(stats: list[Stats], scenario: dict[str, object]) -> list[Load]:
    by_key = {(s.endpoint, s.role): s for s in stats}
    families = float(scenario["families"])  # type: ignore[arg-type]
    peak = float(scenario["peak"])  # type: ignore[arg-type]
    loads = []
    for endpoint, role, per_family, fixed in scenario["mix"]:  # type: ignore[attr-defined]
        s = by_key[(endpoint, role)]
        rps = (families * per_family + fixed) / 3600 * peak
        loads.append(Load(endpoint, role, rps, s.aws[1], s.dynamodb))
    return loads


def model_table(name: str, loads: list[Load]) -> str:
    lines = [
        f"### {name}\n",
        "| endpoint | role | req/s expected | req/s design (x2) | AWS est. p95 ms "
        "| concurrency design | DynamoDB calls/s design |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    total = conc = calls = 0.0
    for x in loads:
        design = x.rps * DESIGN_MARGIN
        c = design * x.duration_ms / 1000
        total, conc, calls = total + x.rps, conc + c, calls + design * x.dynamodb
        lines.append(
            f"| {x.endpoint} | {x.role} | {x.rps:.1f} | {design:.1f} | {x.duration_ms:.1f} "
            f"| {c:.1f} | {design * x.dynamodb:.0f} |"
        )
    lines.append(
        f"| **total** | | **{total:.0f}** | **{total * DESIGN_MARGIN:.0f}** | "
        f"{conc * 1000 / (total * DESIGN_MARGIN):.1f} (mean) | **{conc:.1f}** | **{calls:.0f}** |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="measured rounds after a warm-up")
    args = parser.parse_args(argv)
    memory = api_memory_mb()
    factor = cpu_factor(memory)
    rounds = run_rounds(args.rounds + 1, every_route=True)[1:]  # round 0 is the warm-up
    stats = collect(rounds, factor)
    routes = [s for s in stats if route_of(s.endpoint) is not None]
    jobs = [s for s in stats if route_of(s.endpoint) is None]
    measured = {r for s in routes if (r := route_of(s.endpoint)) is not None}
    missing = sorted(documented_routes() - measured)
    print(f"Per-request durations, ms ({args.rounds} measured rounds after a warm-up round;")
    print("chalice.test.Client on an in-process moto server; this machine).")
    print(f"AWS est. = CPU x {factor:.2f} (API function {memory} MB; 1 vCPU at")
    per_call = ", ".join(f"{op} {ms:g}" for op, ms in LATENCY_MS.items())
    print(f"{LAMBDA_FULL_VCPU_MB} MB) + per call: {per_call}, S3/SQS/SNS {OTHER_SERVICE_MS:g}.\n")
    print("## Routes\n")
    print(table(routes))
    print("\n## Jobs and queue consumers (same factor; their own memory is in docs/capacity.md)\n")
    print(table(jobs))
    print("\n## Capacity model (docs/capacity.md; Little's law: concurrency = req/s x duration)\n")
    for name, scenario in SCENARIOS.items():
        print(model_table(name, model(stats, scenario)) + "\n")
    documented = documented_routes()
    print(f"{len(measured & documented)} of {len(documented)} documented routes measured.")
    if missing:
        print("NOT MEASURED: " + ", ".join(f"{m} {p}" for m, p in missing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
