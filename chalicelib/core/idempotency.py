"""Idempotency-Key support for POSTs, on Powertools idempotency (DynamoDB persistence).

The key is scoped to (caller sub, method + route, Idempotency-Key): a key replayed by another
account never sees the first caller's response. The body is the validation payload: the same
key with another body gives 422. Records live 24 h. A request still running gives 409.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from chalicelib.core.errors import Conflict, Invalid, Unprocessable

MAX_KEY_LENGTH = 128


def _execute(request: dict[str, Any], work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    return work()


@lru_cache(maxsize=1)
def _runner() -> tuple[Callable[..., dict[str, Any]], IdempotencyConfig]:
    from chalicelib.core.aws import client
    from chalicelib.core.settings import get_settings

    settings = get_settings()
    store = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table, boto3_client=client("dynamodb")
    )
    config = IdempotencyConfig(
        event_key_jmespath="scope",
        payload_validation_jmespath="payload",
        expires_after_seconds=settings.idempotency_ttl_seconds,
        raise_on_no_idempotency_key=True,
        use_local_cache=False,
    )
    wrapped = idempotent_function(
        data_keyword_argument="request", persistence_store=store, config=config
    )(_execute)
    return wrapped, config


def check_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise Invalid(
            "invalid_idempotency_key",
            f"Header Idempotency-Key harus 1-{MAX_KEY_LENGTH} karakter (disarankan UUID).",
        )
    return key


def run_once(
    scope: str, payload: Any, work: Callable[[], dict[str, Any]], lambda_context: Any = None
) -> dict[str, Any]:
    """Run ``work`` once per scope; replays return the stored result of the first run."""
    wrapped, config = _runner()
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)
    try:
        return wrapped(request={"scope": scope, "payload": payload}, work=work)
    except IdempotencyValidationError as exc:
        raise Unprocessable(
            "idempotency_key_reused", "Idempotency-Key ini sudah dipakai untuk permintaan lain."
        ) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise Conflict(
            "request_in_progress",
            "Permintaan yang sama masih diproses. Coba lagi sebentar.",
            retry_after=1,
        ) from exc
