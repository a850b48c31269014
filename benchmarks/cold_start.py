"""Cold start cost of ``import app`` compared with importing only its third-party dependencies.

Each sample is one fresh interpreter (``python -c ...``) run from the repository root, measured
as wall time and as CPU time (user + sys of the child, which a busy machine disturbs far less).
Three programs, interleaved round by round so drift hits them alike:

    (a) ``import app``
    (b) only the third-party imports the app needs (chalice, boto3, pynamodb, pydantic, ...)
    (c) a bare interpreter

The first round warms the bytecode and file caches and is dropped; medians are over the rest.
``(a - c) / (b - c)`` is what our own code adds on top of the libraries (goal <= 1.15). Also
printed: ``import app`` timed inside one interpreter that already imported (b), i.e. the cost of
our own modules alone.

    python -m benchmarks.cold_start [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 1.15
HEAVY = ("fpdf", "segno", "PIL")

APP = "import app"
THIRD_PARTY = "\n".join(
    [
        "import chalice",
        "from chalice import Blueprint, Chalice, ConvertToMiddleware, Cron, Response",
        "import boto3",
        "import botocore",
        "import pynamodb.models",
        "import pynamodb.indexes",
        "import pynamodb.transactions",
        "import pydantic",
        "import jwt",
        "from cryptography.hazmat.primitives.ciphers.aead import AESGCM",
        "from jwt import PyJWK, PyJWKClient",
        "from aws_lambda_powertools import Logger, Metrics",
        "from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter",
        "from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer",
        "from aws_lambda_powertools.utilities.idempotency import idempotent_function",
        "from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType",
        "from aws_lambda_powertools.utilities.batch import process_partial_response",
        "from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord",
    ]
)
BARE = "pass"
PROGRAMS = {"a: import app": APP, "b: third-party only": THIRD_PARTY, "c: bare interpreter": BARE}
HEAVY_CHECK = (
    "import json, sys\nimport app\n"
    f"print(json.dumps({{name: name in sys.modules for name in {HEAVY!r}}}))"
)

DUMMY_SETTINGS = {
    "STAGE": "bench",
    "AWS_REGION": "ap-southeast-3",
    "AWS_DEFAULT_REGION": "ap-southeast-3",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "TRANSFERS_TABLE": "bench-transfers",
    "SCHOOLS_TABLE": "bench-schools",
    "DOCUMENTS_TABLE": "bench-documents",
    "NOTIFICATIONS_TABLE": "bench-notifications",
    "AUDIT_TABLE": "bench-audit",
    "LOCKS_TABLE": "bench-locks",
    "LETTERS_TABLE": "bench-letters",
    "IDEMPOTENCY_TABLE": "bench-idempotency",
    "ADMISSIONS_TABLE": "bench-admissions",
    "DOCUMENTS_BUCKET": "bench-documents",
    "SNAPSHOTS_BUCKET": "bench-ppdb-live",
    "UPLOADS_QUEUE_NAME": "bench-uploads",
    "ALLOCATIONS_QUEUE_NAME": "bench-allocations",
    "SNAPSHOTS_PUBLIC_URL": "https://ppdb-live.bench.invalid",
    "JWT_ISSUER": "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_BENCH",
    "JWT_CLIENT_ID": "bench",
    "SIGNING_SECRET": "s" * 64,
    "NIK_HMAC_KEY": "n" * 64,
    "PII_KEY": "p" * 64,
    "POWERTOOLS_SERVICE_NAME": "tangerang-live-edu",
    "POWERTOOLS_METRICS_NAMESPACE": "TangerangLiveEdu",
}


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(DUMMY_SETTINGS)
    return env


def run_once(code: str, env: dict[str, str]) -> tuple[float, float]:
    """(wall ms, CPU ms) of one fresh interpreter running ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def own_code_ms(env: dict[str, str]) -> float:
    """Milliseconds of ``import app`` in an interpreter that already imported (b)."""
    code = (
        THIRD_PARTY
        + "\nimport time\nt = time.perf_counter()\nimport app\n"
        + "print((time.perf_counter() - t) * 1000)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def summarize(kind: str, samples: dict[str, list[float]]) -> float:
    """Print the medians of one measure; return its ratio (a-c)/(b-c)."""
    medians = {name: statistics.median(values) for name, values in samples.items()}
    a, b, c = medians.values()
    ratio = (a - c) / (b - c)
    print(f"{kind}:")
    for name, value in medians.items():
        spread = f"min {min(samples[name]):.1f} / max {max(samples[name]):.1f}"
        print(f"  {name:<22} {value:8.1f} ms   ({spread})")
    print(f"  import app over bare:   {a - c:8.1f} ms")
    print(f"  third-party over bare:  {b - c:8.1f} ms")
    verdict = "OK" if ratio <= GOAL else "OVER GOAL"
    print(f"  ratio (a-c)/(b-c):      {ratio:8.3f}   (goal <= {GOAL}: {verdict})")
    return ratio


def heavy_modules(env: dict[str, str]) -> dict[str, bool]:
    out = subprocess.run(
        [sys.executable, "-c", HEAVY_CHECK],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return {str(k): bool(v) for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cold start of import app")
    parser.add_argument("--runs", type=int, default=15, help="measured rounds (>= 9)")
    args = parser.parse_args(argv)
    runs = max(args.runs, 9)
    env = environment()
    wall: dict[str, list[float]] = {name: [] for name in PROGRAMS}
    cpu: dict[str, list[float]] = {name: [] for name in PROGRAMS}
    own: list[float] = []
    for round_no in range(runs + 1):  # round 0 warms caches and is dropped
        for name, code in PROGRAMS.items():
            wall_ms, cpu_ms = run_once(code, env)
            if round_no > 0:
                wall[name].append(wall_ms)
                cpu[name].append(cpu_ms)
        own_ms = own_code_ms(env)
        if round_no > 0:
            own.append(own_ms)
    print(f"Cold start, median of {runs} fresh interpreters each (first round dropped)")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    wall_ratio = summarize("wall time", wall)
    cpu_ratio = summarize("CPU time (user+sys)", cpu)
    print(f"import app after (b) already imported, in-process: {statistics.median(own):.1f} ms")
    heavy = heavy_modules(env)
    print("in sys.modules after import app: " + ", ".join(f"{k}={v}" for k, v in heavy.items()))
    del wall_ratio  # noisy on a shared machine; the exit status follows the CPU-time ratio
    return 0 if cpu_ratio <= GOAL and not any(heavy.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
