"""Document models."""

from __future__ import annotations

from typing import Literal

from chalicelib.core.schemas import Code, Input, Output, UtcTime
from chalicelib.core.storage import PresignedPost
from chalicelib.documents.domain import Document, reject_message
from chalicelib.documents.registry import kind_of

ContentType = Literal["application/pdf", "image/jpeg", "image/png"]


class UploadCreate(Input):
    slot: Code
    content_type: ContentType


class DocumentPublic(Output):
    id: str
    slot: str
    content_type: str
    status: str
    size: int | None
    reject_reason: str | None
    reject_message: str | None
    created_at: UtcTime
    uploader_role: str


class UploadPublic(Output):
    document: DocumentPublic
    upload_url: str
    upload_fields: dict[str, str]
    upload_expires_at: UtcTime
    max_bytes: int


class DocumentList(Output):
    items: list[DocumentPublic]


class DownloadPublic(Output):
    url: str
    expires_in: int


def present(doc: Document) -> DocumentPublic:
    """A document record as the API shows it (the reason of a rejection in Indonesian)."""
    return DocumentPublic(
        id=doc.id,
        slot=doc.slot,
        content_type=doc.content_type,
        status=doc.status.value,
        size=doc.size,
        reject_reason=doc.reject_reason,
        reject_message=reject_message(doc.reject_reason, kind_of(doc.ref)),
        created_at=doc.created_at,
        uploader_role=doc.uploader_role,
    )


def upload_reply(document: Document, post: PresignedPost, max_bytes: int) -> UploadPublic:
    """What a client needs to POST one file straight to S3."""
    return UploadPublic(
        document=present(document),
        upload_url=post.url,
        upload_fields=post.fields,
        upload_expires_at=document.upload_expires_at,
        max_bytes=max_bytes,
    )
