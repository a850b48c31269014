"""End to end over real HTTP against the same embedded stack as ``make run``.

A Pindah Sekolah request inside Kota Tangerang goes from draft to completed: uploads go to the
presigned S3 POST for real and are settled by S3 -> SQS -> poller -> upload handler.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from local import seed
from local.run import Stack, start_stack
from tests.support import factories

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e-transfer")]

PDF, PNG = factories.PDF, factories.PNG  # real files: the upload handler parses them
PARENT_SLOTS = ("surat_permohonan_orang_tua", "rapor_terakhir", "kartu_keluarga", "akta_kelahiran")
ORIGIN, DESTINATION = seed.SMP_1_TANGERANG, seed.SMP_5_TANGERANG
SETTLE_TIMEOUT = 15.0


@dataclass
class Caller:
    """One user of the API, with a real HTTP session."""

    api: str
    token: str | None
    http: requests.Session

    def call(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.http.request(
            method, self.api + path, json=body, headers=headers, timeout=10
        )
        assert response.status_code == expect, f"{method} {path}: {response.text}"
        return response.json() if response.content else None

    def act(self, transfer_id: str, action: str, **body: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.call("POST", f"/v1/transfers/{transfer_id}/{action}", body)
        return result


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    running = start_stack(api_port=0, seed=True, scheduler=False)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def caller(stack: Stack, http: requests.Session, key: str | None) -> Caller:
    return Caller(stack.api_url, stack.tokens[key] if key else None, http)


def new_transfer_body(gender: str = "L") -> dict[str, Any]:
    birth = date(2012, random.randint(1, 12), random.randint(1, 28))
    day = birth.day + (40 if gender == "P" else 0)
    nik = f"367101{day:02d}{birth.month:02d}{birth.year % 100:02d}{random.randint(1, 9999):04d}"
    return {
        "student": {
            "name": "Andi Pratama" if gender == "L" else "Sari Lestari",
            "nik": nik,
            "nisn": f"{random.randint(1, 9_999_999_999):010d}",
            "birth_date": birth.isoformat(),
            "gender": gender,
            "grade": 8,
        },
        "origin_npsn": ORIGIN,
        "destination_npsn": DESTINATION,
        "reason": "Orang tua pindah tugas ke Karawaci",
        "wanted_start_date": (date.today() + timedelta(days=30)).isoformat(),
        "parent": {"name": "Budi Santoso", "phone": "0812-3456-7890"},
    }


def upload(who: Caller, transfer_id: str, slot: str, content: bytes = PDF) -> str:
    """Open a slot, then POST the file to the presigned URL exactly as a browser would."""
    ticket = who.call(
        "POST",
        f"/v1/transfers/{transfer_id}/documents",
        {"slot": slot, "content_type": "application/pdf"},
        expect=201,
    )
    files = {"file": (f"{slot}.pdf", content, "application/pdf")}
    response = requests.post(
        ticket["upload_url"], data=ticket["upload_fields"], files=files, timeout=10
    )
    assert response.status_code in (200, 201, 204), response.text
    return str(ticket["document"]["id"])


def settled(who: Caller, transfer_id: str, doc_ids: list[str]) -> dict[str, str]:
    """Poll the document list until the upload handler has settled every document."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        items = who.call("GET", f"/v1/transfers/{transfer_id}/documents")["items"]
        status = {d["id"]: d["status"] for d in items if d["id"] in doc_ids}
        if len(status) == len(doc_ids) and "pending_upload" not in status.values():
            return status
        assert time.monotonic() < deadline, f"documents not settled in time: {status}"
        time.sleep(0.2)


def free_seats(who: Caller, npsn: str, grade: int) -> int:
    items = who.call("GET", f"/v1/schools/{npsn}/seats")["items"]
    return int(next(s["free_seats"] for s in items if s["grade"] == grade))


def test_transfer_goes_from_draft_to_completed(stack: Stack, http: requests.Session) -> None:
    parent = caller(stack, http, "parent")
    origin_op = caller(stack, http, f"op_{ORIGIN}")
    destination_op = caller(stack, http, f"op_{DESTINATION}")
    seats_before = free_seats(parent, DESTINATION, 8)

    transfer = parent.call("POST", "/v1/transfers", new_transfer_body(), expect=201)
    tid = transfer["id"]
    assert transfer["state"] == "draft"
    assert transfer["student"]["nik_masked"].startswith("************")

    doc_ids = [upload(parent, tid, slot) for slot in PARENT_SLOTS]
    assert set(settled(parent, tid, doc_ids).values()) == {"clean"}

    assert parent.act(tid, "submit")["state"] == "submitted"
    accepted = destination_op.act(tid, "accept")
    assert accepted["state"] == "accepted_by_destination"
    assert accepted["seat_held"] is True
    assert free_seats(parent, DESTINATION, 8) == seats_before - 1

    release_letter = upload(origin_op, tid, "surat_keterangan_pindah")
    assert settled(origin_op, tid, [release_letter]) == {release_letter: "clean"}
    released = origin_op.act(tid, "release")
    assert released["state"] == "approved"  # inside Kota Tangerang: no review needed
    assert released["letter_available"] is True

    letter = parent.call("GET", f"/v1/transfers/{tid}/letter")
    pdf = requests.get(letter["url"], timeout=10)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF-")

    anonymous = caller(stack, http, None)
    public = anonymous.call("GET", f"/v1/public/letters/{letter['code']}")
    assert public["status"] == "valid"
    assert public["destination_name"] == "SMP Negeri 5 Tangerang"
    assert "Andi" not in str(public)  # initials only

    assert origin_op.act(tid, "confirm-dapodik")["state"] == "approved"
    done = destination_op.act(tid, "confirm-dapodik")
    assert done["state"] == "completed"
    assert parent.call("GET", f"/v1/transfers/{tid}")["state"] == "completed"

    timeline = parent.call("GET", f"/v1/transfers/{tid}/timeline")["entries"]
    steps = [(e["action"], e["to_state"]) for e in timeline]
    assert steps == [
        ("create", "draft"),
        ("submit", "submitted"),
        ("accept", "accepted_by_destination"),
        ("release", "released_by_origin"),
        ("system", "approved"),
        ("confirm_dapodik", "approved"),
        ("confirm_dapodik", "approved"),
        ("system", "completed"),
    ]


def test_spoofed_pdf_is_rejected(stack: Stack, http: requests.Session) -> None:
    parent = caller(stack, http, "parent_2")
    tid = parent.call("POST", "/v1/transfers", new_transfer_body("P"), expect=201)["id"]

    doc_id = upload(parent, tid, "rapor_terakhir", content=PNG)  # declared PDF, really a PNG

    assert settled(parent, tid, [doc_id]) == {doc_id: "rejected"}
    items = parent.call("GET", f"/v1/transfers/{tid}/documents")["items"]
    assert items[0]["reject_reason"] == "content_does_not_match_type"
    submit = parent.call("POST", f"/v1/transfers/{tid}/submit", {}, expect=400)
    assert submit["code"] == "documents_incomplete"


def problem(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert body["request_id"]
    return body


def test_gateway_errors_are_problem_json(stack: Stack, http: requests.Session) -> None:
    api, token = stack.api_url, stack.tokens["parent"]
    auth = {"Authorization": f"Bearer {token}"}

    problem(http.get(f"{api}/v1/no-such-route", headers=auth, timeout=10), 404, "route_not_found")
    problem(http.delete(f"{api}/v1/schools", headers=auth, timeout=10), 404, "route_not_found")
    bad = {"Authorization": "Bearer " + token[:-4] + "AAAA"}
    problem(http.get(f"{api}/v1/transfers", headers=bad, timeout=10), 401, "invalid_token")
    missing = http.get(f"{api}/v1/transfers", timeout=10)
    assert missing.status_code == 401
    assert missing.headers["Content-Type"] == "application/problem+json"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
