"""Inbox routes."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.core.http import Reply, Req, endpoint
from chalicelib.notifications import service
from chalicelib.wiring import deps

bp = Blueprint(__name__)


@endpoint(bp, "/v1/notifications")
def list_notifications(req: Req) -> Reply:
    return Reply(service.inbox(req.query, actor=req.actor, deps=deps()))


@endpoint(bp, "/v1/notifications/unread-count")
def unread_count(req: Req) -> Reply:
    return Reply(service.unread(actor=req.actor, deps=deps()))


@endpoint(bp, "/v1/notifications/{notification_id}/read", "POST")
def mark_read(req: Req, notification_id: str) -> Reply:
    return Reply(service.mark_read(notification_id, actor=req.actor, deps=deps()))
