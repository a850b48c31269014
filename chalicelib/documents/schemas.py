"""Document models."""

from __future__ import annotations

from typing import Literal

from chalicelib.core.schemas import Input, Output, UtcTime

ContentType = Literal["application/pdf", "image/jpeg", "image/png"]


class UploadCreate(Input):
    slot: str
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
