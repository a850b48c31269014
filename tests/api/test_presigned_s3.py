"""The embedded S3 refuses what Amazon S3 refuses on presigned requests (local/s3_guard.py), over
real HTTP with the tickets and links the API hands out: another owner's key, another
Content-Type, a body outside the size range, an extra field, a tampered signature or policy, an
expired slot, and an expired or altered download link. Nothing refused is stored."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
import requests

from chalicelib.core.aws import client as aws_client
from chalicelib.core.settings import get_settings
from chalicelib.documents.domain import DocStatus
from chalicelib.wiring import deps
from local import s3_guard
from tests.support import factories
from tests.support.fixtures import Api, World, drain_uploads, upload

MIB = 1024 * 1024


def draft(api: Api, world: World, who: str = "parent") -> str:
    status, created, _ = api.call(
        "POST", "/v1/transfers", world.token(who),
        factories.transfer_body(world.origin, world.destination),
    )  # fmt: skip
    assert status == 201, created
    return str(created["id"])


def ticket_for(api: Api, token: str, tid: str, slot: str = "kartu_keluarga") -> dict[str, Any]:
    status, ticket, _ = api.call(
        "POST", f"/v1/transfers/{tid}/documents", token,
        {"slot": slot, "content_type": "application/pdf"},
    )  # fmt: skip
    assert status == 201, ticket
    return dict(ticket)


def post(ticket: dict[str, Any], content: bytes = factories.PDF, **changes: str) -> Any:
    fields = {**ticket["upload_fields"], **changes}
    return requests.post(
        ticket["upload_url"],
        data=fields,
        files={"file": ("dokumen.pdf", content, "application/pdf")},
        timeout=30,
    )


def s3_error(response: Any) -> tuple[int, str, str]:
    code = re.search(r"<Code>([^<]*)</Code>", response.text)
    message = re.search(r"<Message>([^<]*)</Message>", response.text)
    return (
        response.status_code,
        code.group(1) if code else "",
        message.group(1).replace("&quot;", '"') if message else "",
    )


def exists(key: str) -> bool:
    s3 = aws_client("s3")
    listing = s3.list_objects_v2(Bucket=get_settings().documents_bucket, Prefix=key)
    return any(o["Key"] == key for o in listing.get("Contents", []))


def pending(tid: str, ticket: dict[str, Any]) -> bool:
    drain_uploads()
    doc = deps().documents.get(f"transfer#{tid}", ticket["document"]["id"])
    return doc is not None and doc.status is DocStatus.PENDING_UPLOAD


def test_the_ticket_as_issued_is_accepted(api: Api, world: World) -> None:
    tid = draft(api, world)
    ticket = ticket_for(api, world.token("parent"), tid)
    response = post(ticket)
    assert response.status_code == 204, response.text
    assert exists(ticket["upload_fields"]["key"])


def test_a_ticket_cannot_write_another_owners_key(api: Api, world: World) -> None:
    theirs = ticket_for(api, world.token("parent"), draft(api, world))
    mine_tid = draft(api, world, "other_parent")
    mine = ticket_for(api, world.token("other_parent"), mine_tid)
    victim = theirs["upload_fields"]["key"]

    response = post(mine, key=victim)

    own = mine["upload_fields"]["key"]
    assert s3_error(response) == (
        403, "AccessDenied",
        f'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "{own}"]',
    )  # fmt: skip
    assert not exists(victim) and not exists(own) and pending(mine_tid, mine)


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "application/pdf; x=1"])
def test_another_content_type_is_refused(api: Api, world: World, content_type: str) -> None:
    tid = draft(api, world)
    ticket = ticket_for(api, world.token("parent"), tid)

    response = post(ticket, **{"Content-Type": content_type})

    assert s3_error(response) == (
        403, "AccessDenied",
        'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", '
        '"application/pdf"]',
    )  # fmt: skip
    assert not exists(ticket["upload_fields"]["key"]) and pending(tid, ticket)


def test_an_oversized_body_is_refused_as_s3_does(api: Api, world: World) -> None:
    """S3 answers content-length-range with 400 EntityTooLarge (not 403)."""
    tid = draft(api, world)
    ticket = ticket_for(api, world.token("parent"), tid)

    response = post(ticket, content=b"0" * (5 * MIB + 1))

    assert s3_error(response)[:2] == (400, "EntityTooLarge")
    assert "<MaxSizeAllowed>5242880</MaxSizeAllowed>" in response.text
    assert not exists(ticket["upload_fields"]["key"]) and pending(tid, ticket)


def test_a_field_the_policy_does_not_name_is_refused(api: Api, world: World) -> None:
    tid = draft(api, world)
    ticket = ticket_for(api, world.token("parent"), tid)

    response = post(ticket, **{"x-amz-meta-nama": "Budi", "success_action_status": "201"})

    assert s3_error(response) == (
        403, "AccessDenied",
        "Invalid according to Policy: Extra input fields: success_action_status, x-amz-meta-nama",
    )  # fmt: skip
    assert not exists(ticket["upload_fields"]["key"]) and pending(tid, ticket)


def _widened_policy(ticket: dict[str, Any]) -> str:
    policy = json.loads(base64.b64decode(ticket["upload_fields"]["policy"]))
    policy["conditions"] = [
        ["starts-with", "$key", "quarantine/"] if isinstance(c, dict) and "key" in c else c
        for c in policy["conditions"]
    ]
    return base64.b64encode(json.dumps(policy).encode()).decode()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: {"x-amz-signature": "0" * 64},
        lambda t: {"x-amz-signature": t["upload_fields"]["x-amz-signature"][::-1]},
        lambda t: {"policy": _widened_policy(t), "key": "quarantine/transfer/x/y"},
        lambda t: {"x-amz-credential": t["upload_fields"]["x-amz-credential"].replace(
            "ap-southeast-3", "us-east-1")},
    ],
    ids=["zeroed-signature", "reversed-signature", "widened-policy", "other-region-scope"],
)  # fmt: skip
def test_a_tampered_signature_or_policy_is_refused(api: Api, world: World, tamper: Any) -> None:
    tid = draft(api, world)
    ticket = ticket_for(api, world.token("parent"), tid)

    response = post(ticket, **tamper(ticket))

    assert s3_error(response)[:2] == (403, "SignatureDoesNotMatch"), response.text
    assert not exists(ticket["upload_fields"]["key"]) and pending(tid, ticket)
    assert not exists("quarantine/transfer/x/y")


def test_an_upload_without_a_policy_is_an_anonymous_write_and_refused(
    api: Api, world: World
) -> None:
    tid = draft(api, world)
    ticket = ticket_for(api, world.token("parent"), tid)
    key = ticket["upload_fields"]["key"]

    response = requests.post(
        ticket["upload_url"],
        data={"key": key, "Content-Type": "application/pdf"},
        files={"file": ("dokumen.pdf", factories.PDF, "application/pdf")},
        timeout=30,
    )

    assert s3_error(response) == (403, "AccessDenied", "Access Denied")
    assert not exists(key) and pending(tid, ticket)


def test_an_expired_slot_is_refused(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    tid = draft(api, world)
    ticket = ticket_for(api, world.token("parent"), tid)
    real = s3_guard.clock
    monkeypatch.setattr(s3_guard, "clock", lambda: real() + 601)  # the policy lives 10 minutes

    response = post(ticket)

    assert s3_error(response) == (403, "AccessDenied",
                                  "Invalid according to Policy: Policy expired.")  # fmt: skip
    assert not exists(ticket["upload_fields"]["key"]) and pending(tid, ticket)


def download_link(api: Api, world: World) -> tuple[str, bytes]:
    parent = world.token("parent")
    tid = draft(api, world)
    doc = upload(api, parent, tid, "rapor_terakhir")
    status, link, _ = api.call("GET", f"/v1/transfers/{tid}/documents/{doc['id']}/download", parent)
    assert status == 200, link
    return str(link["url"]), factories.PDF


def test_an_expired_download_link_is_refused(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, content = download_link(api, world)
    fresh = requests.get(url, timeout=10)
    assert (fresh.status_code, fresh.content) == (200, content)
    real = s3_guard.clock
    monkeypatch.setattr(s3_guard, "clock", lambda: real() + 301)  # links live 5 minutes

    expired = requests.get(url, timeout=10)

    assert s3_error(expired) == (403, "AccessDenied", "Request has expired")
    assert "<X-Amz-Expires>300</X-Amz-Expires>" in expired.text
    assert content not in expired.content


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("response-content-type=application%2Fpdf", "response-content-type=text%2Fhtml"),
        ("attachment%3B", "inline%3B"),
        ("X-Amz-Expires=300", "X-Amz-Expires=3000"),
        ("X-Amz-Signature=", "X-Amz-Signature=0"),
    ],
    ids=["content-type", "inline", "expiry", "signature"],
)
def test_an_altered_download_link_is_refused(api: Api, world: World, old: str, new: str) -> None:
    url, content = download_link(api, world)
    assert old in url

    altered = requests.get(url.replace(old, new, 1), timeout=10)

    assert s3_error(altered)[:2] == (403, "SignatureDoesNotMatch"), altered.text
    assert content not in altered.content
