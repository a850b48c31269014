"""Object storage behind a small interface: presigned POST/GET, object checks, moves.

The presigned POST is the production guard (exact key, exact Content-Type, size range, 10 min);
moto does not enforce policies, so the S3 event handler re-checks the real object.
"""

from __future__ import annotations

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


class Storage(Protocol):
    def presign_post(
        self, key: str, content_type: str, max_bytes: int, ttl_seconds: int
    ) -> PresignedPost: ...

    def presign_get(self, key: str, ttl_seconds: int, filename: str) -> str: ...

    def inspect(self, key: str, head_bytes: int) -> ObjectInfo | None: ...

    def move(self, source: str, target: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def put(
        self, key: str, data: bytes, content_type: str, cache_control: str | None = None
    ) -> None: ...

    def exists(self, key: str) -> bool: ...

    def read(self, key: str) -> bytes:
        """The whole object (callers bound its size: uploads are at most 5 MiB)."""
        ...


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

    def presign_get(self, key: str, ttl_seconds: int, filename: str) -> str:
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
        }
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
        size = int(head["ContentLength"])
        if size == 0:
            return ObjectInfo(0, b"")
        body = self.s3.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{head_bytes - 1}")
        return ObjectInfo(size, body["Body"].read())

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
