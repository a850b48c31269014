"""Inbox items as the API shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class InboxItem:
    id: str
    kind: str
    title: str
    body: str
    ref: str
    created_at: datetime
    read_at: datetime | None
