"""A new document owner plugs in without touching anyone else's code, and large files go up as
S3 multipart uploads through presigned part URLs -- on the embedded stack, over real HTTP.

The throwaway owner ``lessonclip`` below lives in this test module only: it registers its kind
(one slot, MP4 only, up to 2 GiB, 2 per owner record, a listener and a guard) with
``documents.registry.register``, and an upload runs presign -> S3 -> SQS -> the real upload
handler -> its listener. Nothing in ``chalicelib`` names it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests

from chalicelib.core.aws import client as aws_client
from chalicelib.core.errors import Invalid, NotFound, TooManyRequests
from chalicelib.core.principal import Principal, Role
from chalicelib.core.settings import get_settings
from chalicelib.core.storage import Part
from chalicelib.documents import registry
from chalicelib.documents import service as documents
from chalicelib.documents.domain import DocStatus, Document, clean_key
from chalicelib.documents.kinds import GIB, MIB, DocumentKind, Format
from chalicelib.wiring import Deps, deps
from tests.support.fixtures import drain_uploads

OWNER = "lessonclip"
MP4 = "video/mp4"
SETTLED: list[tuple[str, str, str]] = []  # (ref, document id, outcome) seen by the listener
TEACHER = Principal("teacher-1", Role.SCHOOL_OPERATOR, "20606901")
STRANGER = Principal("parent-9", Role.PARENT)


def mp4_sniff(head: bytes, whole: bool) -> str | None:
    return None if head[4:8] == b"ftyp" else "content_does_not_match_type"


def on_settled(doc: Document, outcome: str, *, deps: Deps) -> None:
    SETTLED.append((doc.ref, doc.id, outcome))


def may_see(owner_id: str, actor: Principal, deps: Deps, request_id: str) -> None:
    if actor.sub != TEACHER.sub:
        raise NotFound("lesson_not_found", "Materi tidak ditemukan.")


KIND = DocumentKind(
    owner=OWNER,
    formats=(Format(MP4, "mp4", mp4_sniff),),
    type_message="Jenis berkas harus MP4.",
    slots=frozenset({"clip"}),
    max_bytes=2 * GIB,
    max_per_owner=2,
    too_many_message="Batas video materi ini tercapai.",
    sniff_bytes=16,
    listener=f"{__name__}:on_settled",
    guard=f"{__name__}:may_see",
    upload_window_seconds=3600,
    reject_messages={"content_does_not_match_type": "Berkas bukan video MP4."},
)


@pytest.fixture(autouse=True)
def lessonclip() -> Iterator[None]:
    registry.register(KIND)
    SETTLED.clear()
    try:
        yield
    finally:
        registry.unregister(OWNER)


def video(size: int) -> bytes:
    head = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2"
    block = bytes(range(256)) * 4096  # 1 MiB, not all zeros
    body = (block * (size // len(block) + 1))[: size - len(head)]
    return head + body


def open_multipart(ref: str, size: int) -> documents.MultipartTicket:
    d = deps()
    return documents.open_multipart(
        ref, "clip", MP4, size, actor=TEACHER, now=d.clock.now(), docs=d.documents,
        storage=d.storage, settings=d.settings,
    )  # fmt: skip


def put_parts(ticket: documents.MultipartTicket, data: bytes) -> list[Part]:
    parts = []
    for number, url in sorted(ticket.part_urls.items()):
        chunk = data[(number - 1) * ticket.part_size : number * ticket.part_size]
        response = requests.put(url, data=chunk, timeout=60)
        assert response.status_code == 200, response.text
        parts.append(Part(number, response.headers["ETag"]))
    return parts


def complete(ref: str, ticket: documents.MultipartTicket, parts: list[Part]) -> None:
    d = deps()
    documents.complete_multipart(ref, ticket.document.id, ticket.upload_id, parts,
                                 now=d.clock.now(), docs=d.documents, storage=d.storage)  # fmt: skip


def stored(key: str) -> dict[str, Any] | None:
    s3 = aws_client("s3")
    try:
        return dict(s3.head_object(Bucket=get_settings().documents_bucket, Key=key))
    except s3.exceptions.ClientError:
        return None


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True)) | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.mark.parametrize("whole_read_limit", [64 * MIB, 4 * MIB], ids=["read whole", "copied"])
def test_a_file_over_10_mib_goes_up_in_presigned_parts_and_is_settled_for_its_owner(
    whole_read_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Up to WHOLE_READ_LIMIT the settle step keeps the bytes it read; above it (a 2 GiB video)
    it sniffs the head and copies the object, never holding it in memory."""
    monkeypatch.setattr(documents, "WHOLE_READ_LIMIT", whole_read_limit)
    ref = f"{OWNER}#01JLESSON00000000000000{whole_read_limit // MIB:04d}"
    size = 11 * MIB + 12345
    data = video(size)
    ticket = open_multipart(ref, size)
    assert ticket.part_size == 5 * MIB and sorted(ticket.part_urls) == [1, 2, 3]
    assert (ticket.document.upload_expires_at - ticket.document.created_at).seconds == 3600

    complete(ref, ticket, put_parts(ticket, data))
    drain_uploads()

    doc = deps().documents.get(ref, ticket.document.id)
    assert doc is not None and doc.status is DocStatus.CLEAN, doc
    assert doc.size == size and doc.clean_key == clean_key(ref, doc.id)
    head = stored(doc.clean_key)
    assert head is not None and head["ContentLength"] == size and head["ContentType"] == MP4
    assert stored(doc.quarantine_key) is None
    body = aws_client("s3").get_object(Bucket=get_settings().documents_bucket, Key=doc.clean_key)
    assert body["Body"].read() == data  # the parts, joined in order
    # the owner's listener, found by the key; moto announces a completion twice (Put and
    # CompleteMultipartUpload), as S3 may deliver any event twice: the second is a no-op
    assert SETTLED[0] == (ref, doc.id, "clean")
    assert {outcome for _, _, outcome in SETTLED[1:]} <= {"already_settled"}


def test_a_tampered_or_reused_part_url_is_refused_and_stores_nothing() -> None:
    ref = f"{OWNER}#01JLESSON000000000000000002"
    ticket = open_multipart(ref, 6 * MIB)
    url = ticket.part_urls[1]
    other = open_multipart(f"{OWNER}#01JLESSON000000000000000003", 6 * MIB)

    for tampered in (
        with_query(url, partNumber="2"),  # another part than the one signed
        with_query(url, uploadId=other.upload_id),  # another upload
        url.replace(ticket.document.quarantine_key, other.document.quarantine_key),
        with_query(url, **{"X-Amz-Signature": "0" * 64}),
        with_query(url, **{"X-Amz-Expires": "604800"}),
    ):
        response = requests.put(tampered, data=b"x" * 1024, timeout=30)
        assert response.status_code == 403, (tampered, response.text)
        assert "<Code>SignatureDoesNotMatch</Code>" in response.text

    s3 = aws_client("s3")
    bucket = get_settings().documents_bucket
    for t in (ticket, other):
        listed = s3.list_parts(Bucket=bucket, Key=t.document.quarantine_key, UploadId=t.upload_id)
        assert listed.get("Parts", []) == []
    assert requests.put(url, data=b"x" * 1024, timeout=30).status_code == 200  # as signed: fine


def test_a_multipart_upload_can_be_resigned_and_aborted() -> None:
    ref = f"{OWNER}#01JLESSON000000000000000004"
    ticket = open_multipart(ref, 12 * MIB)
    d = deps()
    fresh = documents.sign_parts(ref, ticket.document.id, ticket.upload_id, [3, 2], now=d.clock.now(),
                                 docs=d.documents, storage=d.storage, settings=d.settings)  # fmt: skip
    assert sorted(fresh) == [2, 3]
    assert requests.put(fresh[3], data=b"tail", timeout=30).status_code == 200
    documents.abort_multipart(ref, ticket.document.id, ticket.upload_id,
                              docs=d.documents, storage=d.storage)  # fmt: skip
    s3 = aws_client("s3")
    uploads = s3.list_multipart_uploads(Bucket=get_settings().documents_bucket,
                                        Prefix=ticket.document.quarantine_key)  # fmt: skip
    assert uploads.get("Uploads", []) == []  # the part already sent is gone with it
    assert drain_uploads() == 0 and SETTLED == []


def test_the_owner_kind_rules_apply_to_a_small_upload_too() -> None:
    """presigned POST -> S3 -> SQS -> handler -> listener; the kind's sniff judges the bytes."""
    d = deps()
    ref = f"{OWNER}#01JLESSON000000000000000005"
    reply = documents.upload_ticket(ref, "clip", MP4, actor=TEACHER, now=d.clock.now(),
                                    docs=d.documents, storage=d.storage, settings=d.settings)  # fmt: skip
    assert reply.max_bytes == 2 * GIB
    response = requests.post(reply.upload_url, data=reply.upload_fields,
                             files={"file": ("a.mp4", b"%PDF-1.7 not a video", MP4)}, timeout=30)  # fmt: skip
    assert response.status_code in (200, 201, 204), response.text
    drain_uploads()
    assert [(ref, reply.document.id, "rejected")] == SETTLED
    doc = d.documents.get(ref, reply.document.id)
    assert doc is not None and doc.reject_reason == "content_does_not_match_type"
    [listed] = documents.list_visible(OWNER, ref.split("#")[1], actor=TEACHER, deps=d).items
    assert listed.reject_message == "Berkas bukan video MP4."  # the owner's own wording

    with pytest.raises(Invalid) as wrong_type:
        documents.upload_ticket(ref, "clip", "application/pdf", actor=TEACHER, now=d.clock.now(),
                                docs=d.documents, storage=d.storage, settings=d.settings)  # fmt: skip
    assert wrong_type.value.code == "type_not_allowed"
    with pytest.raises(Invalid) as wrong_slot:
        documents.open_multipart(
            ref, "poster", MP4, MIB, actor=TEACHER, now=d.clock.now(), docs=d.documents,
            storage=d.storage, settings=d.settings,
        )  # fmt: skip
    assert wrong_slot.value.code == "unknown_slot"
    with pytest.raises(Invalid) as too_big:
        open_multipart(ref, 2 * GIB + 1)
    assert too_big.value.code == "file_too_large"
    open_multipart(ref, MIB)  # the second upload of this lesson
    with pytest.raises(TooManyRequests):
        open_multipart(ref, MIB)


def test_the_one_access_guard_asks_the_owner() -> None:
    d = deps()
    oid = "01JLESSON000000000000000006"
    ticket = open_multipart(f"{OWNER}#{oid}", MIB)
    listed = documents.list_visible(OWNER, oid, actor=TEACHER, deps=d)
    assert [item.id for item in listed.items] == [ticket.document.id]
    with pytest.raises(NotFound):
        documents.list_visible(OWNER, oid, actor=STRANGER, deps=d)
    with pytest.raises(NotFound):
        documents.download_visible(OWNER, oid, ticket.document.id, actor=STRANGER, deps=d)


def test_an_owner_nobody_registered_cannot_open_uploads() -> None:
    d = deps()
    with pytest.raises(LookupError):
        documents.upload_ticket("nobody#01J", "x", MP4, actor=TEACHER, now=d.clock.now(),
                                docs=d.documents, storage=d.storage, settings=d.settings)  # fmt: skip
