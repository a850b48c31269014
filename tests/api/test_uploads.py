"""Presigned uploads and the S3 event handler (security brief R-11, R-19..R-22; section 8 item 8).

Real presigned POSTs go to the embedded moto, which enforces the POST policy as S3 does
(local/s3_guard.py; its refusals are tested in test_presigned_s3.py); S3 -> SQS notifications are
fed to the real SQS handler (``drain_uploads``). The handler re-checks what S3 stored (size,
Content-Type, magic bytes, slot expiry, issued key) and reads the whole file with a real parser:
objects put straight into the bucket (as a misconfigured policy would let through) show that
defence on its own.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from chalicelib.core.aws import client as aws_client
from chalicelib.core.clock import parse_utc
from chalicelib.core.ids import new_id
from chalicelib.core.settings import get_settings
from chalicelib.core.storage import ObjectInfo
from chalicelib.documents.domain import REJECT_MESSAGES, DocStatus
from chalicelib.documents.handlers import process
from chalicelib.documents.service import settle_upload
from chalicelib.wiring import deps
from tests.support import documents as files
from tests.support import factories
from tests.support.fixtures import Api, World, drain_uploads, upload

MIB = 1024 * 1024
PARENT_SLOTS = ["surat_permohonan_orang_tua", "rapor_terakhir", "kartu_keluarga", "akta_kelahiran"]


def create_draft(api: Api, world: World) -> str:
    status, created, _ = api.call(
        "POST",
        "/v1/transfers",
        world.token("parent"),
        factories.transfer_body(world.origin, world.destination),
    )
    assert status == 201, created
    return str(created["id"])


def open_slot(api: Api, token: str, tid: str, slot: str, content_type: str) -> dict[str, Any]:
    status, ticket, _ = api.call(
        "POST",
        f"/v1/transfers/{tid}/documents",
        token,
        {"slot": slot, "content_type": content_type},
    )
    assert status == 201, ticket
    return dict(ticket)


def post_file(ticket: dict[str, Any], content: bytes, content_type: str) -> None:
    """The app's part: a multipart POST to the presigned URL, with no handler run afterwards."""
    response = requests.post(
        ticket["upload_url"],
        data=ticket["upload_fields"],
        files={"file": ("dokumen", content, content_type)},
        timeout=30,
    )
    assert response.status_code in (200, 201, 204), response.text


def stored(tid: str, doc_id: str) -> Any:
    return deps().documents.get(f"transfer#{tid}", doc_id)


def object_exists(key: str) -> bool:
    s3 = aws_client("s3")
    listing = s3.list_objects_v2(Bucket=get_settings().documents_bucket, Prefix=key)
    return any(o["Key"] == key for o in listing.get("Contents", []))


def documents(api: Api, token: str, tid: str) -> list[dict[str, Any]]:
    status, listing, _ = api.call("GET", f"/v1/transfers/{tid}/documents", token)
    assert status == 200, listing
    return list(listing["items"])


SPOOFS = {  # slot: (bytes, declared type)
    "kartu_keluarga": (factories.PNG, "application/pdf"),
    "akta_kelahiran": (factories.PDF, "image/jpeg"),
    "rapor_terakhir": (factories.JPEG, "image/png"),
    "surat_permohonan_orang_tua": (b"MZ\x90\x00" + b"\x00" * 60, "application/pdf"),  # an .exe
}


def test_content_that_is_not_the_declared_type_is_rejected(api: Api, world: World) -> None:
    parent = world.token("parent")
    tid = create_draft(api, world)
    ids = {
        slot: upload(api, parent, tid, slot, content=content, content_type=declared)["id"]
        for slot, (content, declared) in SPOOFS.items()
    }

    listed = {doc["id"]: doc for doc in documents(api, parent, tid)}
    assert set(listed) == set(ids.values())
    for doc_id in ids.values():
        assert listed[doc_id]["status"] == "rejected", listed[doc_id]
        assert listed[doc_id]["reject_reason"] == "content_does_not_match_type"
        assert listed[doc_id]["reject_message"]
        record = stored(tid, doc_id)
        assert record.clean_key is None and not object_exists(record.quarantine_key)
        status, problem, _ = api.call(
            "GET", f"/v1/transfers/{tid}/documents/{doc_id}/download", parent
        )
        assert (status, problem["code"]) == (400, "document_not_available")
    status, problem, _ = api.call("POST", f"/v1/transfers/{tid}/submit", parent, {})
    assert (status, problem["code"]) == (400, "documents_incomplete"), problem


@pytest.mark.parametrize(
    ("size", "code"),
    [(5 * MIB + 1, "EntityTooLarge"), (0, "EntityTooSmall")],
    ids=["5MiB+1", "empty"],
)
def test_s3_refuses_a_body_outside_the_signed_size_range(
    api: Api, world: World, size: int, code: str
) -> None:
    tid = create_draft(api, world)
    ticket = open_slot(api, world.token("parent"), tid, "rapor_terakhir", "application/pdf")
    response = requests.post(
        ticket["upload_url"],
        data=ticket["upload_fields"],
        files={"file": ("dokumen", b"0" * size, "application/pdf")},
        timeout=30,
    )
    assert response.status_code == 400 and f"<Code>{code}</Code>" in response.text, response.text
    assert not object_exists(ticket["upload_fields"]["key"])
    drain_uploads()
    assert stored(tid, ticket["document"]["id"]).status is DocStatus.PENDING_UPLOAD


def test_a_file_of_exactly_the_maximum_size_is_clean(api: Api, world: World) -> None:
    tid = create_draft(api, world)
    content = files.pdf_of_size(5 * MIB)
    doc = upload(api, world.token("parent"), tid, "rapor_terakhir", content=content)
    record = stored(tid, doc["id"])
    assert (record.status, record.reject_reason, record.size) == (DocStatus.CLEAN, None, 5 * MIB)
    assert object_exists(f"clean/transfer/{tid}/{doc['id']}")


@pytest.mark.parametrize(
    ("size", "reason"),
    [(5 * MIB + 1, "file_too_large"), (0, "empty_file")],
    ids=["5MiB+1", "empty"],
)
def test_the_handler_rechecks_the_size_of_what_s3_stored(
    api: Api, world: World, size: int, reason: str
) -> None:
    """Defence in depth: an object that reached the bucket without the policy (put directly)."""
    tid = create_draft(api, world)
    ticket = open_slot(api, world.token("parent"), tid, "rapor_terakhir", "application/pdf")
    key = ticket["upload_fields"]["key"]
    content = files.pdf_of_size(size) if size else b""
    put_directly(key, content, "application/pdf")

    drain_uploads()

    record = stored(tid, ticket["document"]["id"])
    assert (record.status, record.reject_reason, record.size) == (DocStatus.REJECTED, reason, size)
    assert not object_exists(key) and record.clean_key is None


def put_directly(key: str, content: bytes, content_type: str) -> None:
    s3 = aws_client("s3")
    s3.put_object(Bucket=get_settings().documents_bucket, Key=key, Body=content,
                  ContentType=content_type)  # fmt: skip


def test_an_object_at_a_key_the_server_never_issued_is_deleted(api: Api, world: World) -> None:
    tid = create_draft(api, world)
    open_slot(api, world.token("parent"), tid, "kartu_keluarga", "application/pdf")  # a real slot
    s3, bucket = aws_client("s3"), get_settings().documents_bucket
    forged = [
        f"quarantine/transfer/{new_id()}/{new_id()}",  # unknown request
        f"quarantine/transfer/{tid}/{new_id()}",  # a real request, an id never issued
        "quarantine/transfer/evil.pdf",  # not even the key shape
    ]
    for key in forged:
        s3.put_object(Bucket=bucket, Key=key, Body=factories.PDF, ContentType="application/pdf")

    assert drain_uploads() >= len(forged)

    for key in forged:
        assert not object_exists(key), key
    assert stored(tid, forged[1].rsplit("/", 1)[1]) is None
    [pending] = documents(api, world.token("parent"), tid)  # only the slot the server issued
    assert pending["status"] == "pending_upload"


def test_an_upload_after_its_slot_expired_is_rejected(api: Api, world: World) -> None:
    parent, d = world.token("parent"), deps()
    tid = create_draft(api, world)
    late = open_slot(api, parent, tid, "akta_kelahiran", "application/pdf")
    on_time = open_slot(api, parent, tid, "kartu_keluarga", "application/pdf")
    post_file(late, factories.PDF, "application/pdf")
    post_file(on_time, factories.PDF, "application/pdf")
    expires = stored(tid, late["document"]["id"]).upload_expires_at
    assert abs(expires - parse_utc(late["upload_expires_at"])) < timedelta(seconds=1)

    def settle(ticket: dict[str, Any], at: datetime) -> str:
        outcome, _ = settle_upload(
            ticket["upload_fields"]["key"],
            at,
            docs=d.documents,
            storage=d.storage,
            settings=d.settings,
        )
        return outcome

    assert settle(late, expires + timedelta(seconds=1)) == "rejected"
    on_time_expires = stored(tid, on_time["document"]["id"]).upload_expires_at
    assert settle(on_time, on_time_expires) == "clean"  # exactly at the expiry is still in time
    drain_uploads()  # the real S3 events arrive afterwards: both are already settled

    by_id = {doc["id"]: doc for doc in documents(api, parent, tid)}
    assert by_id[late["document"]["id"]]["status"] == "rejected"
    assert by_id[late["document"]["id"]]["reject_reason"] == "upload_slot_expired"
    assert by_id[on_time["document"]["id"]]["status"] == "clean"
    assert not object_exists(late["upload_fields"]["key"])


def test_a_type_outside_the_allow_list_is_refused_when_the_slot_is_opened(
    api: Api, world: World
) -> None:
    parent = world.token("parent")
    tid = create_draft(api, world)
    for content_type in [
        "text/plain",
        "image/svg+xml",
        "application/x-msdownload",
        "text/html",
        "APPLICATION/PDF",
        "application/pdf; x=1",
        "",
    ]:
        status, problem, headers = api.call(
            "POST",
            f"/v1/transfers/{tid}/documents",
            parent,
            {"slot": "kartu_keluarga", "content_type": content_type},
        )
        assert (status, problem["code"]) == (422, "validation_failed"), (content_type, problem)
        assert [e["field"] for e in problem["errors"]] == ["content_type"]
        assert headers["Content-Type"] == "application/problem+json"
    assert documents(api, parent, tid) == []


def test_an_unknown_or_missing_slot_is_refused(api: Api, world: World) -> None:
    parent = world.token("parent")
    tid = create_draft(api, world)
    path = f"/v1/transfers/{tid}/documents"
    status, problem, _ = api.call(
        "POST", path, parent, {"slot": "ijazah", "content_type": "application/pdf"}
    )
    assert (status, problem["code"]) == (400, "unknown_slot"), problem
    assert "kartu_keluarga" in problem["allowed"]
    status, problem, _ = api.call("POST", path, parent, {"content_type": "application/pdf"})
    assert (status, problem["code"]) == (422, "validation_failed"), problem
    assert documents(api, parent, tid) == []


def test_the_presigned_post_pins_key_type_size_and_expiry(api: Api, world: World) -> None:
    tid = create_draft(api, world)
    before = datetime.now(UTC)
    ticket = open_slot(api, world.token("parent"), tid, "akta_kelahiran", "image/png")
    doc_id, fields = ticket["document"]["id"], ticket["upload_fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    key = f"quarantine/transfer/{tid}/{doc_id}"

    conditions = policy["conditions"]
    assert fields["key"] == key and {"key": key} in conditions
    assert fields["Content-Type"] == "image/png" and {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 5 * MIB] in conditions
    assert {"bucket": get_settings().documents_bucket} in conditions
    # nothing open-ended: no starts-with, no second key or type condition
    assert not [c for c in conditions if isinstance(c, list) and c[0] != "content-length-range"]
    assert [c for c in conditions if isinstance(c, dict) and set(c) & {"key", "Content-Type"}] == [
        {"Content-Type": "image/png"},
        {"key": key},
    ]
    expiration = parse_utc(policy["expiration"])
    after = datetime.now(UTC)
    # the policy's expiration is whole seconds: at most 10 min after the ticket was answered
    assert before + timedelta(minutes=9) < expiration <= after + timedelta(minutes=10)
    # the record's expiry and the policy's are taken a moment apart (and both cut to seconds)
    assert abs(parse_utc(ticket["upload_expires_at"]) - expiration) <= timedelta(seconds=1)
    assert ticket["max_bytes"] == 5 * MIB
    assert urlparse(ticket["upload_url"]).path.strip("/") == get_settings().documents_bucket


def test_each_slot_belongs_to_one_party(api: Api, world: World) -> None:
    tid = create_draft(api, world)
    refused = [
        ("parent", "surat_keterangan_pindah"),
        ("parent", "surat_keterangan_diterima"),
        ("origin_op", "surat_keterangan_diterima"),
        ("destination_op", "surat_keterangan_pindah"),
    ]
    refused += [(op, slot) for op in ("origin_op", "destination_op") for slot in PARENT_SLOTS]
    for who, slot in refused:
        status, problem, _ = api.call(
            "POST",
            f"/v1/transfers/{tid}/documents",
            world.token(who),
            {"slot": slot, "content_type": "application/pdf"},
        )
        assert (status, problem["code"]) == (403, "slot_not_yours"), (who, slot, problem)
        assert "upload_url" not in problem
    assert documents(api, world.token("parent"), tid) == []


def _sqs_records(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": {},
            "messageAttributes": {},
            "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:ap-southeast-3:1:q",
            "awsRegion": "ap-southeast-3",
        }
        for m in messages
    ]


def test_the_same_s3_event_delivered_twice_settles_once(api: Api, world: World) -> None:
    parent, d = world.token("parent"), deps()
    tid = create_draft(api, world)
    ticket = open_slot(api, parent, tid, "kartu_keluarga", "application/pdf")
    key = ticket["upload_fields"]["key"]
    drain_uploads()  # start from an empty queue
    post_file(ticket, factories.PDF, "application/pdf")
    sqs = aws_client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().uploads_queue_name)["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    [event] = [m for m in messages if ticket["document"]["id"] in m["Body"]]

    for _ in range(2):  # at-least-once delivery: the very same message, twice
        assert process({"Records": _sqs_records([event])}) == {"batchItemFailures": []}
    sqs.delete_message(QueueUrl=url, ReceiptHandle=event["ReceiptHandle"])

    record = stored(tid, ticket["document"]["id"])
    assert (record.status, record.size) == (DocStatus.CLEAN, len(factories.PDF))
    outcome, again = settle_upload(
        key, datetime.now(UTC), docs=d.documents, storage=d.storage, settings=d.settings
    )
    assert outcome == "already_settled" and again == record
    assert object_exists(record.clean_key) and not object_exists(key)
    assert [doc["status"] for doc in documents(api, parent, tid)] == ["clean"]


def test_a_download_url_is_short_lived_and_only_for_the_family(api: Api, world: World) -> None:
    parent = world.token("parent")
    tid = create_draft(api, world)
    doc = upload(api, parent, tid, "rapor_terakhir", content=factories.PDF)
    path = f"/v1/transfers/{tid}/documents/{doc['id']}/download"

    status, link, _ = api.call("GET", path, parent)
    assert status == 200, link
    url = urlparse(link["url"])
    query = parse_qs(url.query)
    assert 0 < int(query["X-Amz-Expires"][0]) <= 300 and 0 < link["expires_in"] <= 300
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Signature"]
    assert url.path.endswith(f"/clean/transfer/{tid}/{doc['id']}")
    # the link pins what the browser gets: this type, saved as a file with a server-chosen name
    assert query["response-content-type"] == ["application/pdf"]
    disposition = f'attachment; filename="rapor_terakhir-{doc["id"]}.pdf"'
    assert query["response-content-disposition"] == [disposition]
    fetched = requests.get(link["url"], timeout=10)
    assert fetched.status_code == 200 and fetched.content == factories.PDF
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Content-Disposition"] == disposition

    for who in ("other_parent", "outside_op", "other_op"):
        status, problem, _ = api.call("GET", path, world.token(who))
        assert (status, problem["code"]) == (404, "transfer_not_found"), (who, problem)
        assert "url" not in problem
    # the other family's own request id with this document id: still nothing
    status, theirs, _ = api.call(
        "POST",
        "/v1/transfers",
        world.token("other_parent"),
        factories.transfer_body(world.origin, world.destination),
    )
    assert status == 201, theirs
    swapped = f"/v1/transfers/{theirs['id']}/documents/{doc['id']}/download"
    status, problem, _ = api.call("GET", swapped, world.token("other_parent"))
    assert (status, problem["code"]) == (404, "document_not_found"), problem


ACCEPTED = {  # slot: (bytes, declared type): real files made by fpdf2 and Pillow
    "surat_permohonan_orang_tua": (factories.pdf_bytes("Surat permohonan"), "application/pdf"),
    "rapor_terakhir": (factories.image_bytes("JPEG", (1240, 1754)), "image/jpeg"),
    "kartu_keluarga": (factories.image_bytes("PNG", (600, 400)), "image/png"),
}


def test_real_pdfs_and_images_are_clean_and_downloaded_as_attachments(
    api: Api, world: World
) -> None:
    parent = world.token("parent")
    tid = create_draft(api, world)
    for slot, (content, declared) in ACCEPTED.items():
        doc = upload(api, parent, tid, slot, content=content, content_type=declared)
        record = stored(tid, doc["id"])
        assert (record.status, record.reject_reason) == (DocStatus.CLEAN, None), slot
        status, link, _ = api.call(
            "GET", f"/v1/transfers/{tid}/documents/{doc['id']}/download", parent
        )
        assert status == 200, link
        fetched = requests.get(link["url"], timeout=10)
        assert (fetched.status_code, fetched.content) == (200, content)
        assert fetched.headers["Content-Type"] == declared
        assert fetched.headers["Content-Disposition"].startswith(f'attachment; filename="{slot}-')


HOSTILE = [  # (bytes, declared type, reason): each one starts with the right magic bytes
    (files.POLYGLOT, "application/pdf", "pdf_unreadable"),
    (files.TRUNCATED, "application/pdf", "pdf_unreadable"),
    (files.WITHOUT_XREF, "application/pdf", "pdf_unreadable"),
    (files.HTML_AFTER_EOF, "application/pdf", "pdf_unreadable"),
    (files.JAVASCRIPT_OPEN_ACTION, "application/pdf", "pdf_javascript"),
    (files.JAVASCRIPT_NAMES, "application/pdf", "pdf_javascript"),
    (files.LAUNCH, "application/pdf", "pdf_launch_action"),
    (files.with_attachment(), "application/pdf", "pdf_embedded_file"),
    (files.XFA, "application/pdf", "pdf_active_content"),
    (files.encrypted_pdf(factories.PDF, user_password="rahasia"), "application/pdf",
     "pdf_encrypted"),
    (files.corrupt_png(), "image/png", "image_unreadable"),
    (files.truncated(factories.image_bytes("JPEG", (64, 64))), "image/jpeg", "image_unreadable"),
    (files.corrupt_jpeg(), "image/jpeg", "image_unreadable"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "declared", "reason"),
    HOSTILE,
    ids=["polyglot-pdf-html", "truncated-pdf", "pdf-without-xref", "html-after-eof",
         "pdf-javascript", "pdf-javascript-names", "pdf-launch", "pdf-embedded-file", "pdf-xfa",
         "pdf-password", "png-corrupt", "jpeg-truncated", "jpeg-corrupt"],
)  # fmt: skip
def test_a_file_that_only_looks_right_is_rejected_and_cannot_be_downloaded(
    api: Api, world: World, content: bytes, declared: str, reason: str
) -> None:
    parent = world.token("parent")
    tid = create_draft(api, world)
    doc = upload(api, parent, tid, "kartu_keluarga", content=content, content_type=declared)

    [listed] = documents(api, parent, tid)
    assert (listed["status"], listed["reject_reason"]) == ("rejected", reason), listed
    assert listed["reject_message"] == REJECT_MESSAGES[reason]
    record = stored(tid, doc["id"])
    assert record.clean_key is None and not object_exists(record.quarantine_key)
    assert not object_exists(f"clean/transfer/{tid}/{doc['id']}")
    status, problem, _ = api.call(
        "GET", f"/v1/transfers/{tid}/documents/{doc['id']}/download", parent
    )
    assert (status, problem["code"]) == (400, "document_not_available")


def test_a_stored_object_whose_type_differs_from_the_signed_one_is_rejected(
    api: Api, world: World
) -> None:
    """S3 enforces the signed Content-Type; the handler compares what was stored anyway."""
    parent = world.token("parent")
    tid = create_draft(api, world)
    ticket = open_slot(api, parent, tid, "kartu_keluarga", "application/pdf")
    put_directly(ticket["upload_fields"]["key"], factories.PDF, "text/html")

    drain_uploads()

    [listed] = documents(api, parent, tid)
    assert (listed["status"], listed["reject_reason"]) == ("rejected", "stored_type_mismatch")
    assert not object_exists(ticket["upload_fields"]["key"])


def test_storage_fetch_reads_one_object_whole_or_only_its_head() -> None:
    from chalicelib.core.storage import HEAD_BYTES, S3Storage

    storage, key = S3Storage(get_settings().documents_bucket), f"quarantine/unit/{new_id()}/x"
    assert storage.fetch(key, 10) is None
    put_directly(key, b"%PDF-" + b"0" * 20_000, "application/pdf")
    whole, head = storage.fetch(key, 20_005), storage.fetch(key, 20_004)
    assert whole == ObjectInfo(20_005, b"%PDF-" + b"0" * 20_000, "application/pdf")
    assert head == ObjectInfo(20_005, (b"%PDF-" + b"0" * 20_000)[:HEAD_BYTES], "application/pdf")
    storage.delete(key)
