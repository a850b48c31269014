"""Inbox routes."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core.http import PAGE_QUERY, EmptyBody, Reply, Req, endpoint
from chalicelib.wiring import deps

bp = Blueprint(__name__)


@endpoint(
    bp,
    "/v1/notifications",
    returns="chalicelib.notifications.schemas.NotificationPage",
    summary="Kotak masuk notifikasi, terbaru dahulu",
    query=PAGE_QUERY,
)
def list_notifications(req: Req) -> Reply:
    from chalicelib.notifications import service

    return Reply(service.inbox(req.query, actor=req.actor, deps=deps()))


@endpoint(
    bp,
    "/v1/notifications/unread-count",
    returns="chalicelib.notifications.schemas.UnreadCount",
    summary="Jumlah notifikasi belum dibaca",
)
def unread_count(req: Req) -> Reply:
    from chalicelib.notifications import service

    return Reply(service.unread(actor=req.actor, deps=deps()))


@endpoint(
    bp,
    "/v1/notifications/{notification_id}/read",
    "POST",
    body=EmptyBody,
    returns="chalicelib.notifications.schemas.UnreadCount",
    summary="Tandai notifikasi sudah dibaca",
)
def mark_read(req: Req, notification_id: str) -> Reply:
    from chalicelib.notifications import service

    return Reply(service.mark_read(notification_id, actor=req.actor, deps=deps()))
