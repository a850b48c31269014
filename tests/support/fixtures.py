"""Shared fixtures: the Chalice test client, callers of every role, schools, uploads."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from chalice.test import Client

from chalicelib.core.aws import client as aws_client
from chalicelib.core.ids import new_id
from chalicelib.core.settings import get_settings
from chalicelib.documents.domain import DocStatus, Document, quarantine_key
from chalicelib.schools.domain import Level, School
from chalicelib.transfers.domain import PARENT_SLOTS
from chalicelib.wiring import deps
from local.run import UploadPoller
from tests.support import factories


@dataclass
class Api:
    client: Client

    def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        raw = (
            b""
            if body is None
            else (body if isinstance(body, bytes) else json.dumps(body).encode())
        )
        response = self.client.http.request(method, path, headers=hdrs, body=raw)
        text = response.body.decode() if response.body else ""
        try:
            data = json.loads(text) if text else None
        except ValueError:
            data = text
        return response.status_code, data, dict(response.headers)


@dataclass
class World:
    """Two schools in Kota Tangerang, one outside, and callers of every role."""

    origin: str
    destination: str
    outside: str
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, name: str) -> str:
        return self.tokens[name]


@pytest.fixture(scope="session")
def chalice_client() -> Iterator[Client]:
    from app import app

    with Client(app, stage_name="test") as c:
        yield c


@pytest.fixture
def api(chalice_client: Client) -> Api:
    return Api(chalice_client)


def add_school(
    npsn: str, level: Level = Level.SMP, kabkota: str = "3671", seats: dict[int, int] | None = None
) -> str:
    d = deps()
    d.schools.put(
        School(
            npsn,
            f"SMP Uji {npsn}",
            level,
            kabkota,
            "Kota Tangerang" if kabkota == "3671" else "Kabupaten Tangerang",
            "Karawaci",
            "Jl. Uji No. 1",
        )
    )
    for grade, free in (seats or {}).items():
        d.schools.set_seats(npsn, grade, free, "test", datetime.now(UTC))
    return npsn


@pytest.fixture
def world() -> World:
    from tests.conftest import KEYS

    origin = add_school(factories.npsn(), seats={8: 5})
    destination = add_school(factories.npsn(), seats={7: 5, 8: 5, 9: 5})
    outside = add_school(factories.npsn(), kabkota="3603", seats={8: 5})
    tag = uuid.uuid4().hex[:8]
    tokens = {
        "parent": KEYS.token(f"parent-{tag}", "parent", name="Budi"),
        "other_parent": KEYS.token(f"parent2-{tag}", "parent"),
        "origin_op": KEYS.token(f"op-o-{tag}", "school_operator", npsn=origin),
        "destination_op": KEYS.token(f"op-d-{tag}", "school_operator", npsn=destination),
        "outside_op": KEYS.token(f"op-x-{tag}", "school_operator", npsn=outside),
        "other_op": KEYS.token(f"op-z-{tag}", "school_operator", npsn=factories.npsn()),
        "staff": KEYS.token(f"staff-{tag}", "education_staff"),
        "admin": KEYS.token(f"admin-{tag}", "admin"),
    }
    return World(origin, destination, outside, tokens)


def drain_uploads() -> int:
    """Feed what S3 put on the uploads queue to the real handler, as Lambda would (the same
    poller as the local stack: only messages not in batchItemFailures are deleted)."""
    poller = UploadPoller(aws_client("sqs"), get_settings().uploads_queue_name,
                          threading.Event(), quiet=True)  # fmt: skip
    handled = 0
    while count := poller.poll_once(wait_seconds=0):
        handled += count
    return handled


def upload(
    api: Api,
    token: str,
    transfer_id: str,
    slot: str,
    content: bytes = factories.PDF,
    content_type: str = "application/pdf",
) -> dict[str, Any]:
    status, ticket, _ = api.call(
        "POST",
        f"/v1/transfers/{transfer_id}/documents",
        token,
        {"slot": slot, "content_type": content_type},
    )
    assert status == 201, ticket
    response = requests.post(
        ticket["upload_url"],
        data=ticket["upload_fields"],
        files={"file": ("dokumen", content, content_type)},
        timeout=10,
    )
    assert response.status_code in (200, 201, 204), response.text
    drain_uploads()
    return dict(ticket["document"])


def clean_parent_documents(transfer_id: str, uploader: str) -> None:
    d = deps()
    ref, now = f"transfer#{transfer_id}", d.clock.now()
    for slot in PARENT_SLOTS:
        doc_id = new_id()
        d.documents.create(
            Document(
                ref,
                doc_id,
                slot,
                "application/pdf",
                DocStatus.CLEAN,
                uploader,
                "parent",
                now,
                now + timedelta(minutes=10),
                quarantine_key(ref, doc_id),
            )
        )


@pytest.fixture
def serializable_dynamodb() -> None:
    """The embedded moto is as serialisable as DynamoDB (local.emulator, applied by
    local.run.start_moto for every test session); this fixture asserts it for the concurrency
    tests that depend on it."""
    from moto.dynamodb.models import DynamoDBBackend

    from local.emulator import transact_write_items

    assert DynamoDBBackend.transact_write_items is transact_write_items
