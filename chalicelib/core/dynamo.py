"""Shared pieces for repositories: PynamoDB base model and error translation.

Only repository modules (and this helper they use) import pynamodb.
"""

from __future__ import annotations

from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.models import Model

from chalicelib.core.errors import Unavailable
from chalicelib.core.tablenames import EnvRegion


class BaseMeta:
    region = EnvRegion()
    billing_mode = "PAY_PER_REQUEST"
    max_retry_attempts = 3
    connect_timeout_seconds = 3
    read_timeout_seconds = 10


_connections: dict[str, Connection] = {}


def connection() -> Connection:
    """The (cached) connection for TransactWrite; endpoint from AWS_ENDPOINT_URL* if set.

    Created on first use, never at import; one per region, reused across invocations.
    """
    region = str(BaseMeta.region)
    if region not in _connections:
        _connections[region] = Connection(region=region, max_retry_attempts=3)
    return _connections[region]


def reset_connections() -> None:
    _connections.clear()


def is_condition_failure(exc: Exception) -> bool:
    return isinstance(exc, (PutError, UpdateError)) and (
        exc.cause_response_code == "ConditionalCheckFailedException"
    )


def cancellation_codes(exc: TransactWriteError) -> list[str | None]:
    reasons = exc.cancellation_reasons or []
    return [r.code if r is not None else None for r in reasons]


def raise_unavailable(exc: Exception) -> None:
    """Throttling and transaction conflicts that outlived retries: 503, never a 500."""
    raise Unavailable("storage_busy", "Layanan sedang sibuk, silakan coba lagi sebentar.") from exc


def all_models() -> list[type[Model]]:
    """Every PynamoDB model of the service (used by the infra drift test)."""
    from chalicelib.admissions.repository import AdmissionModel
    from chalicelib.audit.repository import AuditModel
    from chalicelib.documents.repository import DocumentModel
    from chalicelib.notifications.repository import NotificationModel
    from chalicelib.privacy.repository import PrivacyRequestModel
    from chalicelib.schools.repository import SchoolModel
    from chalicelib.transfers.repository import LetterModel, LockModel, TransferModel

    return [
        TransferModel,
        LockModel,
        LetterModel,
        SchoolModel,
        DocumentModel,
        NotificationModel,
        AuditModel,
        AdmissionModel,
        PrivacyRequestModel,
    ]


Item = dict[str, Any]
