"""Notifications: an in-app inbox item per recipient plus a push through a small sender.

A notification's id is derived from its dedupe key, so a retried event or a job run twice writes
it once (conditional put) and pushes it once (push only after the put succeeded).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Notification:
    recipient: str
    dedupe_key: str
    kind: str
    title: str
    body: str
    ref: str
    created_at: datetime

    @property
    def nid(self) -> str:
        return hashlib.sha256(self.dedupe_key.encode()).hexdigest()[:32]


class PushSender(Protocol):
    def send(self, notification: Notification) -> None: ...


class SnsPushSender:
    """Publishes to the notifications topic; the mobile push fan-out subscribes to it."""

    def __init__(self, topic_arn: str, client: Any = None) -> None:
        self.topic_arn = topic_arn
        self._client = client

    def send(self, notification: Notification) -> None:
        if not self.topic_arn:
            return
        if self._client is None:
            from chalicelib.core.aws import client

            self._client = client("sns")
        message = {
            "recipient": notification.recipient,
            "kind": notification.kind,
            "title": notification.title,
            "body": notification.body,
            "ref": notification.ref,
            "id": notification.nid,
        }
        self._client.publish(
            TopicArn=self.topic_arn,
            Message=json.dumps(message),
            MessageAttributes={
                "recipient": {"DataType": "String", "StringValue": notification.recipient}
            },
        )


class RecordingSender:
    """Keeps what would have been pushed; used by tests and by the local stack's log."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> None:
        self.sent.append(notification)


def push(sender: PushSender, notes: Iterable[Notification], **log_extra: Any) -> int:
    """Best-effort push of notifications whose inbox items are already written: a failing
    sender is logged (kind and ``log_extra``, never the text) and skipped, never raised, so a
    state change or a job is not undone or retried for a push. Returns how many were sent."""
    sent = 0
    for note in notes:
        try:
            sender.send(note)
        except Exception:  # noqa: BLE001 - the inbox item is written; push is best effort
            from chalicelib.core.observability import logger

            logger().warning("push failed", extra={"kind": note.kind, **log_extra})
        else:
            sent += 1
    return sent
