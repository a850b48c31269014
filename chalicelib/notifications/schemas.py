"""Inbox models."""

from __future__ import annotations

from chalicelib.core.schemas import Output, UtcTime


class NotificationPublic(Output):
    id: str
    kind: str
    title: str
    body: str
    ref: str
    created_at: UtcTime
    read_at: UtcTime | None
    unread: bool


class NotificationPage(Output):
    items: list[NotificationPublic]
    next_cursor: str | None


class UnreadCount(Output):
    unread: int
