"""NIK handling and input hygiene (security brief R-06, R-09, R-10, R-38, R-40..R-42; section 8
item 9).

Canary test: one valid, unique NIK is sent through every endpoint that takes a body, a path or a
query, in valid and invalid requests. Afterwards it must appear in no response, no returned URL, no
log record (pytest ``caplog`` at DEBUG for every logger, the Powertools JSON output the Lambda
would print, and stdout/stderr), no DynamoDB item of any table (a low-level Scan, tests only), and
no S3 key. The transfer item keeps the NIK only as AES-GCM ciphertext plus an HMAC.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.core.aws import client as aws_client
from chalicelib.core.crypto import decrypt_field, keyed_hash
from chalicelib.core.http import PROBLEM_TYPE
from chalicelib.core.settings import get_settings
from tests.support import factories
from tests.support.fixtures import Api, World, upload
from tests.support.privacy import (
    BIRTH,
    PROBLEM_KEYS,
    SIXTEEN_DIGITS,
    TABLE_SETTINGS,
    Captured,
    all_s3_keys,
    call,
    key_attributes,
    leaks,
    scan_all,
)


def send_the_canary_everywhere(api: Api, world: World, seen: Captured, canary: str) -> str:
    """Every route that takes a body, a path or a query, with the canary in it. Returns the id of
    the transfer created with the canary NIK."""
    parent, staff = world.token("parent"), world.token("staff")
    operator = world.token("destination_op")
    body = factories.transfer_body(
        world.origin, world.destination, gender="P", birth=BIRTH, nik_value=canary
    )

    status, created, _ = call(api, seen, "POST", "/v1/transfers", parent, body)
    assert status == 201, created
    tid = created["id"]
    assert created["student"]["nik_masked"] == "*" * 12 + canary[-4:]
    assert set(created["student"]) == {
        "name",
        "nik_masked",
        "nisn",
        "birth_date",
        "gender",
        "grade",
    }
    for token, path in [
        (parent, f"/v1/transfers/{tid}"),
        (operator, f"/v1/transfers/{tid}"),
        (staff, f"/v1/transfers/{tid}"),
        (parent, f"/v1/transfers/{tid}/timeline"),
        (parent, "/v1/transfers"),
        (operator, "/v1/worklist"),
        (operator, "/v1/transfers?side=incoming"),
    ]:
        status, data, _ = call(api, seen, "GET", path, token)
        assert status == 200, data

    # the same child again, and invalid bodies that carry the NIK
    status, problem, _ = call(api, seen, "POST", "/v1/transfers", parent, body)
    assert (status, problem["code"]) == (409, "open_request_exists")
    wrong_gender = json.loads(json.dumps(body))
    wrong_gender["student"]["gender"] = "L"
    too_long = json.loads(json.dumps(body))
    too_long["student"]["nik"] = canary + "7"
    spaced = json.loads(json.dumps(body))
    spaced["student"]["nik"] = " ".join(canary[i : i + 4] for i in range(0, 16, 4))
    invalid = [
        ("POST", "/v1/transfers", parent, {**body, "nik": canary}),
        ("POST", "/v1/transfers", parent, wrong_gender),
        ("POST", "/v1/transfers", parent, too_long),
        ("POST", "/v1/transfers", parent, spaced),
        ("POST", "/v1/transfers", parent, {"student": canary}),
        ("PATCH", f"/v1/transfers/{tid}", parent, {"version": 1, "nik": canary}),
        ("POST", f"/v1/transfers/{tid}/submit", parent, {"reason": "x", "nik": canary}),
        ("POST", f"/v1/transfers/{tid}/accept", operator, {"nik": canary}),
        (
            "POST",
            f"/v1/transfers/{tid}/documents",
            parent,
            {"slot": canary, "content_type": "application/pdf"},
        ),
        (
            "POST",
            f"/v1/transfers/{tid}/documents",
            parent,
            {"slot": "kartu_keluarga", "content_type": canary},
        ),
        ("PUT", f"/v1/schools/{world.destination}/seats/8", operator, {"free_seats": int(canary)}),
        ("POST", f"/v1/transfers/{tid}/letter/revoke", staff, {"reason": "", "nik": canary}),
        ("POST", "/v1/notifications/" + "0" * 32 + "/read", parent, {"nik": canary}),
    ]
    for method, path, token, payload in invalid:
        status, problem, _ = call(api, seen, method, path, token, payload)
        assert 400 <= status < 500, (method, path, problem)
    raw = [
        (f'{{"student": {{"nik": "{canary}"'.encode(), "application/json"),  # truncated JSON
        (f"nik={canary}".encode(), "application/x-www-form-urlencoded"),
        (canary.encode(), "text/plain"),
        (json.dumps({"nik": canary, "pad": "x" * 70_000}).encode(), "application/json"),
    ]
    for payload, content_type in raw:
        status, problem, _ = call(
            api, seen, "POST", "/v1/transfers", parent, payload, {"Content-Type": content_type}
        )
        assert status in (400, 413, 415), problem

    # path parameters that are checked before any lookup, and query strings
    for token, method, path in [
        (parent, "GET", f"/v1/schools/{canary}"),
        (parent, "GET", f"/v1/schools/{canary}/seats"),
        (operator, "PUT", f"/v1/schools/{canary}/seats/8"),
        (operator, "PUT", f"/v1/schools/{world.destination}/seats/{canary}"),
        (parent, "POST", f"/v1/notifications/{canary}/read"),
        (None, "GET", f"/v1/public/letters/{canary}"),
        (staff, "GET", f"/v1/transfers?school={canary}"),
        (staff, "GET", f"/v1/transfers?state={canary}"),
        (staff, "GET", f"/v1/transfers?cursor={canary}"),
        (operator, "GET", f"/v1/transfers?side={canary}"),
        (operator, "GET", f"/v1/worklist?side={canary}&limit={canary}"),
        (parent, "GET", f"/v1/transfers?limit={canary}"),
        (parent, "GET", f"/v1/transfers?nik={canary}"),  # an unknown parameter, ignored
        (parent, "GET", f"/v1/schools?kabkota={canary}"),
        (parent, "GET", f"/v1/notifications?cursor={canary}"),
        (staff, "GET", f"/v1/transfers/{tid}/audit?cursor={canary}"),
        (parent, "GET", f"/v1/transfers/{tid}?access_token={canary}"),
    ]:
        payload = {"free_seats": 1} if method == "PUT" else ({} if method == "POST" else None)
        call(api, seen, method, path, token, payload)

    # an Idempotency-Key that is the NIK (for another child of the family)
    other = factories.transfer_body(world.origin, world.destination)
    status, _, _ = call(
        api, seen, "POST", "/v1/transfers", parent, other, {"Idempotency-Key": canary}
    )
    assert status == 201

    # a document of the canary's request, its upload ticket and download link
    status, ticket, _ = call(
        api,
        seen,
        "POST",
        f"/v1/transfers/{tid}/documents",
        parent,
        {"slot": "akta_kelahiran", "content_type": "application/pdf"},
    )
    assert status == 201, ticket
    seen.urls += [ticket["upload_url"], *ticket["upload_fields"].values()]
    doc = upload(api, parent, tid, "kartu_keluarga")
    status, link, _ = call(
        api, seen, "GET", f"/v1/transfers/{tid}/documents/{doc['id']}/download", parent
    )
    assert status == 200, link
    seen.urls.append(link["url"])
    return str(tid)


def test_a_canary_nik_leaks_nowhere(
    api: Api, world: World, captured: Captured, capsys: pytest.CaptureFixture[str]
) -> None:
    captured.arm()
    canary = factories.nik(BIRTH, "P", region="367104")
    tid = send_the_canary_everywhere(api, world, captured, canary)

    assert [r for r in captured.responses if leaks(canary, r)] == []
    assert [u for u in captured.urls if leaks(canary, u)] == []

    assert captured.log_lines(), "caplog captured nothing: the search would be vacuous"
    assert [(name, line[:300]) for name, line in captured.log_lines() if leaks(canary, line)] == []
    printed = captured.powertools.getvalue()
    assert "upload settled" in printed  # the Powertools stream was really captured
    assert not leaks(canary, printed)
    assert SIXTEEN_DIGITS.findall(printed) == []  # the formatter redacts any 16-digit run
    out, err = capsys.readouterr()
    assert not leaks(canary, out) and not leaks(canary, err)

    settings = get_settings()
    for setting in TABLE_SETTINGS:
        table = getattr(settings, setting)
        keys = key_attributes(table)
        for item in scan_all(table):
            key_values = json.dumps({k: v for k, v in item.items() if k in keys})
            assert not leaks(canary, key_values), (table, key_values)
            assert canary not in json.dumps(item), (table, item)
    assert [k for k in all_s3_keys() if leaks(canary, k)] == []

    raw = aws_client("dynamodb").get_item(
        TableName=settings.transfers_table, Key={"id": {"S": tid}}
    )["Item"]
    stored = json.loads(raw["body"]["S"])["student"]
    assert "nik" not in stored and stored["nik_last4"] == canary[-4:]
    assert decrypt_field(settings.pii_key, stored["nik_cipher"], tid) == canary
    assert stored["nik_hmac"] == keyed_hash(settings.nik_hmac_key, canary, "nik")


def _paste_into_ids(
    api: Api, world: World, captured: Captured, canary: str, paths: list[tuple[str, str, str]]
) -> list[tuple[str, str]]:
    """Call each (caller, method, path) with the canary in an id; return the leaking log lines."""
    captured.arm()
    control = call(api, captured, "GET", "/v1/schools", world.token("parent"))  # a real Query
    assert control[0] == 200
    for who, method, path in paths:
        status, data, _ = call(
            api,
            captured,
            method,
            path,
            world.token(who),
            {} if method in ("POST", "PATCH") else None,
        )
        assert status in (200, 400, 404, 422), (path, data)
    assert [r for r in captured.responses if leaks(canary, r)] == []
    assert not leaks(canary, captured.powertools.getvalue())
    assert any(n.startswith("pynamodb") for n, _ in captured.log_lines()), "capture is not on"
    return [(name, line[:200]) for name, line in captured.log_lines() if leaks(canary, line)]


def test_a_nik_pasted_as_a_transfer_id_is_never_looked_up_or_logged(
    api: Api, world: World, captured: Captured
) -> None:
    canary = factories.nik(BIRTH, "P", region="367104")
    paths = [
        ("parent", "GET", f"/v1/transfers/{canary}"),
        ("parent", "PATCH", f"/v1/transfers/{canary}"),
        ("parent", "GET", f"/v1/transfers/{canary}/timeline"),
        ("parent", "GET", f"/v1/transfers/{canary}/documents"),
        ("parent", "POST", f"/v1/transfers/{canary}/documents"),
        ("parent", "GET", f"/v1/transfers/{canary}/letter"),
        ("parent", "POST", f"/v1/transfers/{canary}/cancel"),
        ("destination_op", "POST", f"/v1/transfers/{canary}/accept"),
        ("staff", "GET", f"/v1/transfers/{canary}"),
        ("staff", "POST", f"/v1/transfers/{canary}/letter/revoke"),
    ]
    assert _paste_into_ids(api, world, captured, canary, paths) == []


def test_a_nik_pasted_as_a_document_or_audit_id_is_never_looked_up_or_logged(
    api: Api, world: World, captured: Captured
) -> None:
    canary = factories.nik(BIRTH, "P", region="367104")
    status, created, _ = api.call(
        "POST",
        "/v1/transfers",
        world.token("parent"),
        factories.transfer_body(world.origin, world.destination),
    )
    assert status == 201
    paths = [
        ("parent", "GET", f"/v1/transfers/{created['id']}/documents/{canary}/download"),
        ("staff", "GET", f"/v1/transfers/{canary}/audit"),
    ]
    assert _paste_into_ids(api, world, captured, canary, paths) == []


def test_an_error_body_does_not_echo_a_nik_sent_as_a_version(api: Api, world: World) -> None:
    canary = factories.nik(BIRTH, "P", region="367104")
    parent = world.token("parent")
    status, created, _ = api.call(
        "POST", "/v1/transfers", parent, factories.transfer_body(world.origin, world.destination)
    )
    assert status == 201
    for method, path in [
        ("PATCH", f"/v1/transfers/{created['id']}"),
        ("POST", f"/v1/transfers/{created['id']}/cancel"),
    ]:
        status, problem, _ = api.call(method, path, parent, {"version": int(canary)})
        assert 400 <= status < 500, problem
        assert not leaks(canary, json.dumps(problem)), problem


def _is_problem(status: int, data: Any, headers: dict[str, str], code: str) -> None:
    assert headers["Content-Type"] == "application/problem+json", headers
    assert set(data) >= PROBLEM_KEYS, data
    assert (data["status"], data["code"]) == (status, code), data
    assert data["type"] == PROBLEM_TYPE + code.replace("_", "-")
    assert data["title"].strip() and data["detail"].strip()
    assert "Traceback" not in json.dumps(data)


MASS_ASSIGNMENT = [
    {"state": "approved"},
    {"status": "accepted_by_destination"},
    {"seat_held": True},
    {"version": 7},
    {"id": "01HZZZZZZZZZZZZZZZZZZZZZZZ"},
    {"parent_sub": "someone-else"},
    {"created_at": "2020-01-01T00:00:00Z"},
    {"letter_code": "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA"},
    {"nik_hmac": "00" * 32},
]


def test_unknown_or_server_owned_fields_are_refused_and_nothing_is_written(
    api: Api, world: World
) -> None:
    parent = world.token("parent")
    for extra in MASS_ASSIGNMENT:
        body = {**factories.transfer_body(world.origin, world.destination), **extra}
        status, problem, headers = api.call("POST", "/v1/transfers", parent, body)
        assert status == 422, (extra, problem)
        _is_problem(status, problem, headers, "validation_failed")
        assert [e["field"] for e in problem["errors"]] == list(extra)
        assert all(e["type"] == "extra_forbidden" for e in problem["errors"])
    nested = factories.transfer_body(world.origin, world.destination)
    nested["student"]["nik_masked"] = "************0000"
    nested["parent"]["sub"] = "someone-else"
    status, problem, _ = api.call("POST", "/v1/transfers", parent, nested)
    assert status == 422 and {e["field"] for e in problem["errors"]} == {
        "student.nik_masked",
        "parent.sub",
    }
    status, page, _ = api.call("GET", "/v1/transfers", parent)
    assert status == 200 and page["items"] == []


def test_malformed_requests_get_problem_responses(api: Api, world: World) -> None:
    parent = world.token("parent")
    body = factories.transfer_body(world.origin, world.destination)
    exactly_64k = json.dumps({"pad": ""}).encode()
    exactly_64k = json.dumps({"pad": "x" * (64 * 1024 - len(exactly_64k))}).encode()
    assert len(exactly_64k) == 64 * 1024
    cases: list[tuple[bytes, str, int, str]] = [
        (b'{"student": ', "application/json", 400, "invalid_json"),
        (b"not json at all", "application/json", 400, "invalid_json"),
        (b"\xff\xfe\x00{", "application/json", 400, "invalid_json"),
        (json.dumps(body).encode(), "text/plain", 415, "unsupported_media_type"),
        (b"a=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (json.dumps(body).encode(), "application/octet-stream", 415, "unsupported_media_type"),
        (exactly_64k + b" ", "application/json", 413, "body_too_large"),
        (exactly_64k, "application/json", 422, "validation_failed"),  # the limit itself is fine
        (b"[]", "application/json", 422, "validation_failed"),
    ]
    for raw, content_type, want_status, code in cases:
        status, problem, headers = api.call(
            "POST", "/v1/transfers", parent, raw, {"Content-Type": content_type}
        )
        assert status == want_status, (raw[:40], content_type, problem)
        _is_problem(status, problem, headers, code)
    status, page, _ = api.call("GET", "/v1/transfers", parent)
    assert status == 200 and page["items"] == []


@pytest.mark.parametrize(
    "name", ["access_token", "token", "id_token", "Authorization", "ACCESS_TOKEN"]
)
def test_a_token_in_the_query_string_is_refused(api: Api, world: World, name: str) -> None:
    parent = world.token("parent")
    for method, path in [
        ("GET", "/v1/transfers"),
        ("GET", "/v1/health"),
        ("POST", "/v1/transfers"),
    ]:
        body = (
            factories.transfer_body(world.origin, world.destination) if method == "POST" else None
        )
        status, problem, headers = api.call(method, f"{path}?{name}={parent}", parent, body)
        assert status == 401, (name, path, problem)
        _is_problem(status, problem, headers, "token_in_query")
        assert parent not in json.dumps(problem)
    assert api.call("GET", "/v1/transfers", parent)[1]["items"] == []


@pytest.mark.parametrize("limit", ["0", "-1", "101", "1000000", "abc", "1.5", "%20"])
def test_page_size_is_bounded(api: Api, world: World, limit: str) -> None:
    status, problem, headers = api.call("GET", f"/v1/transfers?limit={limit}", world.token("staff"))
    assert status == 400, (limit, problem)
    _is_problem(status, problem, headers, "invalid_limit")


def test_the_largest_page_is_allowed_and_personal_data_is_not_cached(
    api: Api, world: World
) -> None:
    parent = world.token("parent")
    status, created, _ = api.call(
        "POST", "/v1/transfers", parent, factories.transfer_body(world.origin, world.destination)
    )
    assert status == 201
    status, page, _ = api.call("GET", "/v1/transfers?limit=100", parent)
    assert status == 200 and [t["id"] for t in page["items"]] == [created["id"]]
    status, _, headers = api.call("GET", f"/v1/transfers/{created['id']}", parent)
    assert status == 200 and headers["Cache-Control"] == "no-store"
