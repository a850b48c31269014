"""Canary NIK through every PPDB endpoint (security brief R-06, R-09, R-10; issue 3 section 7).

One valid, unique NIK goes into a pre-registration and into every PPDB route that takes a body,
a path or a query, in valid and invalid requests. Afterwards it appears in no response, no URL,
no log line, no key or item of any table, no S3 key of either bucket, and no public snapshot.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from chalicelib.admission_results import jobs
from chalicelib.core.aws import client as aws_client
from chalicelib.core.clock import FixedClock
from chalicelib.core.crypto import decrypt_field, keyed_hash
from chalicelib.core.settings import get_settings
from chalicelib.wiring import deps
from tests.support import factories
from tests.support.fixtures import Api
from tests.support.ppdb_api import Scene, child_body, upload_doc, verify_all
from tests.support.privacy import (
    SIXTEEN_DIGITS,
    TABLE_SETTINGS,
    Captured,
    all_s3_keys,
    call,
    key_attributes,
    leaks,
    scan_all,
)

BIRTH = date(2014, 8, 17)


def send_the_canary_through_ppdb(
    api: Api, scene: Scene, seen: Captured, canary: str, clock: FixedClock
) -> str:
    parent, staff, op = scene.tokens["parent"], scene.tokens["staff"], scene.tokens["verifier_op"]
    apps = f"/v1/admissions/periods/{scene.pid}/applications"
    body = child_body(scene)
    body["child"]["nik"] = canary
    status, created, _ = call(api, seen, "POST", apps, parent, body, {"Idempotency-Key": canary})
    assert status == 201, created
    aid = created["id"]
    assert created["child"]["nik_masked"] == "*" * 12 + canary[-4:]
    for slot in ("kartu_keluarga", "akta_kelahiran", "ijazah_skl"):
        upload_doc(api, parent, aid, slot)
    app = verify_all(api, scene, aid)
    assert app["status"] == "verified"

    for token, path in [
        (parent, f"/v1/admissions/applications/{aid}"),
        (op, f"/v1/admissions/applications/{aid}"),
        (staff, f"/v1/admissions/applications/{aid}"),
        (parent, "/v1/admissions/applications"),
        (parent, f"/v1/admissions/applications/{aid}/documents"),
        (op, f"/v1/admissions/periods/{scene.pid}/verification-queue"),
        (staff, f"/v1/admissions/periods/{scene.pid}/verification-queue?school={scene.schools[0]}"),
    ]:
        status, data, _ = call(api, seen, "GET", path, token)
        assert status == 200, data

    wrong_gender = json.loads(json.dumps(body))
    wrong_gender["child"]["gender"] = "L"
    spaced = json.loads(json.dumps(body))
    spaced["child"]["nik"] = " ".join(canary[i : i + 4] for i in range(0, 16, 4))
    too_long = json.loads(json.dumps(body))
    too_long["child"]["nik"] = canary + "1"
    invalid = [
        ("POST", apps, parent, body),  # the same child again: 409
        ("POST", apps, parent, wrong_gender),
        ("POST", apps, parent, spaced),
        ("POST", apps, parent, too_long),
        ("POST", apps, parent, {**body, "nik": canary}),
        ("POST", apps, parent, {**body, "kk_number": canary + "9"}),
        ("POST", apps, parent, {**body, "verifier_npsn": canary}),
        ("PATCH", f"/v1/admissions/applications/{aid}", parent, {"version": 1, "nik": canary}),
        ("PATCH", f"/v1/admissions/applications/{aid}", parent, {"version": int(canary)}),
        ("POST", f"/v1/admissions/applications/{aid}/documents", parent,
         {"slot": canary, "content_type": "application/pdf"}),
        ("POST", f"/v1/admissions/applications/{aid}/review", op,
         {"decisions": [{"document_id": canary, "decision": "verified"}]}),
        ("PUT", f"/v1/admissions/applications/{aid}/registration", parent,
         {"route": "domisili", "choices": [canary]}),
        ("PUT", f"/v1/admissions/applications/{aid}/registration", parent,
         {"route": canary, "choices": [scene.schools[0]]}),
        ("POST", "/v1/admissions/periods", staff, {"name": canary}),
    ]  # fmt: skip
    for method, path, token, payload in invalid:
        status, problem, _ = call(api, seen, method, path, token, payload)
        assert 400 <= status < 500, (method, path, problem)

    for token, method, path in [
        (parent, "GET", f"/v1/admissions/periods/{canary}"),
        (parent, "POST", f"/v1/admissions/periods/{canary}/applications"),
        (parent, "GET", f"/v1/admissions/applications/{canary}"),
        (parent, "GET", f"/v1/admissions/applications/{aid}/documents/{canary}/download"),
        (op, "GET", f"/v1/admissions/applications/{canary}/documents"),
        (staff, "GET", f"/v1/admissions/periods/{scene.pid}/verification-queue?school={canary}"),
        (op, "GET", f"/v1/admissions/periods/{scene.pid}/verification-queue?cursor={canary}"),
        (parent, "GET", f"/v1/admissions/applications?cursor={canary}&limit={canary}"),
        (parent, "GET", f"/v1/admissions/periods?nik={canary}"),
    ]:
        payload = body if method == "POST" else None
        call(api, seen, method, path, token, payload)

    clock.advance(timedelta(days=14, hours=1))  # the domisili window
    status, registered, _ = call(
        api, seen, "PUT", f"/v1/admissions/applications/{aid}/registration", parent,
        {"route": "domisili", "choices": [scene.schools[0]]},
    )  # fmt: skip
    assert status == 200, registered

    # live ranking: the public snapshot and the parent's own position
    tick = jobs.tick(deps())
    assert tick.snapshots > 0, tick
    status, position, _ = call(api, seen, "GET", f"/v1/admissions/applications/{aid}/position",
                               parent)  # fmt: skip
    assert status == 200, position
    seen.urls += [c["snapshot_url"] for c in position["choices"] if c["snapshot_url"]]
    pid, npsn = scene.pid, scene.schools[0]
    for token, method, path, payload in [
        (parent, "GET", f"/v1/admissions/applications/{aid}/result", None),
        (parent, "POST", f"/v1/admissions/applications/{aid}/confirm", {"reason": canary}),
        (op, "POST", f"/v1/admissions/applications/{aid}/confirm", {"nik": canary}),
        (staff, "POST", f"/v1/admissions/periods/{pid}/allocations", {"reason": canary}),
        (staff, "GET", f"/v1/admissions/periods/{pid}/allocations/latest", None),
        (staff, "GET", f"/v1/admissions/periods/{pid}/schools/{npsn}/results.xlsx", None),
        (staff, "GET", f"/v1/admissions/periods/{pid}/schools/{canary}/results.xlsx", None),
        (staff, "GET", f"/v1/admissions/periods/{pid}/statistics", None),
        (op, "GET", f"/v1/admissions/periods/{pid}/leftover-seats", None),
        (staff, "PUT", f"/v1/admissions/periods/{pid}/schools/{canary}/reregistration-seats",
         {"seats": 1, "reason": canary}),
        (staff, "POST", f"/v1/admissions/periods/{pid}/school-imports", {"content_type": canary}),
        (staff, "GET", f"/v1/admissions/periods/{pid}/school-imports/{canary}", None),
        (parent, "GET", f"/v1/admissions/periods/{pid}/schools?school={canary}", None),
        (parent, "GET", f"/v1/admissions/applications/{canary}/position", None),
        (parent, "GET", f"/v1/admissions/applications/{canary}/result", None),
        (None, "GET", f"/v1/public/admissions/periods/{canary}/statistics", None),
        (None, "GET", f"/v1/public/admissions/periods/{pid}/statistics", None),
    ]:  # fmt: skip
        call(api, seen, method, path, token, payload)
    return str(aid)


def aid_period(key: str, scene: Scene) -> bool:
    return key.startswith(f"ppdb/{scene.pid}/")


def test_a_canary_nik_leaks_nowhere_in_ppdb(
    api: Api,
    ppdb_scene: Scene,
    ppdb_clock: FixedClock,
    captured: Captured,
    capsys: pytest.CaptureFixture[str],
) -> None:
    captured.arm()
    canary = factories.nik(BIRTH, "P", region="367105")
    aid = send_the_canary_through_ppdb(api, ppdb_scene, captured, canary, ppdb_clock)

    assert [r for r in captured.responses if leaks(canary, r)] == []
    assert captured.log_lines(), "caplog captured nothing: the search would be vacuous"
    assert [(n, line[:300]) for n, line in captured.log_lines() if leaks(canary, line)] == []
    printed = captured.powertools.getvalue()
    assert "upload settled" in printed
    assert not leaks(canary, printed) and SIXTEEN_DIGITS.findall(printed) == []
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
    for bucket in (settings.documents_bucket, settings.snapshots_bucket):
        assert [k for k in all_s3_keys(bucket) if leaks(canary, k)] == []
    snapshots = [k for k in all_s3_keys(settings.snapshots_bucket) if aid_period(k, ppdb_scene)]
    assert snapshots, "no public snapshot was written: the search would be vacuous"
    s3 = aws_client("s3")
    for key in snapshots:
        text = s3.get_object(Bucket=settings.snapshots_bucket, Key=key)["Body"].read().decode()
        assert not leaks(canary, text), key
        assert "Siti Aminah" not in text and "2014-08-17" not in text  # masked name, no birth date

    raw = aws_client("dynamodb").get_item(
        TableName=settings.admissions_table, Key={"pk": {"S": f"app#{aid}"}, "sk": {"S": "app"}}
    )["Item"]
    child = json.loads(raw["body"]["S"])["child"]
    assert "nik" not in child and child["nik_last4"] == canary[-4:]
    assert decrypt_field(settings.pii_key, child["nik_cipher"], aid) == canary
    assert child["nik_hmac"] == keyed_hash(settings.nik_hmac_key, canary, "nik")
