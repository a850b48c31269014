"""Documents table: ref (hash, e.g. ``transfer#<id>``) + doc_id (range). All of a request's
documents are one Query; the S3 handler finds a record from its key with one GetItem."""

from __future__ import annotations

from typing import Any, Protocol

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from chalicelib.core.dynamo import BaseMeta, Model, is_condition_failure
from chalicelib.core.tablenames import SettingName
from chalicelib.documents.domain import DocStatus, Document


class DocumentModel(Model):
    class Meta(BaseMeta):
        table_name = SettingName("documents_table")

    ref = UnicodeAttribute(hash_key=True)
    doc_id = UnicodeAttribute(range_key=True)
    slot = UnicodeAttribute()
    content_type = UnicodeAttribute()
    status = UnicodeAttribute()
    uploaded_by = UnicodeAttribute()
    uploader_role = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    upload_expires_at = UTCDateTimeAttribute()
    quarantine_key = UnicodeAttribute()
    clean_key = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)
    reject_reason = UnicodeAttribute(null=True)


def _doc(m: DocumentModel) -> Document:
    return Document(
        m.ref,
        m.doc_id,
        m.slot,
        m.content_type,
        DocStatus(m.status),
        m.uploaded_by,
        m.uploader_role,
        m.created_at,
        m.upload_expires_at,
        m.quarantine_key,
        m.clean_key,
        int(m.size) if m.size is not None else None,
        m.reject_reason,
    )


class DocumentRepository(Protocol):
    def create(self, doc: Document) -> None: ...

    def get(self, ref: str, doc_id: str) -> Document | None: ...

    def for_ref(self, ref: str) -> list[Document]: ...

    def delete(self, ref: str, doc_id: str) -> None: ...

    def settle(
        self,
        doc: Document,
        status: DocStatus,
        *,
        size: int | None,
        clean_key: str | None,
        reason: str | None,
    ) -> bool: ...


class DynamoDocumentRepository:
    def create(self, doc: Document) -> None:
        DocumentModel(
            ref=doc.ref,
            doc_id=doc.id,
            slot=doc.slot,
            content_type=doc.content_type,
            status=doc.status.value,
            uploaded_by=doc.uploaded_by,
            uploader_role=doc.uploader_role,
            created_at=doc.created_at,
            upload_expires_at=doc.upload_expires_at,
            quarantine_key=doc.quarantine_key,
        ).save(condition=DocumentModel.doc_id.does_not_exist())

    def get(self, ref: str, doc_id: str) -> Document | None:
        try:
            return _doc(DocumentModel.get(ref, doc_id))
        except DocumentModel.DoesNotExist:
            return None

    def for_ref(self, ref: str) -> list[Document]:
        return [_doc(m) for m in DocumentModel.query(ref)]

    def delete(self, ref: str, doc_id: str) -> None:
        """Remove one document record (chalicelib.privacy erasure; idempotent)."""
        DocumentModel(ref=ref, doc_id=doc_id).delete()

    def settle(
        self,
        doc: Document,
        status: DocStatus,
        *,
        size: int | None,
        clean_key: str | None,
        reason: str | None,
    ) -> bool:
        """Move pending_upload -> clean/rejected once; False if another delivery did it first."""
        actions: list[Any] = [DocumentModel.status.set(status.value)]
        if size is not None:
            actions.append(DocumentModel.size.set(size))
        if clean_key:
            actions.append(DocumentModel.clean_key.set(clean_key))
        if reason:
            actions.append(DocumentModel.reject_reason.set(reason))
        try:
            DocumentModel(ref=doc.ref, doc_id=doc.id).update(
                actions=actions, condition=DocumentModel.status == DocStatus.PENDING_UPLOAD.value
            )
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True
