"""Composition root: the production dependencies, built lazily on first use (never at import)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.core.clock import Clock, SystemClock

if TYPE_CHECKING:  # the repositories are imported when first used, not with every route
    from chalicelib.admissions.repository import AdmissionRepository
    from chalicelib.core.audit import AuditLog
    from chalicelib.core.notify import PushSender
    from chalicelib.core.settings import Settings
    from chalicelib.core.storage import Storage
    from chalicelib.documents.repository import DocumentRepository
    from chalicelib.notifications.repository import InboxRepository
    from chalicelib.schools.repository import SchoolRepository
    from chalicelib.transfers.repository import TransferRepository


@dataclass
class Deps:
    settings: Settings
    clock: Clock
    transfers: TransferRepository
    schools: SchoolRepository
    documents: DocumentRepository
    inbox: InboxRepository
    audit: AuditLog
    storage: Storage
    sender: PushSender
    admissions: AdmissionRepository
    snapshots: Storage


_override: Deps | None = None


def use(deps: Deps | None) -> None:
    """Tests and the local stand-in may swap the whole set (e.g. a fixed clock)."""
    global _override
    _override = deps


@lru_cache(maxsize=1)
def _production() -> Deps:
    from chalicelib.admissions.repository import DynamoAdmissionRepository
    from chalicelib.audit.repository import DynamoAuditLog
    from chalicelib.core.notify import SnsPushSender
    from chalicelib.core.settings import get_settings
    from chalicelib.core.storage import S3Storage
    from chalicelib.documents.repository import DynamoDocumentRepository
    from chalicelib.notifications.repository import DynamoInboxRepository
    from chalicelib.schools.repository import DynamoSchoolRepository
    from chalicelib.transfers.repository import DynamoTransferRepository

    settings = get_settings()
    return Deps(
        settings=settings,
        clock=SystemClock(),
        transfers=DynamoTransferRepository(settings.notification_ttl_days),
        schools=DynamoSchoolRepository(),
        documents=DynamoDocumentRepository(),
        inbox=DynamoInboxRepository(settings.notification_ttl_days),
        audit=DynamoAuditLog(),
        storage=S3Storage(settings.documents_bucket),
        sender=SnsPushSender(settings.notifications_topic_arn),
        admissions=DynamoAdmissionRepository(settings.notification_ttl_days),
        snapshots=S3Storage(settings.snapshots_bucket),
    )


def deps() -> Deps:
    return _override if _override is not None else _production()


def reset() -> None:
    _production.cache_clear()
