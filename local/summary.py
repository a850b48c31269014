"""What a scheduled job did, in one sentence a newcomer reads correctly (``make job``, the local
scheduler's log). The functions return counters (dataclasses as dicts); each job names its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Counts = Mapping[str, Any]


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def transfer_reminders(r: Counts) -> str:
    if not r["examined"]:
        return "0 reminders sent (no transfer request is waiting past its SLA or on a revision)"
    return (
        f"{plural(r['sent'], 'reminder')} sent to whoever a transfer request waits on; "
        f"{plural(r['examined'], 'request')} checked for waiting past the SLA or on a revision, "
        f"{r['skipped_duplicates']} already reminded today"
    )


def admission_reminders(r: Counts) -> str:
    if not r["examined"]:
        return "0 reminders sent (no daftar ulang deadline is 2 days away or today)"
    return (
        f"{plural(r['sent'], 'daftar ulang reminder')} sent to parents of admitted, unconfirmed "
        f"applicants; {plural(r['examined'], 'result')} checked, "
        f"{r['skipped_duplicates']} already reminded today"
    )


def admission_release(r: Counts) -> str:
    if r["periods"]:
        text = (
            f"{plural(r['released'], 'unconfirmed seat')} released in "
            f"{plural(r['periods'], 'period')} past a daftar ulang deadline"
        )
        if r["conflicts"]:
            text += f", {r['conflicts']} left for the next run (changed meanwhile)"
        if r["completed"]:
            text += f"; {plural(r['completed'], 'period')} now marked released"
    else:
        text = "0 seats released (no daftar ulang deadline has passed with seats to release)"
    return text + f"; statistics refreshed for {plural(r['statistics'], 'period')}"


def admissions_tick(r: Counts) -> str:
    if not r["periods"]:
        return "nothing to do (no period is open or waiting for its allocation or announcement)"
    text = (
        f"{plural(r['periods'], 'period')} handled: "
        f"{plural(r['snapshots'], 'live ranking snapshot')} published, "
        f"{plural(r['allocations_requested'], 'final allocation')} requested, "
        f"{plural(r['announced'], 'result')} frozen as announced, "
        f"{plural(r['announcements'], 'route announcement')} queued"
    )
    if r["errors"]:
        text += f"; {plural(r['errors'], 'period')} FAILED (see the log above)"
    return text


SUMMARIES: dict[str, Callable[[Counts], str]] = {
    "transfer_reminders": transfer_reminders,
    "admission_reminders": admission_reminders,
    "admission_release": admission_release,
    "admissions_tick": admissions_tick,
}


def describe(name: str, result: Any) -> str:
    """``name: what it did``; a job without a sentence yet lists its counters by name."""
    sentence = SUMMARIES.get(name)
    if sentence is not None and isinstance(result, Mapping):
        try:
            return f"{name}: {sentence(result)}"
        except KeyError:
            pass  # the job's counters changed: fall back to naming them
    if isinstance(result, Mapping):
        counters = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.items())
        return f"{name}: {counters or 'done'}"
    return f"{name}: {result}"
