"""DynamoDB API calls per endpoint, over full Pindah Sekolah flows and one PPDB period, through
chalice.test.Client on an in-process moto server (the set-up of tests/conftest.py).

Every botocore client call is counted by wrapping ``BaseClient._make_api_call`` in this process
(PynamoDB and the boto3 clients, including Powertools idempotency, all go through it); only
``dynamodb`` calls are kept. Each HTTP request (and each SQS upload batch handed to
chalicelib.documents.handlers.process) is measured on its own; the stack, the seed and the flows
are in benchmarks/scene.py. Prints a markdown table; exits 1 if any Scan was made or a step of the
flow did not answer as expected.

    python -m benchmarks.dynamodb_calls
"""

from __future__ import annotations

import sys
from collections import Counter

from benchmarks.scene import Row, run_rounds


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
    """Start the stack, run the flows once, return the measured rows."""
    return run_rounds(1)[0]


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
