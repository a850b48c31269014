"""Inbox storage. Key: recipient + notification id (derived from the dedupe key).

LSI ``by_time`` orders an inbox newest first; sparse LSI ``by_unread`` holds only unread items,
so the unread count is one Query with Select=COUNT.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pynamodb.attributes import TTLAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, IncludeProjection, LocalSecondaryIndex

from chalicelib.core.clock import iso_utc, parse_utc
from chalicelib.core.dynamo import BaseMeta, Model, is_condition_failure
from chalicelib.core.notify import Notification
from chalicelib.core.tablenames import SettingName
from chalicelib.notifications.domain import InboxItem


class ByTime(LocalSecondaryIndex["NotificationModel"]):
    class Meta:
        index_name = "by_time"
        projection = AllProjection()

    recipient = UnicodeAttribute(hash_key=True)
    created_key = UnicodeAttribute(range_key=True)


class ByUnread(LocalSecondaryIndex["NotificationModel"]):
    class Meta:
        index_name = "by_unread"
        projection = IncludeProjection(["expires_at"])

    recipient = UnicodeAttribute(hash_key=True)
    unread_key = UnicodeAttribute(range_key=True)


class NotificationModel(Model):
    class Meta(BaseMeta):
        table_name = SettingName("notifications_table")

    recipient = UnicodeAttribute(hash_key=True)
    nid = UnicodeAttribute(range_key=True)
    created_key = UnicodeAttribute()
    unread_key = UnicodeAttribute(null=True)
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    body = UnicodeAttribute()
    ref = UnicodeAttribute(default="")
    read_at = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    by_time = ByTime()
    by_unread = ByUnread()


def to_model(n: Notification, ttl_days: int) -> NotificationModel:
    key = f"{iso_utc(n.created_at)}#{n.nid}"
    return NotificationModel(
        recipient=n.recipient,
        nid=n.nid,
        created_key=key,
        unread_key=key,
        kind=n.kind,
        title=n.title,
        body=n.body,
        ref=n.ref,
        expires_at=n.created_at + timedelta(days=ttl_days),
    )


def to_item(m: NotificationModel) -> InboxItem:
    return InboxItem(
        id=m.nid,
        kind=m.kind,
        title=m.title,
        body=m.body,
        ref=m.ref,
        created_at=parse_utc(m.created_key.split("#", 1)[0]),
        read_at=parse_utc(m.read_at) if m.read_at else None,
    )


class InboxRepository(Protocol):
    def put_once(self, n: Notification) -> bool: ...

    def list(
        self, recipient: str, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[InboxItem], dict[str, Any] | None]: ...

    def unread_count(self, recipient: str) -> int: ...

    def mark_read(self, recipient: str, nid: str, at: datetime) -> bool: ...

    def delete_for(self, recipient: str, ref: str | None = None) -> int: ...


def _not_expired() -> Any:
    """DynamoDB TTL deletes expired items up to days late: never show them (R-29)."""
    now = datetime.now(UTC)
    return NotificationModel.expires_at.does_not_exist() | (NotificationModel.expires_at > now)


class DynamoInboxRepository:
    def __init__(self, ttl_days: int = 180) -> None:
        self.ttl_days = ttl_days

    def put_once(self, n: Notification) -> bool:
        """False when this dedupe key was written before (a retry or a second job run)."""
        try:
            to_model(n, self.ttl_days).save(condition=NotificationModel.nid.does_not_exist())
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def list(
        self, recipient: str, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[InboxItem], dict[str, Any] | None]:
        result = NotificationModel.by_time.query(
            recipient,
            filter_condition=_not_expired(),
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=after,
        )
        return [to_item(m) for m in result], result.last_evaluated_key

    def unread_count(self, recipient: str) -> int:
        return NotificationModel.by_unread.count(recipient, filter_condition=_not_expired())

    def mark_read(self, recipient: str, nid: str, at: datetime) -> bool:
        """False when there is no such notification in this inbox."""
        try:
            NotificationModel(recipient=recipient, nid=nid).update(
                actions=[
                    NotificationModel.unread_key.remove(),
                    NotificationModel.read_at.set(iso_utc(at)),
                ],
                condition=NotificationModel.nid.exists(),
            )
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def delete_for(self, recipient: str, ref: str | None = None) -> int:
        """Delete the items of one inbox (only those about ``ref`` when given), expired ones
        included (chalicelib.privacy erasure). One Query of the recipient's partition, then one
        DeleteItem per item. Returns how many were deleted."""
        condition = None if ref is None else NotificationModel.ref == ref
        deleted = 0
        for m in NotificationModel.query(
            recipient, filter_condition=condition, attributes_to_get=["recipient", "nid"]
        ):
            NotificationModel(recipient=m.recipient, nid=m.nid).delete()
            deleted += 1
        return deleted
