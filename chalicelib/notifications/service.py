"""Inbox use cases. Operators share their school's inbox, staff the office's (Principal.inbox)."""

from __future__ import annotations

import re

from chalicelib.core.errors import NotFound
from chalicelib.core.pagination import decode_cursor, encode_cursor, parse_limit
from chalicelib.core.principal import Principal
from chalicelib.notifications.domain import InboxItem
from chalicelib.notifications.schemas import NotificationPage, NotificationPublic, UnreadCount
from chalicelib.wiring import Deps

_NID = re.compile(r"^[0-9a-f]{32}$")


def _public(item: InboxItem) -> NotificationPublic:
    return NotificationPublic(
        id=item.id,
        kind=item.kind,
        title=item.title,
        body=item.body,
        ref=item.ref,
        created_at=item.created_at,
        read_at=item.read_at,
        unread=item.read_at is None,
    )


def inbox(query: dict[str, str], *, actor: Principal, deps: Deps) -> NotificationPage:
    scope, secret = f"inbox:{actor.inbox}", deps.settings.signing_secret
    items, last = deps.inbox.list(
        actor.inbox,
        parse_limit(query.get("limit")),
        decode_cursor(secret, scope, query.get("cursor")),
    )
    return NotificationPage(
        items=[_public(i) for i in items], next_cursor=encode_cursor(secret, scope, last)
    )


def unread(*, actor: Principal, deps: Deps) -> UnreadCount:
    return UnreadCount(unread=deps.inbox.unread_count(actor.inbox))


def mark_read(notification_id: str, *, actor: Principal, deps: Deps) -> UnreadCount:
    """Raises NotFound when the id is not in the caller's inbox."""
    if not _NID.match(notification_id) or not deps.inbox.mark_read(
        actor.inbox, notification_id, deps.clock.now()
    ):
        raise NotFound("notification_not_found", "Notifikasi tidak ditemukan.")
    return unread(actor=actor, deps=deps)
