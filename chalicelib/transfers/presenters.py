"""Domain -> response models. Personal identifiers are masked here, once, for every route."""

from __future__ import annotations

from chalicelib.core.principal import Principal
from chalicelib.core.schemas import wib_text
from chalicelib.core.validators import mask_nik
from chalicelib.transfers.domain import Transfer, allowed_actions, waiting_on
from chalicelib.transfers.schemas import (
    ParentPublic,
    SchoolBrief,
    StudentPublic,
    Timeline,
    TimelineEntry,
    TransferPublic,
    TransferSummary,
)


def waiting_labels(t: Transfer) -> list[str]:
    labels = {
        f"user#{t.parent_sub}": "parent",
        f"school#{t.origin.npsn}": "origin_school",
        f"school#{t.destination.npsn}": "destination_school",
        "office#disdik": "education_office",
    }
    return [labels[w] for w in waiting_on(t)]


def public(t: Transfer, actor: Principal) -> TransferPublic:
    s = t.student
    return TransferPublic(
        id=t.id,
        state=t.state.value,
        state_since=t.state_since or t.created_at,
        version=t.version,
        student=StudentPublic(
            name=s.name,
            nik_masked=mask_nik("0" * 12 + s.nik_last4),
            nisn=s.nisn,
            birth_date=s.birth_date,
            gender=s.gender,
            grade=s.grade,
        ),
        origin=SchoolBrief(npsn=t.origin.npsn, name=t.origin.name),
        destination=SchoolBrief(npsn=t.destination.npsn, name=t.destination.name),
        reason=t.reason,
        wanted_start_date=t.wanted_start_date,
        parent=ParentPublic(name=t.parent_name, phone=t.parent_phone),
        created_at=t.created_at,
        seat_held=t.seat_held,
        crosses_boundary=t.crosses_boundary,
        review_requested=t.review_requested,
        origin_confirmed=t.origin_confirmed,
        destination_confirmed=t.destination_confirmed,
        waiting_on=waiting_labels(t),
        allowed_actions=[a.value for a in allowed_actions(t, actor)],
        letter_available=t.letter_code is not None,
    )


def summary(t: Transfer) -> TransferSummary:
    return TransferSummary(
        id=t.id,
        state=t.state.value,
        state_since=t.state_since or t.created_at,
        student_name=t.student.name,
        grade=t.student.grade,
        origin=SchoolBrief(npsn=t.origin.npsn, name=t.origin.name),
        destination=SchoolBrief(npsn=t.destination.npsn, name=t.destination.name),
        created_at=t.created_at,
    )


def timeline(t: Transfer) -> Timeline:
    entries = [
        TimelineEntry(
            at=e.at,
            at_wib=wib_text(e.at),
            action=e.action,
            from_state=e.from_state,
            to_state=e.to_state,
            actor_role=e.actor_role,
            reason=e.reason,
        )
        for e in t.timeline
    ]
    return Timeline(transfer_id=t.id, state=t.state.value, entries=entries)
