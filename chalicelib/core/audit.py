"""Audit records: who, in which role, did what to which subject, when, with what outcome.

Append-only: written with attribute_not_exists, never updated by any API. Staff and operator
reads of a child's personal data are audited as well as every state change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from chalicelib.core.ids import new_id
from chalicelib.core.principal import Principal, Role
from chalicelib.core.validators import mask_nik_like


@dataclass(frozen=True)
class AuditEntry:
    subject: str
    action: str
    actor_sub: str
    actor_role: str
    at: datetime
    outcome: str = "ok"
    detail: str = ""
    request_id: str = ""
    entry_id: str = field(default_factory=new_id)
    actor_unit: str = ""  # school#<npsn> or office#disdik: what a data subject may see of staff


def entry(
    subject: str,
    action: str,
    actor: Principal,
    at: datetime,
    *,
    outcome: str = "ok",
    detail: str = "",
    request_id: str = "",
) -> AuditEntry:
    detail = mask_nik_like(detail)  # a detail may quote a typed reason
    unit = actor.inbox if actor.role in (Role.SCHOOL_OPERATOR, Role.EDUCATION_STAFF) else ""
    return AuditEntry(
        subject, action, actor.sub, actor.role.value, at, outcome, detail, request_id,
        actor_unit=unit,
    )  # fmt: skip


class AuditLog(Protocol):
    def append(self, item: AuditEntry) -> None: ...

    def for_subject(
        self, subject: str, limit: int, after: dict | None
    ) -> tuple[list[AuditEntry], dict | None]: ...
