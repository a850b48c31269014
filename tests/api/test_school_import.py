"""School import of a PPDB period through the upload pipeline (issue 3, section 2).

A real presigned POST to the embedded S3, the S3 -> SQS event fed to the real upload handler
(``drain_uploads``), then the API: the import goes live whole or not at all.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from chalicelib.admissions.records import PeriodRecord
from chalicelib.admissions.repository import DynamoAdmissionRepository
from chalicelib.core.audit import AuditEntry
from chalicelib.core.aws import client as aws_client
from chalicelib.core.clock import FixedClock
from chalicelib.core.ids import new_id
from chalicelib.core.settings import get_settings
from chalicelib.documents.handlers import process
from chalicelib.wiring import deps, use
from tests.support.fixtures import Api, drain_uploads
from tests.support.ppdb import period_record, period_school, store_period
from tests.support.spreadsheets import CSV, XLSX, csv_bytes, school_rows, xlsx_bytes

BASE = "/v1/admissions/periods/{pid}"


@pytest.fixture
def tokens() -> dict[str, str]:
    from tests.conftest import KEYS

    tag = uuid.uuid4().hex[:8]
    return {
        "staff": KEYS.token(f"staff-{tag}", "education_staff"),
        "parent": KEYS.token(f"parent-{tag}", "parent"),
        "operator": KEYS.token(f"op-{tag}", "school_operator", npsn="20606901"),
        "admin": KEYS.token(f"admin-{tag}", "admin"),
    }


def new_period(**kw: Any) -> PeriodRecord:
    return deps().admissions.create_period(period_record(**kw), [])


def open_import(api: Api, token: str, pid: str, content_type: str) -> dict[str, Any]:
    status, ticket, _ = api.call(
        "POST", BASE.format(pid=pid) + "/school-imports", token, {"content_type": content_type}
    )
    assert status == 201, ticket
    return dict(ticket)


def post_file(ticket: dict[str, Any], data: bytes, content_type: str) -> None:
    response = requests.post(
        ticket["upload_url"],
        data=ticket["upload_fields"],
        files={"file": ("sekolah", data, content_type)},
        timeout=30,
    )
    assert response.status_code in (200, 201, 204), response.text


def import_file(api: Api, token: str, pid: str, data: bytes, content_type: str) -> dict[str, Any]:
    """Open, upload, let the handler run; the job as staff read it afterwards."""
    ticket = open_import(api, token, pid, content_type)
    post_file(ticket, data, content_type)
    drain_uploads()
    return job(api, token, pid, ticket["import"]["id"])


def job(api: Api, token: str, pid: str, import_id: str) -> dict[str, Any]:
    status, body, _ = api.call("GET", BASE.format(pid=pid) + f"/school-imports/{import_id}", token)
    assert status == 200, body
    return dict(body)


def schools(api: Api, token: str, pid: str) -> dict[str, Any]:
    status, body, _ = api.call("GET", BASE.format(pid=pid) + "/schools", token)
    assert status == 200, body
    return dict(body)


def test_a_good_xlsx_import_goes_live_and_lists_seats_that_add_up_to_capacity(
    api: Api, tokens: dict[str, str]
) -> None:
    period = new_period()
    rows = school_rows(5, capacity=37)
    rows[3]["capacity"] = "250"

    ticket = open_import(api, tokens["staff"], period.id, XLSX)
    assert ticket["import"]["status"] == "pending_upload"
    assert ticket["upload_fields"]["Content-Type"] == XLSX and ticket["max_bytes"] > 0
    post_file(ticket, xlsx_bytes(rows), XLSX)
    drain_uploads()

    done = job(api, tokens["staff"], period.id, ticket["import"]["id"])
    assert (done["status"], done["rows"], done["errors"]) == ("done", 5, []), done
    listed = schools(api, tokens["parent"], period.id)  # every role reads the live list
    assert listed["import_id"] == done["id"] and listed["count"] == 5
    items = listed["items"]
    assert [s["name"] for s in items] == sorted(r["name"] for r in rows)
    assert {s["npsn"] for s in items} == {r["npsn"] for r in rows}
    route_ids = {r.id for r in period.config.routes}
    for school in items:
        assert set(school["seats"]) == route_ids
        assert sum(school["seats"].values()) == school["capacity"]
        assert school["level"] == "SMP" and len(school["rt"]) == 3 and school["rw"] == "002"
    big = next(s for s in items if s["npsn"] == rows[3]["npsn"])
    assert big["capacity"] == 250 and big["seats"]["domisili"] == 100
    stored = deps().admissions.get_period(period.id)
    assert stored is not None
    assert (stored.schools_import, stored.school_count) == (done["id"], 5)
    trail, _ = deps().audit.for_subject(f"period#{period.id}", 10, None)
    assert sorted(e.action for e in trail) == ["school_import_opened", "schools_imported"]
    assert {e.actor_role for e in trail} == {"education_staff"}


def test_a_csv_with_two_bad_rows_fails_with_exactly_those_errors_and_changes_nothing(
    api: Api, tokens: dict[str, str]
) -> None:
    record = period_record()
    live = [period_school(f"2060{i:04d}", record) for i in range(1, 4)]
    period = store_period(deps().admissions, record, live)
    before = schools(api, tokens["staff"], period.id)
    rows = school_rows(6)
    rows[1]["rt"] = "1234"
    rows[4]["latitude"] = "-20,5"

    failed = import_file(
        api, tokens["staff"], period.id, csv_bytes(rows, delimiter=";", bom=True), CSV
    )

    assert failed["status"] == "failed"
    assert failed["errors"] == [
        {"row": 3, "column": "RT", "message": "RT harus 1-3 angka, bukan 0 (contoh 1 atau 001)."},
        {
            "row": 6,
            "column": "Lintang",
            "message": "Lintang harus angka antara -11 dan 6 (wilayah Indonesia).",
        },
    ]
    assert "2 kesalahan" in failed["message"]
    assert schools(api, tokens["staff"], period.id) == before
    assert deps().admissions.schools(period.id, failed["id"]) == []  # nothing written at all
    assert deps().admissions.get_period(period.id) == period


def test_a_second_import_replaces_the_first_as_a_whole(api: Api, tokens: dict[str, str]) -> None:
    period = new_period()
    first_rows, second_rows = school_rows(4), school_rows(2)
    first = import_file(api, tokens["staff"], period.id, csv_bytes(first_rows), CSV)
    assert first["status"] == "done"
    assert schools(api, tokens["staff"], period.id)["count"] == 4

    second = import_file(api, tokens["staff"], period.id, xlsx_bytes(second_rows), XLSX)

    assert second["status"] == "done", second
    listed = schools(api, tokens["operator"], period.id)
    assert listed["import_id"] == second["id"] and listed["count"] == 2
    assert {s["npsn"] for s in listed["items"]} == {r["npsn"] for r in second_rows}
    assert deps().admissions.get_period(period.id).school_count == 2  # type: ignore[union-attr]


def _sqs_record(m: dict[str, Any]) -> dict[str, Any]:
    return {
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


def test_the_same_upload_event_delivered_twice_imports_once(
    api: Api, tokens: dict[str, str]
) -> None:
    period = new_period()
    ticket = open_import(api, tokens["staff"], period.id, CSV)
    drain_uploads()  # start from an empty queue
    post_file(ticket, csv_bytes(school_rows(2)), CSV)
    sqs = aws_client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().uploads_queue_name)["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    [event] = [m for m in messages if ticket["import"]["document_id"] in m["Body"]]

    assert process({"Records": [_sqs_record(event)]}) == {"batchItemFailures": []}
    done = job(api, tokens["staff"], period.id, ticket["import"]["id"])
    version = deps().admissions.get_period(period.id).version  # type: ignore[union-attr]
    assert process({"Records": [_sqs_record(event)]}) == {"batchItemFailures": []}
    sqs.delete_message(QueueUrl=url, ReceiptHandle=event["ReceiptHandle"])

    assert done["status"] == "done"
    assert job(api, tokens["staff"], period.id, done["id"]) == done
    assert deps().admissions.get_period(period.id).version == version  # type: ignore[union-attr]


def test_a_file_that_is_not_what_it_claims_fails_its_import(
    api: Api, tokens: dict[str, str]
) -> None:
    period = new_period()
    failed = import_file(api, tokens["staff"], period.id, b"%PDF-1.4\x00\x00", CSV)
    assert failed["status"] == "failed" and "bukan CSV" in failed["message"]
    broken = import_file(api, tokens["staff"], period.id, b"PK\x03\x04not a workbook", XLSX)
    assert broken["status"] == "failed" and broken["message"]
    assert schools(api, tokens["staff"], period.id)["count"] == 0


def test_only_sheets_may_be_uploaded_for_an_import(api: Api, tokens: dict[str, str]) -> None:
    period = new_period()
    for content_type in ("application/pdf", "text/plain", "TEXT/CSV", ""):
        status, problem, _ = api.call(
            "POST",
            BASE.format(pid=period.id) + "/school-imports",
            tokens["staff"],
            {"content_type": content_type},
        )
        assert (status, problem["code"]) == (422, "validation_failed"), content_type


@pytest.mark.parametrize("caller", ["parent", "operator", "admin"])
def test_only_education_staff_import_schools(api: Api, tokens: dict[str, str], caller: str) -> None:
    period = new_period()
    ticket = open_import(api, tokens["staff"], period.id, CSV)
    path = BASE.format(pid=period.id) + "/school-imports"
    denied = [
        api.call("POST", path, tokens[caller], {"content_type": CSV}),
        api.call("GET", f"{path}/{ticket['import']['id']}", tokens[caller]),
    ]
    assert [(s, b["code"]) for s, b, _ in denied] == [(403, "forbidden_role")] * 2
    assert api.call("GET", BASE.format(pid=period.id) + "/schools", tokens[caller])[0] == 200
    assert api.call("GET", BASE.format(pid=period.id) + "/schools")[0] == 401


def test_school_data_cannot_change_once_registration_has_opened(
    api: Api, tokens: dict[str, str]
) -> None:
    opened = new_period(base=datetime.now(UTC) - timedelta(hours=1))
    status, problem, _ = api.call(
        "POST",
        BASE.format(pid=opened.id) + "/school-imports",
        tokens["staff"],
        {"content_type": CSV},
    )
    assert (status, problem["code"]) == (409, "registration_started"), problem


def test_an_import_processed_after_registration_opened_is_refused(
    api: Api, tokens: dict[str, str]
) -> None:
    now = datetime.now(UTC)
    period = new_period(base=now + timedelta(hours=1))
    ticket = open_import(api, tokens["staff"], period.id, CSV)
    post_file(ticket, csv_bytes(school_rows(2)), CSV)
    use(dataclasses.replace(deps(), clock=FixedClock(now + timedelta(hours=2))))
    try:
        drain_uploads()
    finally:
        use(None)

    failed = job(api, tokens["staff"], period.id, ticket["import"]["id"])
    assert failed["status"] == "failed" and "sudah dibuka" in failed["message"]
    assert schools(api, tokens["staff"], period.id)["count"] == 0


class PeriodEditedMeanwhile(DynamoAdmissionRepository):
    """Someone else saves the period just before the import's first save of it."""

    def __init__(self) -> None:
        super().__init__()
        self.saves = 0

    def save_period(
        self, p: PeriodRecord, expected_version: int, audit: list[AuditEntry]
    ) -> PeriodRecord:
        self.saves += 1
        if self.saves == 1:
            current = self.get_period(p.id)
            assert current is not None
            super().save_period(dataclasses.replace(current, name="Diubah"), current.version, [])
        return super().save_period(p, expected_version, audit)


def test_an_import_whose_period_was_edited_meanwhile_rereads_it_and_goes_live(
    api: Api, tokens: dict[str, str]
) -> None:
    period = new_period()
    ticket = open_import(api, tokens["staff"], period.id, CSV)
    post_file(ticket, csv_bytes(school_rows(3)), CSV)
    racing = PeriodEditedMeanwhile()
    use(dataclasses.replace(deps(), admissions=racing))
    try:
        drain_uploads()
    finally:
        use(None)

    assert racing.saves == 2
    assert job(api, tokens["staff"], period.id, ticket["import"]["id"])["status"] == "done"
    after = deps().admissions.get_period(period.id)
    assert after is not None
    assert (after.name, after.schools_import, after.school_count) == (
        "Diubah",
        ticket["import"]["id"],
        3,
    )


def test_unknown_periods_and_imports_answer_404(api: Api, tokens: dict[str, str]) -> None:
    period, other = new_period(), new_period()
    ticket = open_import(api, tokens["staff"], period.id, CSV)
    import_id, staff = ticket["import"]["id"], tokens["staff"]
    cases = [
        ("POST", "/v1/admissions/periods/p-missing/school-imports", {"content_type": CSV}),
        ("GET", "/v1/admissions/periods/p-missing/schools", None),
        ("GET", BASE.format(pid=other.id) + f"/school-imports/{import_id}", None),
        ("GET", BASE.format(pid=period.id) + f"/school-imports/{new_id()}", None),
        ("GET", BASE.format(pid=period.id) + "/school-imports/not-an-id", None),
    ]
    answers = [api.call(method, path, staff, body) for method, path, body in cases]
    assert [(s, b["code"]) for s, b, _ in answers] == [
        (404, "period_not_found"),
        (404, "period_not_found"),
        (404, "import_not_found"),
        (404, "import_not_found"),
        (404, "import_not_found"),
    ]
