"""Make the embedded DynamoDB (moto) behave like DynamoDB where the service depends on it.

DynamoDB transactions are atomic and serialisable (brief, section 6). moto 5 applies a
TransactWriteItems item by item and, to roll back, first deep-copies EVERY table the transaction
touches. That is wrong under concurrency (two transactions on the threaded server can undo each
other's committed writes, or fail with "dictionary changed size during iteration") and slow:
the copy grows with the table, so a PPDB season of a few thousand items spends seconds per
write. Here:

- a transaction checks every condition first and writes only if all hold (no rollback needed
  for a condition failure), keeps a copy of the touched ITEMS only, and restores them if a write
  fails midway;
- every item operation of the backend runs under one lock, so readers never see half a
  transaction.

And one speed fix: moto's server lists its own package directory (``os.listdir`` + ``isdir`` of
~150 entries) on EVERY request to find the backend; that listing never changes, so it is
computed once. Measured on the PPDB season test it was most of the emulator's CPU time.

Applied once per process by ``local.run.start_moto`` (the local stack, the tests, the
benchmarks). The answers (TransactionCanceledException with per-item reasons, ALL_OLD items on
condition failure) are moto's own.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable
from typing import Any

_LOCK = threading.RLock()
_applied = False
SERIALISED = (
    "put_item",
    "update_item",
    "delete_item",
    "get_item",
    "query",
    "scan",
    "batch_write_item",
    "batch_get_item",
)


def _key_of(table: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


Step = tuple[str, dict[str, Any], str, dict[str, Any], Any]  # op type, op, table, key, before
Reason = tuple[str | None, str | None, Any]


def _check(backend: Any, transact_items: list[dict[str, Any]]) -> tuple[list[Step], list[Reason]]:
    """Validate the request and evaluate every condition against the current items."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    seen: set[tuple[str, str]] = set()
    plan: list[Step] = []
    reasons: list[Reason] = []
    for item in transact_items:
        if len(item) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(item.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            raise ValueError("Unsupported transaction operation")
        name = op["TableName"]
        key = _key_of(backend.get_table(name), op_type, op)
        ident = (str(name), str(dict(sorted(key.items()))))
        if ident in seen:
            raise MultipleTransactionsException()
        seen.add(ident)
        current = backend.get_item(name, key)
        condition = op.get("ConditionExpression")
        names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
        if condition is not None and not get_filter_expression(condition, names, values).expr(
            current
        ):
            wants_old = op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
            old = current.to_json()["Attributes"] if wants_old and current else None
            reasons.append(("ConditionalCheckFailed", "The conditional request failed", old))
            continue
        reasons.append((None, None, None))
        plan.append((op_type, op, name, key, copy.deepcopy(current)))
    return plan, reasons


def _apply(backend: Any, plan: list[Step]) -> None:
    """Write every step; if one fails, put the touched items back as they were."""
    done: list[tuple[str, dict[str, Any], Any]] = []
    try:
        for op_type, op, name, key, before in plan:
            if op_type == "ConditionCheck":
                continue
            done.append((name, key, before))
            if op_type == "Put":
                backend.put_item(name, op["Item"])
            elif op_type == "Delete":
                backend.delete_item(name, key)
            else:
                backend.update_item(
                    name,
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=op.get("ExpressionAttributeNames"),
                    expression_attribute_values=op.get("ExpressionAttributeValues"),
                )
    except Exception:
        for name, key, before in reversed(done):
            if before is None:
                backend.delete_item(name, key)
            else:
                backend.put_item(name, before.to_json()["Attributes"])
        raise


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """All conditions first, then all writes, under the backend lock."""
    from moto.dynamodb.exceptions import TransactionCanceledException

    with _LOCK:
        plan, reasons = _check(self, transact_items)
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
        _apply(self, plan)


def _serialised(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    return call


def make_dynamodb_serialisable() -> None:
    """Patch moto's DynamoDB backend and server dispatch (idempotent)."""
    global _applied
    if _applied:
        return
    from moto import backends
    from moto.dynamodb.models import DynamoDBBackend

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules  # type: ignore[assignment]

    for name in SERIALISED:
        setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
    _applied = True
