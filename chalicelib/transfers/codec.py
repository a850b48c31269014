"""Plain-JSON form of a Transfer for storage (the repository's body attribute)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from chalicelib.core.clock import iso_utc, parse_utc
from chalicelib.transfers.domain import (
    Event,
    SchoolRef,
    State,
    Student,
    Transfer,
    waiting_on,
)


def dump(t: Transfer) -> dict[str, Any]:
    s = t.student
    return {
        "id": t.id,
        "parent_sub": t.parent_sub,
        "reason": t.reason,
        "wanted_start_date": t.wanted_start_date.isoformat(),
        "parent_name": t.parent_name,
        "parent_phone": t.parent_phone,
        "created_at": iso_utc(t.created_at),
        "state": t.state.value,
        "state_since": iso_utc(t.state_since or t.created_at),
        "seat_held": t.seat_held,
        "review_requested": t.review_requested,
        "revision_from": t.revision_from.value if t.revision_from else None,
        "origin_confirmed": t.origin_confirmed,
        "destination_confirmed": t.destination_confirmed,
        "letter_code": t.letter_code,
        "student": {
            "name": s.name,
            "nik_hmac": s.nik_hmac,
            "nik_cipher": s.nik_cipher,
            "nik_last4": s.nik_last4,
            "nisn": s.nisn,
            "birth_date": s.birth_date.isoformat(),
            "gender": s.gender,
            "grade": s.grade,
        },
        "origin": _school(t.origin),
        "destination": _school(t.destination),
        "timeline": [
            [iso_utc(e.at), e.action, e.from_state, e.to_state, e.actor_role, e.actor_sub, e.reason]
            for e in t.timeline
        ],
    }


def _school(ref: SchoolRef) -> dict[str, str]:
    return {"npsn": ref.npsn, "name": ref.name, "kabkota_code": ref.kabkota_code}


def load(d: dict[str, Any], version: int) -> Transfer:
    s = d["student"]
    student = Student(
        s["name"],
        s["nik_hmac"],
        s["nik_cipher"],
        s["nik_last4"],
        s["nisn"],
        date.fromisoformat(s["birth_date"]),
        s["gender"],
        int(s["grade"]),
    )
    timeline = tuple(
        Event(parse_utc(e[0]), e[1], e[2], e[3], e[4], e[5], e[6]) for e in d["timeline"]
    )
    return Transfer(
        id=d["id"],
        parent_sub=d["parent_sub"],
        student=student,
        origin=SchoolRef(**d["origin"]),
        destination=SchoolRef(**d["destination"]),
        reason=d["reason"],
        wanted_start_date=date.fromisoformat(d["wanted_start_date"]),
        parent_name=d["parent_name"],
        parent_phone=d["parent_phone"],
        created_at=parse_utc(d["created_at"]),
        state=State(d["state"]),
        state_since=parse_utc(d["state_since"]),
        version=version,
        seat_held=d["seat_held"],
        review_requested=d["review_requested"],
        revision_from=State(d["revision_from"]) if d["revision_from"] else None,
        origin_confirmed=d["origin_confirmed"],
        destination_confirmed=d["destination_confirmed"],
        letter_code=d["letter_code"],
        timeline=timeline,
    )


def queues(t: Transfer) -> tuple[str | None, str | None]:
    """(origin_queue, destination_queue): the school's NPSN while the request waits on it."""
    waits = waiting_on(t)
    origin = t.origin.npsn if f"school#{t.origin.npsn}" in waits else None
    destination = t.destination.npsn if f"school#{t.destination.npsn}" in waits else None
    return origin, destination


def with_version(t: Transfer, version: int) -> Transfer:
    return replace(t, version=version)
