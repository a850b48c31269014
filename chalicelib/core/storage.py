"""Object storage behind a small interface: presigned POST/GET, object checks, moves.

The presigned POST is the production guard (exact key, exact Content-Type, size range, 10 min);
the embedded stack enforces it too (local/s3_guard.py), and the S3 event handler re-checks the
real object anyway (size, stored Content-Type, content). A presigned GET pins the response's
Content-Type and an ``attachment`` Content-Disposition with a safe file name, so a browser
downloads the file instead of rendering it whatever its bytes are.

Large files (up to 2 GiB, from a phone on a weak connection) go up as an S3 multipart upload:
the server starts it (exact key and Content-Type), signs one PUT link per part, and completes or
aborts it; a part that failed is simply PUT again. Incomplete uploads are removed by the bucket's
``AbortIncompleteMultipartUpload`` lifecycle rule (infra/resources.json) after a day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class PresignedPost:
    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    head: bytes
    content_type: str = ""


@dataclass(frozen=True)
class Part:
    number: int  # 1..10,000
    etag: str  # as S3 answered the part's PUT


class Storage(Protocol):
    def presign_post(
        self, key: str, content_type: str, max_bytes: int, ttl_seconds: int
    ) -> PresignedPost: ...

    def presign_get(
        self, key: str, ttl_seconds: int, filename: str, content_type: str | None = None
    ) -> str:
        """A GET link that answers with ``content_type`` (by default the one the file name's
        extension says) as an attachment named ``safe_filename(filename)``."""
        ...

    def inspect(self, key: str, head_bytes: int) -> ObjectInfo | None: ...

    # -- multipart uploads (large files): the client PUTs each part to a presigned part URL --

    def create_multipart(self, key: str, content_type: str) -> str:
        """Start a multipart upload of ``key`` with this Content-Type; its upload id."""
        ...

    def presign_part(self, key: str, upload_id: str, part_number: int, ttl_seconds: int) -> str:
        """A PUT link for exactly one part of one multipart upload of ``key``."""
        ...

    def complete_multipart(self, key: str, upload_id: str, parts: list[Part]) -> None: ...

    def abort_multipart(self, key: str, upload_id: str) -> None: ...

    def fetch(self, key: str, max_bytes: int) -> ObjectInfo | None:
        """Size, Content-Type and bytes of one object from ONE read (so they belong together):
        all of it when it is at most ``max_bytes``, else only its first ``HEAD_BYTES``."""
        ...

    def move(self, source: str, target: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def put(
        self, key: str, data: bytes, content_type: str, cache_control: str | None = None
    ) -> None: ...

    def exists(self, key: str) -> bool: ...

    def read(self, key: str) -> bytes:
        """The whole object (callers bound its size: uploads are at most 5 MiB)."""
        ...


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
HEAD_BYTES = 4096
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(filename: str) -> str:
    """ASCII letters, digits, dot, dash and underscore only (nothing that can break out of the
    quoted header value or name a path), at most 120 characters, never empty or hidden."""
    cleaned = _UNSAFE.sub("-", filename).strip(".-") or "dokumen"
    if len(cleaned) <= 120:
        return cleaned
    stem, dot, extension = cleaned.rpartition(".")
    if dot and len(extension) <= 10:
        return f"{stem[: 119 - len(extension)]}.{extension}"
    return cleaned[:120]


def download_headers(filename: str, content_type: str | None) -> dict[str, str]:
    """The response overrides of a presigned GET: pinned type, attachment, safe name."""
    name = safe_filename(filename)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    return {
        "ResponseContentType": content_type
        or CONTENT_TYPES.get(extension, "application/octet-stream"),
        "ResponseContentDisposition": f'attachment; filename="{name}"',
    }


def post_policy(key: str, content_type: str, max_bytes: int) -> tuple[dict[str, str], list[Any]]:
    fields = {"Content-Type": content_type}
    conditions: list[Any] = [{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]]
    return fields, conditions


class S3Storage:
    def __init__(self, bucket: str, client: Any = None) -> None:
        self.bucket = bucket
        self._client = client

    @property
    def s3(self) -> Any:
        if self._client is None:
            from chalicelib.core.aws import client

            self._client = client("s3")
        return self._client

    def presign_post(
        self, key: str, content_type: str, max_bytes: int, ttl_seconds: int
    ) -> PresignedPost:
        fields, conditions = post_policy(key, content_type, max_bytes)
        signed = self.s3.generate_presigned_post(
            self.bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=ttl_seconds
        )
        return PresignedPost(signed["url"], dict(signed["fields"]))

    def presign_get(
        self, key: str, ttl_seconds: int, filename: str, content_type: str | None = None
    ) -> str:
        params = {"Bucket": self.bucket, "Key": key, **download_headers(filename, content_type)}
        return str(
            self.s3.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl_seconds)
        )

    def inspect(self, key: str, head_bytes: int) -> ObjectInfo | None:
        try:
            head = self.s3.head_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        size, content_type = int(head["ContentLength"]), str(head.get("ContentType", ""))
        if size == 0:
            return ObjectInfo(0, b"", content_type)
        body = self.s3.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{head_bytes - 1}")
        return ObjectInfo(size, body["Body"].read(), content_type)

    def create_multipart(self, key: str, content_type: str) -> str:
        created = self.s3.create_multipart_upload(
            Bucket=self.bucket, Key=key, ContentType=content_type, ServerSideEncryption="AES256"
        )
        return str(created["UploadId"])

    def presign_part(self, key: str, upload_id: str, part_number: int, ttl_seconds: int) -> str:
        params = {"Bucket": self.bucket, "Key": key, "UploadId": upload_id,
                  "PartNumber": part_number}  # fmt: skip
        return str(self.s3.generate_presigned_url("upload_part", Params=params,
                                                  ExpiresIn=ttl_seconds))  # fmt: skip

    def complete_multipart(self, key: str, upload_id: str, parts: list[Part]) -> None:
        listed = [{"PartNumber": p.number, "ETag": p.etag} for p in parts]
        self.s3.complete_multipart_upload(
            Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": listed}
        )

    def abort_multipart(self, key: str, upload_id: str) -> None:
        self.s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)

    def fetch(self, key: str, max_bytes: int) -> ObjectInfo | None:
        try:
            got = self.s3.get_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        size, content_type = int(got["ContentLength"]), str(got.get("ContentType", ""))
        body = got["Body"]
        try:
            data = body.read(size if size <= max_bytes else HEAD_BYTES)
        finally:
            body.close()
        return ObjectInfo(size, bytes(data), content_type)

    def move(self, source: str, target: str) -> None:
        self.s3.copy_object(
            Bucket=self.bucket,
            Key=target,
            CopySource={"Bucket": self.bucket, "Key": source},
            ServerSideEncryption="AES256",
        )
        self.delete(source)

    def delete(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=key)

    def put(
        self, key: str, data: bytes, content_type: str, cache_control: str | None = None
    ) -> None:
        extra = {"CacheControl": cache_control} if cache_control else {}
        self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=data,
            ContentType=content_type,
            ServerSideEncryption="AES256",
            **extra,
        )

    def exists(self, key: str) -> bool:
        return self.inspect(key, 1) is not None

    def read(self, key: str) -> bytes:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        return bytes(body.read())
