"""Transfers storage and the unit of work of a transition.

Table ``transfers``: id (hash). Key attributes are top-level for the GSIs; the rest of the request
is one JSON body. GSIs: by_parent, by_state, by_origin, by_destination (all requests involving a
school), origin_queue / destination_queue (sparse: only requests waiting on that school).
A transition is ONE TransactWriteItems: the request (version condition), the seat counter
(``free_seats > 0``), the open-request lock, the audit entry, the inbox items, the letter.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pynamodb.attributes import UnicodeAttribute, UTCDateTimeAttribute, VersionAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.audit.repository import to_model as audit_model
from chalicelib.core.audit import AuditEntry
from chalicelib.core.clock import iso_utc
from chalicelib.core.dynamo import (
    BaseMeta,
    Model,
    cancellation_codes,
    connection,
    raise_unavailable,
)
from chalicelib.core.errors import Conflict
from chalicelib.core.notify import Notification
from chalicelib.core.tablenames import SettingName
from chalicelib.notifications.repository import to_model as inbox_model
from chalicelib.schools.repository import SchoolModel, seats_key
from chalicelib.transfers import codec
from chalicelib.transfers.domain import Transfer
from chalicelib.transfers.letters import Letter


def _gsi(name: str, hash_attr: str, range_attr: str) -> Any:
    meta = type("Meta", (), {"index_name": name, "projection": AllProjection()})
    attrs = {
        "Meta": meta,
        hash_attr: UnicodeAttribute(hash_key=True),
        range_attr: UnicodeAttribute(range_key=True),
    }
    return type(f"Index_{name}", (GlobalSecondaryIndex,), attrs)()


class TransferModel(Model):
    class Meta(BaseMeta):
        table_name = SettingName("transfers_table")

    id = UnicodeAttribute(hash_key=True)
    parent_sub = UnicodeAttribute()
    state = UnicodeAttribute()
    state_since = UnicodeAttribute()
    created_at = UnicodeAttribute()
    origin_npsn = UnicodeAttribute()
    destination_npsn = UnicodeAttribute()
    origin_queue = UnicodeAttribute(null=True)
    destination_queue = UnicodeAttribute(null=True)
    body = UnicodeAttribute()
    version = VersionAttribute()
    by_parent = _gsi("by_parent", "parent_sub", "created_at")
    by_state = _gsi("by_state", "state", "state_since")
    by_origin = _gsi("by_origin", "origin_npsn", "created_at")
    by_destination = _gsi("by_destination", "destination_npsn", "created_at")
    origin_queue_index = _gsi("origin_queue", "origin_queue", "state_since")
    destination_queue_index = _gsi("destination_queue", "destination_queue", "state_since")


class LockModel(Model):
    """Uniqueness items, e.g. one open transfer per child: key = ``transfer-open#<nik hmac>``."""

    class Meta(BaseMeta):
        table_name = SettingName("locks_table")

    key = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()


class LetterModel(Model):
    """Verification codes of issued letters; only non-sensitive facts live here."""

    class Meta(BaseMeta):
        table_name = SettingName("letters_table")

    code = UnicodeAttribute(hash_key=True)
    transfer_id = UnicodeAttribute()
    status = UnicodeAttribute()
    body = UnicodeAttribute()


@dataclass
class Change:
    """Everything one transition writes, atomically."""

    after: Transfer
    expected_version: int | None  # None = create
    take_seat: bool = False
    free_seat: bool = False
    lock_key: str | None = None
    create_lock: bool = False
    release_lock: bool = False
    audit: list[AuditEntry] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    letter: Letter | None = None


def to_model(t: Transfer, version: int | None) -> TransferModel:
    queues = codec.queues(t)
    model = TransferModel(
        id=t.id,
        parent_sub=t.parent_sub,
        state=t.state.value,
        state_since=iso_utc(t.state_since or t.created_at),
        created_at=iso_utc(t.created_at),
        origin_npsn=t.origin.npsn,
        destination_npsn=t.destination.npsn,
        origin_queue=queues[0],
        destination_queue=queues[1],
        body=json.dumps(codec.dump(t)),
    )
    if version is not None:
        model.version = version
    return model


def from_model(m: TransferModel) -> Transfer:
    return codec.load(json.loads(m.body), version=int(m.version or 1))


class TransferRepository(Protocol):
    def get(self, transfer_id: str) -> Transfer | None: ...

    def commit(self, change: Change) -> Transfer: ...

    def query(
        self,
        index: str,
        key: str,
        limit: int,
        after: dict[str, Any] | None,
        since_before: datetime | None = None,
    ) -> tuple[list[Transfer], dict[str, Any] | None]: ...

    def letter(self, code: str) -> Letter | None: ...

    def set_letter_status(self, code: str, status: str) -> None: ...

    def delete_unsubmitted(
        self, t: Transfer, lock_key: str | None, audit: list[AuditEntry]
    ) -> None: ...


INDEXES = {
    "by_parent",
    "by_state",
    "by_origin",
    "by_destination",
    "origin_queue",
    "destination_queue",
}


class DynamoTransferRepository:
    def __init__(self, inbox_ttl_days: int = 180) -> None:
        self.inbox_ttl_days = inbox_ttl_days

    def get(self, transfer_id: str) -> Transfer | None:
        try:
            return from_model(TransferModel.get(transfer_id))
        except TransferModel.DoesNotExist:
            return None

    def commit(self, change: Change) -> Transfer:
        for attempt in range(4):
            try:
                self._write(change)
                break
            except TransactWriteError as exc:
                codes = cancellation_codes(exc)
                if "ConditionalCheckFailed" in codes:
                    _raise_condition(change, codes)
                if attempt == 3:
                    raise_unavailable(exc)
                time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))  # noqa: S311 - jitter
        version = 1 if change.expected_version is None else change.expected_version + 1
        return codec.with_version(change.after, version)

    def _write(self, change: Change) -> None:
        t = change.after
        with TransactWrite(connection=connection()) as tx:
            model = to_model(t, change.expected_version)
            if change.expected_version is None:
                tx.save(model, condition=TransferModel.id.does_not_exist())
            else:
                tx.save(model)  # VersionAttribute adds "version = expected"
            _seat_ops(tx, change)
            _lock_ops(tx, change)
            for item in change.audit:
                tx.save(audit_model(item))
            for note in change.notifications:
                tx.save(inbox_model(note, ttl_days=self.inbox_ttl_days))
            if change.letter is not None:
                letter = change.letter
                tx.save(
                    LetterModel(
                        code=letter.code,
                        transfer_id=letter.transfer_id,
                        status=letter.status,
                        body=json.dumps(letter.public_facts()),
                    ),
                    condition=LetterModel.code.does_not_exist(),
                )

    def query(
        self,
        index: str,
        key: str,
        limit: int,
        after: dict[str, Any] | None,
        since_before: datetime | None = None,
    ) -> tuple[list[Transfer], dict[str, Any] | None]:
        if index not in INDEXES:
            raise ValueError(index)
        if since_before is not None and not index.endswith(("by_state", "_queue")):
            raise ValueError(f"{index} is not sorted by state_since")
        attr = {
            "origin_queue": "origin_queue_index",
            "destination_queue": "destination_queue_index",
        }.get(index, index)
        gsi = getattr(TransferModel, attr)
        range_condition = None
        if since_before is not None:
            range_condition = TransferModel.state_since < iso_utc(since_before)
        result = gsi.query(
            key, range_condition, scan_index_forward=False, limit=limit, last_evaluated_key=after
        )
        return [from_model(m) for m in result], result.last_evaluated_key

    def letter(self, code: str) -> Letter | None:
        try:
            m = LetterModel.get(code)
        except LetterModel.DoesNotExist:
            return None
        return Letter.from_facts(m.code, m.transfer_id, m.status, json.loads(m.body))

    def set_letter_status(self, code: str, status: str) -> None:
        LetterModel(code=code).update(
            actions=[LetterModel.status.set(status)], condition=LetterModel.code.exists()
        )

    def delete_unsubmitted(
        self, t: Transfer, lock_key: str | None, audit: list[AuditEntry]
    ) -> None:
        """Erase a request that never reached a school (chalicelib.privacy): the request, only at
        the version and state read; the open-request lock it still holds (``lock_key``); and the
        audit entries, in one transaction. Raises Conflict when the request changed meanwhile."""
        model = TransferModel(id=t.id)
        model.version = t.version  # PynamoDB adds "version = read version" to the delete
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.delete(model, condition=TransferModel.state == t.state.value)
                if lock_key is not None:
                    tx.delete(LockModel(key=lock_key), condition=LockModel.owner_id == t.id)
                for item in audit:
                    tx.save(audit_model(item))
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in cancellation_codes(exc):
                raise Conflict(
                    "concurrent_update",
                    "Permohonan baru saja diubah oleh orang lain. Muat ulang lalu coba lagi.",
                ) from exc
            raise_unavailable(exc)


def _seat_ops(tx: TransactWrite, change: Change) -> None:
    t = change.after
    if change.take_seat:
        tx.update(
            SchoolModel(npsn=t.destination.npsn, sk=seats_key(t.student.grade)),
            actions=[SchoolModel.free_seats.add(-1)],
            condition=SchoolModel.free_seats > 0,
        )
    if change.free_seat:
        tx.update(
            SchoolModel(npsn=t.destination.npsn, sk=seats_key(t.student.grade)),
            actions=[SchoolModel.free_seats.add(1)],
            condition=SchoolModel.free_seats.exists(),
        )


def _lock_ops(tx: TransactWrite, change: Change) -> None:
    if change.lock_key is None:
        return
    if change.create_lock:
        tx.save(
            LockModel(
                key=change.lock_key, owner_id=change.after.id, created_at=change.after.created_at
            ),
            condition=LockModel.key.does_not_exist(),
        )
    if change.release_lock:
        tx.delete(LockModel(key=change.lock_key), condition=LockModel.owner_id == change.after.id)


def _sent_order(change: Change) -> list[str]:
    """Labels of the transaction items in the order PynamoDB sends them:
    condition checks, deletes, puts, updates (pynamodb.connection.base.transact_write_items)."""
    labels = ["lock"] if change.lock_key is not None and change.release_lock else []
    labels.append("transfer")
    if change.lock_key is not None and change.create_lock:
        labels.append("lock")
    labels += ["audit"] * len(change.audit) + ["inbox"] * len(change.notifications)
    labels += ["letter"] if change.letter is not None else []
    labels += ["seat"] if (change.take_seat or change.free_seat) else []
    return labels


def _raise_condition(change: Change, codes: list[str | None]) -> None:
    """Map the failed item of the transaction to the domain conflict it means."""
    failed = {
        label
        for label, code in zip(_sent_order(change), codes, strict=False)
        if code == "ConditionalCheckFailed"
    }
    stale = Conflict(
        "concurrent_update",
        "Permohonan baru saja diubah oleh orang lain. Muat ulang lalu coba lagi.",
    )
    if "transfer" in failed and change.expected_version is not None:
        raise stale
    if "seat" in failed and change.take_seat:
        raise Conflict("no_seat", "Kursi kosong di sekolah tujuan untuk kelas ini sudah habis.")
    if "lock" in failed and change.create_lock:
        raise Conflict(
            "open_request_exists", "Anak ini masih memiliki permohonan pindah yang belum selesai."
        )
    if "lock" in failed:
        raise stale
    raise Conflict("conflict", "Permintaan bertabrakan dengan perubahan lain. Coba lagi.")
