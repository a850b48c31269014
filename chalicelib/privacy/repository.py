"""Privacy requests (data-subject rights) storage.

Table ``privacy_requests``: id (hash). The request is one JSON body; key attributes are top-level
for two GSIs: ``by_parent`` (parent_sub / received_key: a data subject's own requests, for the
export) and ``by_status`` (status / due_key: the staff list, earliest deadline first, so overdue
requests come first). A few requests a week: no hot key. Every write carries its audit entries in
the same transaction.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from typing import Any, Protocol

from pynamodb.attributes import UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.transactions import TransactWrite

from chalicelib.audit.repository import to_model as audit_model
from chalicelib.core.audit import AuditEntry
from chalicelib.core.clock import iso_utc, parse_utc
from chalicelib.core.dynamo import BaseMeta, Model, cancellation_codes, connection
from chalicelib.core.dynamo import raise_unavailable as _unavailable
from chalicelib.core.errors import Conflict
from chalicelib.core.tablenames import SettingName
from chalicelib.privacy.domain import (
    Disposition,
    Kind,
    PrivacyRequest,
    RecordOutcome,
    RefusalGround,
    Retention,
    Status,
    SubjectType,
)


class ByParent(GlobalSecondaryIndex["PrivacyRequestModel"]):
    class Meta:
        index_name = "by_parent"
        projection = AllProjection()

    parent_sub = UnicodeAttribute(hash_key=True)
    received_key = UnicodeAttribute(range_key=True)


class ByStatus(GlobalSecondaryIndex["PrivacyRequestModel"]):
    class Meta:
        index_name = "by_status"
        projection = AllProjection()

    status = UnicodeAttribute(hash_key=True)
    due_key = UnicodeAttribute(range_key=True)


class PrivacyRequestModel(Model):
    class Meta(BaseMeta):
        table_name = SettingName("privacy_requests_table")

    id = UnicodeAttribute(hash_key=True)
    parent_sub = UnicodeAttribute()
    received_key = UnicodeAttribute()
    status = UnicodeAttribute()
    due_key = UnicodeAttribute()
    body = UnicodeAttribute()
    version = VersionAttribute()
    by_parent = ByParent()
    by_status = ByStatus()


def _dump(r: PrivacyRequest) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind.value,
        "subject_type": r.subject_type.value,
        "subject_id": r.subject_id,
        "parent_sub": r.parent_sub,
        "description": r.description,
        "received_at": iso_utc(r.received_at),
        "recorded_at": iso_utc(r.recorded_at),
        "status": r.status.value,
        "closed_at": iso_utc(r.closed_at) if r.closed_at else None,
        "note": r.note,
        "refusal_ground": r.refusal_ground.value if r.refusal_ground else None,
        "records": [
            {
                "type": o.record_type,
                "id": o.record_id,
                "disposition": o.disposition.value,
                "retention": [o.retention.code, o.retention.reason, o.retention.period],
                "count": o.count,
            }
            for o in r.records
        ],
    }


def _load(d: dict[str, Any], version: int) -> PrivacyRequest:
    return PrivacyRequest(
        id=d["id"],
        kind=Kind(d["kind"]),
        subject_type=SubjectType(d["subject_type"]),
        subject_id=d["subject_id"],
        parent_sub=d["parent_sub"],
        description=d["description"],
        received_at=parse_utc(d["received_at"]),
        recorded_at=parse_utc(d["recorded_at"]),
        status=Status(d["status"]),
        closed_at=parse_utc(d["closed_at"]) if d.get("closed_at") else None,
        note=d.get("note", ""),
        refusal_ground=RefusalGround(d["refusal_ground"]) if d.get("refusal_ground") else None,
        records=tuple(
            RecordOutcome(
                o["type"],
                o["id"],
                Disposition(o["disposition"]),
                Retention(*o["retention"]),
                int(o.get("count", 1)),
            )
            for o in d.get("records", [])
        ),
        version=version,
    )


def _model(r: PrivacyRequest, expected_version: int | None) -> PrivacyRequestModel:
    m = PrivacyRequestModel(
        id=r.id,
        parent_sub=r.parent_sub,
        received_key=f"{iso_utc(r.received_at)}#{r.id}",
        status=r.status.value,
        due_key=f"{iso_utc(r.due_at)}#{r.id}",
        body=json.dumps(_dump(r), separators=(",", ":")),
    )
    if expected_version is not None:
        m.version = expected_version
    return m


def _from(m: PrivacyRequestModel) -> PrivacyRequest:
    return _load(json.loads(m.body), int(m.version or 1))


class PrivacyRepository(Protocol):
    def save(
        self, r: PrivacyRequest, expected_version: int | None, audit: list[AuditEntry]
    ) -> PrivacyRequest: ...

    def get(self, request_id: str) -> PrivacyRequest | None: ...

    def by_parent(self, parent_sub: str, limit: int) -> list[PrivacyRequest]: ...

    def by_status(
        self, status: Status, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[PrivacyRequest], dict[str, Any] | None]: ...


class DynamoPrivacyRepository:
    def save(
        self, r: PrivacyRequest, expected_version: int | None, audit: list[AuditEntry]
    ) -> PrivacyRequest:
        """Create (``expected_version`` None) or replace the version read, with its audit
        entries, in one transaction. Raises Conflict when another answer came first."""
        model = _model(r, expected_version)
        try:
            with TransactWrite(connection=connection()) as tx:
                if expected_version is None:
                    tx.save(model, condition=PrivacyRequestModel.id.does_not_exist())
                else:
                    tx.save(model)  # VersionAttribute adds "version = expected"
                for item in audit:
                    tx.save(audit_model(item))
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in cancellation_codes(exc):
                raise Conflict(
                    "concurrent_update",
                    "Permintaan ini baru saja diubah oleh petugas lain. Muat ulang lalu coba lagi.",
                ) from exc
            _unavailable(exc)
        return replace(r, version=1 if expected_version is None else expected_version + 1)

    def get(self, request_id: str) -> PrivacyRequest | None:
        try:
            return _from(PrivacyRequestModel.get(request_id))
        except PrivacyRequestModel.DoesNotExist:
            return None

    def by_parent(self, parent_sub: str, limit: int) -> list[PrivacyRequest]:
        """Newest first, at most ``limit``."""
        result = PrivacyRequestModel.by_parent.query(
            parent_sub, scan_index_forward=False, limit=limit
        )
        return [_from(m) for m in result]

    def by_status(
        self, status: Status, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[PrivacyRequest], dict[str, Any] | None]:
        """Earliest deadline first."""
        result = PrivacyRequestModel.by_status.query(
            status.value, scan_index_forward=True, limit=limit, last_evaluated_key=after
        )
        return [_from(m) for m in result], result.last_evaluated_key


@lru_cache(maxsize=1)
def default_repository() -> PrivacyRepository:
    """Built on first use (never at import), like chalicelib.wiring's production set."""
    return DynamoPrivacyRepository()
