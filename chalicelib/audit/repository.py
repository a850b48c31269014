"""Audit storage: subject (hash) + time-ordered entry (range); a GSI by actor for breach drills."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.audit import AuditEntry
from chalicelib.core.clock import iso_utc
from chalicelib.core.dynamo import BaseMeta, Model
from chalicelib.core.tablenames import SettingName


class ByActor(GlobalSecondaryIndex["AuditModel"]):
    class Meta:
        index_name = "by_actor"
        projection = AllProjection()

    actor_sub = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)


class AuditModel(Model):
    class Meta(BaseMeta):
        table_name = SettingName("audit_table")

    subject = UnicodeAttribute(hash_key=True)
    entry_key = UnicodeAttribute(range_key=True)
    action = UnicodeAttribute()
    actor_sub = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    at = UTCDateTimeAttribute()
    outcome = UnicodeAttribute()
    detail = UnicodeAttribute(default="")
    request_id = UnicodeAttribute(default="")
    actor_unit = UnicodeAttribute(null=True)  # absent on entries written before it existed
    by_actor = ByActor()


def to_model(item: AuditEntry) -> AuditModel:
    return AuditModel(
        subject=item.subject,
        entry_key=f"{iso_utc(item.at)}#{item.entry_id}",
        action=item.action,
        actor_sub=item.actor_sub,
        actor_role=item.actor_role,
        at=item.at,
        outcome=item.outcome,
        detail=item.detail,
        request_id=item.request_id,
        actor_unit=item.actor_unit or None,
    )


def from_model(m: AuditModel) -> AuditEntry:
    return AuditEntry(
        m.subject,
        m.action,
        m.actor_sub,
        m.actor_role,
        m.at,
        m.outcome,
        m.detail,
        m.request_id,
        m.entry_key.split("#", 1)[1],
        m.actor_unit or "",
    )


class DynamoAuditLog:
    def append(self, item: AuditEntry) -> None:
        to_model(item).save(condition=AuditModel.subject.does_not_exist())

    def for_subject(
        self, subject: str, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[AuditEntry], dict[str, Any] | None]:
        result = AuditModel.query(
            subject, scan_index_forward=False, limit=limit, last_evaluated_key=after
        )
        items = [from_model(m) for m in result]
        return items, result.last_evaluated_key
