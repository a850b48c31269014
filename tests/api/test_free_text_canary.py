"""A NIK typed into free text is masked at the input edge (chalicelib.core.schemas.Prose).

The canary NIK is typed, in several spellings, into EVERY free-text field of EVERY route (the
set is discovered from the routes' input models, so a new prose field fails
``test_the_scenario_types_into_every_free_text_field_of_every_route`` until it is covered),
in requests that succeed and store the text: transfer reasons at every step, names,
addresses, a PPDB period's name and override reason, a verifier's rejection reason. Afterwards
the canary is in clear nowhere: responses, logs, every item of every table, every S3 object
(PDF streams inflated), the inbox, the SNS pushes.
"""

from __future__ import annotations

import json
import re
import zlib
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.core.aws import client as aws_client
from chalicelib.core.settings import get_settings
from tests.support import factories
from tests.support.fixtures import Api, World, upload
from tests.support.free_text import every_prose_field
from tests.support.ppdb_api import Scene, child_body, period_body, upload_doc
from tests.support.privacy import TABLE_SETTINGS, Captured, call, leaks, scan_all

BIRTH = date(2012, 4, 3)


def _spellings(canary: str) -> list[str]:
    groups = [canary[i : i + 4] for i in range(0, 16, 4)]
    return [
        f"NIK anak {canary} mohon dicek",
        "No KK " + " ".join(groups),
        "nik: " + "-".join(groups) + ".",
        "(" + ".".join(groups) + ")",
    ]


class Typed:
    """Types the canary into free text and records which (route, field) it reached."""

    def __init__(self, canary: str) -> None:
        self.spellings = _spellings(canary)
        self.n = 0
        self.covered: set[tuple[str, str, str]] = set()

    def text(self, method: str, path: str, field: str, prefix: str = "") -> str:
        self.covered.add((method, path, field))
        self.n += 1
        return prefix + self.spellings[self.n % len(self.spellings)]


# -- the scenario -----------------------------------------------------------------------------

T = "/v1/transfers/{transfer_id}"


def _act(api: Api, seen: Captured, typed: Typed, tid: str, action: str, token: str) -> Any:
    path = f"{T}/{action}"
    body = {"reason": typed.text("POST", path, "reason")}
    status, data, _ = call(api, seen, "POST", path.format(transfer_id=tid), token, body)
    assert status == 200, (action, data)
    return data


def _new_transfer(api: Api, world: World, seen: Captured, typed: Typed, gender: str) -> str:
    body = factories.transfer_body(world.origin, world.destination, gender=gender)
    body["reason"] = typed.text("POST", "/v1/transfers", "reason", "Pindah domisili. ")
    body["student"]["name"] = typed.text("POST", "/v1/transfers", "student.name", "Ani ")
    body["parent"]["name"] = typed.text("POST", "/v1/transfers", "parent.name", "Budi ")
    status, created, _ = call(api, seen, "POST", "/v1/transfers", world.token("parent"), body)
    assert status == 201, created
    return str(created["id"])


def type_into_transfers(api: Api, world: World, seen: Captured, typed: Typed) -> None:
    parent, dest, origin = (world.token(n) for n in ("parent", "destination_op", "origin_op"))
    staff = world.token("staff")
    tid = _new_transfer(api, world, seen, typed, "P")
    patch = {
        "version": 1,
        "parent": {"name": typed.text("PATCH", T, "parent.name", "Budi "), "phone": "081234567890"},
        "reason": typed.text("PATCH", T, "reason", "Ikut orang tua. "),
    }
    status, data, _ = call(api, seen, "PATCH", T.format(transfer_id=tid), parent, patch)
    assert status == 200, data
    for slot in (
        "surat_permohonan_orang_tua",
        "rapor_terakhir",
        "kartu_keluarga",
        "akta_kelahiran",
    ):
        upload(api, parent, tid, slot)
    _act(api, seen, typed, tid, "submit", parent)
    _act(api, seen, typed, tid, "request-revision", dest)
    _act(api, seen, typed, tid, "submit", parent)
    _act(api, seen, typed, tid, "request-review", staff)
    _act(api, seen, typed, tid, "accept", dest)
    upload(api, origin, tid, "surat_keterangan_pindah")
    _act(api, seen, typed, tid, "release", origin)
    approved = _act(api, seen, typed, tid, "approve", staff)
    assert approved["state"] == "approved"
    _act(api, seen, typed, tid, "confirm-dapodik", origin)
    done = _act(api, seen, typed, tid, "confirm-dapodik", dest)
    assert done["state"] == "completed"
    _act(api, seen, typed, tid, "letter/revoke", staff)
    for path in (f"/v1/transfers/{tid}", f"/v1/transfers/{tid}/timeline", "/v1/notifications"):
        status, data, _ = call(api, seen, "GET", path, parent)
        assert status == 200, data
    status, data, _ = call(api, seen, "GET", f"/v1/transfers/{tid}/audit", staff)
    assert status == 200, data

    type_into_privacy_requests(api, seen, typed, staff, tid)
    status, data, _ = call(api, seen, "GET", "/v1/me/data-export", parent)
    assert status == 200, data

    cancelled = _new_transfer(api, world, seen, typed, "L")
    _act(api, seen, typed, cancelled, "cancel", parent)
    rejected = _new_transfer(api, world, seen, typed, "P")
    for slot in (
        "surat_permohonan_orang_tua",
        "rapor_terakhir",
        "kartu_keluarga",
        "akta_kelahiran",
    ):
        upload(api, parent, rejected, slot)
    _act(api, seen, typed, rejected, "submit", parent)
    _act(api, seen, typed, rejected, "reject", dest)


def type_into_privacy_requests(
    api: Api, seen: Captured, typed: Typed, staff: str, tid: str
) -> None:
    route = "/v1/privacy-requests"
    done: list[str] = []
    for kind, step, field in (("correction", "complete", "note"), ("deletion", "refuse", "reason")):
        body = {
            "kind": kind,
            "subject": {"type": "transfer", "id": tid},
            "description": typed.text("POST", route, "description", "Permintaan orang tua: "),
            "received_at": datetime.now(UTC).isoformat(),
        }
        status, created, _ = call(api, seen, "POST", route, staff, body)
        assert status == 201, created
        answer: dict[str, Any] = {
            field: typed.text("POST", f"{route}/{{privacy_id}}/{step}", field)
        }
        if step == "refuse":
            answer["ground"] = "legal_obligation"
        status, data, _ = call(api, seen, "POST", f"{route}/{created['id']}/{step}", staff, answer)
        assert status == 200, data
        done.append(created["id"])
    status, data, _ = call(api, seen, "GET", f"{route}/{done[0]}", staff)
    assert status == 200, data


def _home(typed: Typed, method: str, path: str) -> dict[str, Any]:
    return {
        "address": typed.text(method, path, "home.address", "Jl. Mawar 3, "),
        "rt": "1",
        "rw": "2",
        "kelurahan": typed.text(method, path, "home.kelurahan", "Sukasari "),
        "kecamatan": typed.text(method, path, "home.kecamatan", "Tangerang "),
        "latitude": -6.1810,
        "longitude": 106.6310,
    }


def type_into_ppdb(api: Api, scene: Scene, seen: Captured, typed: Typed) -> None:
    staff, parent, op = scene.tokens["staff"], scene.tokens["parent"], scene.tokens["verifier_op"]
    periods = "/v1/admissions/periods"
    body = period_body(name=typed.text("POST", periods, "name", "SPMB "))
    body["override_reason"] = typed.text("POST", periods, "override_reason", "Kebijakan daerah ")
    status, period, _ = call(api, seen, "POST", periods, staff, body)
    assert status == 201, period.get("errors", period)
    put = f"{periods}/{{period_id}}"
    update = {
        **period_body(name=typed.text("PUT", put, "name", "SPMB ")),
        "override_reason": typed.text("PUT", put, "override_reason", "Kebijakan daerah "),
        "version": period["version"],
    }
    status, data, _ = call(api, seen, "PUT", f"{periods}/{period['id']}", staff, update)
    assert status == 200, data

    apps = f"{periods}/{{period_id}}/applications"
    child = child_body(scene)
    child["child"]["name"] = typed.text("POST", apps, "child.name", "Siti ")
    child["home"] = _home(typed, "POST", apps)
    status, app, _ = call(api, seen, "POST", apps.format(period_id=scene.pid), parent, child)
    assert status == 201, app.get("errors", app)
    aid, one = app["id"], "/v1/admissions/applications/{application_id}"
    patch = {"version": app["version"], "home": _home(typed, "PATCH", one)}
    status, app, _ = call(api, seen, "PATCH", one.format(application_id=aid), parent, patch)
    assert status == 200, app
    for slot in ("kartu_keluarga", "akta_kelahiran", "ijazah_skl"):
        upload_doc(api, parent, aid, slot)
    status, app, _ = call(api, seen, "POST", f"/v1/admissions/applications/{aid}/submit", parent)
    assert status == 200, app
    review = f"{one}/review"
    decisions = [
        {
            "document_id": r["document_id"],
            "decision": "rejected",
            "reason": typed.text("POST", review, "decisions.reason", "Buram. "),
        }
        for r in app["requirements"]
        if r["document_id"]
    ]
    status, app, _ = call(
        api, seen, "POST", review.format(application_id=aid), op, {"decisions": decisions}
    )
    assert status == 200 and app["status"] == "needs_fix", app
    for path in (f"/v1/admissions/applications/{aid}", "/v1/notifications"):
        status, data, _ = call(api, seen, "GET", path, parent)
        assert status == 200, data

    # Steps of later stages take a reason for the audit trail; here they are refused (not
    # admitted yet, windows still open) but the text still crosses the edge.
    pid, npsn = scene.pid, scene.schools[0]
    for method, path, token, extra in [
        ("POST", f"{one}/confirm", parent, {}),
        ("POST", f"{periods}/{{period_id}}/allocations", staff, {}),
        ("PUT", f"{periods}/{{period_id}}/schools/{{npsn}}/reregistration-seats", staff,
         {"seats": 1}),
    ]:  # fmt: skip
        payload = {**extra, "reason": typed.text(method, path, "reason", "Catatan petugas ")}
        real = path.format(application_id=aid, period_id=pid, npsn=npsn)
        status, data, _ = call(api, seen, method, real, token, payload)
        assert 200 <= status < 500, (path, data)


# -- where the canary must not be --------------------------------------------------------------


def _inflated(blob: bytes) -> bytes:
    out = [blob]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", blob, flags=re.DOTALL):
        try:
            out.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(out)


def s3_objects() -> list[tuple[str, bytes]]:
    s3, settings = aws_client("s3"), get_settings()
    found = []
    for bucket in {settings.documents_bucket, getattr(settings, "snapshots_bucket", "")} - {""}:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
                found.append((f"{bucket}/{obj['Key']}", _inflated(body)))
    return found


def pushes() -> list[str]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    arn = get_settings().notifications_topic_arn
    region = arn.split(":")[3]
    topic = sns_backends[DEFAULT_ACCOUNT_ID][region].topics[arn]
    return [json.dumps(list(n)) for n in topic.sent_notifications]


def test_a_nik_typed_into_every_free_text_field_is_nowhere_in_clear(
    api: Api,
    world: World,
    request: pytest.FixtureRequest,
    captured: Captured,
    capsys: pytest.CaptureFixture[str],
) -> None:
    captured.arm()
    canary = factories.nik(BIRTH, "P", region="367106")
    typed = Typed(canary)
    pushed_before = len(pushes())
    type_into_transfers(api, world, captured, typed)
    scene = request.getfixturevalue("ppdb_scene")  # its clock starts here: transfers run first
    type_into_ppdb(api, scene, captured, typed)
    assert every_prose_field() - typed.covered == set(), "type the canary into the new field"

    assert captured.responses and [r for r in captured.responses if leaks(canary, r)] == []
    assert any("disamarkan" in r for r in captured.responses)  # the text came back, masked
    logs = captured.log_lines()
    assert logs and [(n, line[:200]) for n, line in logs if leaks(canary, line)] == []
    assert not leaks(canary, captured.powertools.getvalue())
    out, err = capsys.readouterr()
    assert not leaks(canary, out) and not leaks(canary, err)

    settings = get_settings()
    masked_items = 0
    for setting in TABLE_SETTINGS:
        for item in scan_all(getattr(settings, setting)):
            text = json.dumps(item)
            assert not leaks(canary, text), (setting, text[:300])
            masked_items += "disamarkan" in text
    assert masked_items >= 10  # transfers, timeline, inbox, audit, applications, periods

    objects = s3_objects()
    assert objects and [k for k, body in objects if leaks(canary, body.decode("latin-1"))] == []

    sent = pushes()[pushed_before:]
    assert sent, "no push was published: the search would be vacuous"
    assert [p for p in sent if leaks(canary, p)] == []
    assert any("disamarkan" in p for p in sent)
