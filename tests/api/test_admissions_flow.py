"""PPDB through the API: period config, pre-registration, documents, verification, registration.

Time is a FixedClock (chalicelib.wiring.use); uploads go through real presigned POSTs to the
embedded S3 and the real S3 -> SQS -> handler path.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from chalicelib.core.clock import FixedClock
from chalicelib.wiring import deps
from tests.support import factories
from tests.support.fixtures import Api
from tests.support.ppdb_api import (
    BASE_DOCS,
    Scene,
    child_body,
    period_body,
    preregistered,
    upload_doc,
    verify_all,
)


@pytest.fixture
def clock(ppdb_clock: FixedClock) -> FixedClock:
    return ppdb_clock


@pytest.fixture
def scene(ppdb_scene: Scene) -> Scene:
    return ppdb_scene


# -- periods ------------------------------------------------------------------------------------


def test_period_config_is_checked_against_config_and_national_rules(api: Api, scene: Scene) -> None:
    staff = scene.tokens["staff"]
    bad = period_body()
    bad["routes"][0]["quota_percent"] = "30"  # total 105 %
    status, problem, headers = api.call("POST", "/v1/admissions/periods", staff, bad)
    assert status == 422 and problem["code"] == "invalid_period"
    assert headers["Content-Type"] == "application/problem+json"
    assert any(v["code"] == "quota_total" for v in problem["violations"])

    national = period_body()
    national["routes"][0]["quota_percent"] = "15"  # afirmasi SMP floor is 20 %
    national["routes"][2]["quota_percent"] = "50"
    status, problem, _ = api.call("POST", "/v1/admissions/periods", staff, national)
    assert status == 422 and problem["code"] == "national_rules"
    assert [v["code"] for v in problem["violations"]] == ["national_afirmasi"]

    national["override_reason"] = "Keputusan Wali Kota No. 123/2027 tentang kuota afirmasi."
    status, period, _ = api.call("POST", "/v1/admissions/periods", staff, national)
    assert status == 201, period
    assert period["overridden"] == ["national_afirmasi"]
    entries, _ = deps().audit.for_subject(f"ppdb-period#{period['id']}", 10, None)
    assert {e.action for e in entries} == {"create_period", "override_national_rules"}


def test_period_routes_are_readable_with_wib_times_and_windows(api: Api, scene: Scene) -> None:
    status, period, _ = api.call("GET", f"/v1/admissions/periods/{scene.pid}",
                                 scene.tokens["parent"])  # fmt: skip
    assert status == 200
    assert [r["id"] for r in period["routes"]] == ["afirmasi", "mutasi", "domisili", "prestasi"]
    assert period["routes"][0]["opens_at_wib"] == "01-06-2027 08:00 WIB"
    assert {r["window"] for r in period["routes"]} == {"upcoming"}
    assert period["school_count"] == 3
    status, page, _ = api.call("GET", "/v1/admissions/periods?limit=100", scene.tokens["admin"])
    assert status == 200 and scene.pid in [p["id"] for p in page["items"]]
    status, _problem, _ = api.call("PUT", f"/v1/admissions/periods/{scene.pid}",
                                  scene.tokens["parent"], {})  # fmt: skip
    assert status == 403


def test_period_can_change_until_registration_opens(
    api: Api, scene: Scene, clock: FixedClock
) -> None:
    staff = scene.tokens["staff"]
    _, period, _ = api.call("GET", f"/v1/admissions/periods/{scene.pid}", staff)
    body = period_body(name="SPMB SMP 2027 (revisi)", version=period["version"])
    status, changed, _ = api.call("PUT", f"/v1/admissions/periods/{scene.pid}", staff, body)
    assert status == 200, changed
    assert changed["name"] == "SPMB SMP 2027 (revisi)"
    assert changed["version"] == period["version"] + 1
    status, problem, _ = api.call("PUT", f"/v1/admissions/periods/{scene.pid}", staff, body)
    assert status == 409 and problem["code"] == "concurrent_update"
    clock.advance(timedelta(days=10))  # the first window opens
    body["version"] = changed["version"]
    status, problem, _ = api.call("PUT", f"/v1/admissions/periods/{scene.pid}", staff, body)
    assert status == 409 and problem["code"] == "period_started"


# -- pre-registration ---------------------------------------------------------------------------


def test_one_application_per_child_per_period_enforced_by_the_database(
    api: Api, scene: Scene
) -> None:
    body = child_body(scene)
    path = f"/v1/admissions/periods/{scene.pid}/applications"
    status, first, _ = api.call("POST", path, scene.tokens["parent"], body)
    assert status == 201, first
    assert first["status"] == "draft"
    assert first["child"]["nik_masked"].endswith(body["child"]["nik"][-4:])
    assert body["child"]["nik"] not in str(first)
    status, problem, _ = api.call("POST", path, scene.tokens["other_parent"], body)
    assert status == 409 and problem["code"] == "child_already_registered"
    status, page, _ = api.call("GET", "/v1/admissions/applications", scene.tokens["other_parent"])
    assert status == 200 and page["items"] == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"child": {"nisn": None}}, "nisn_required"),
        ({"child": {"birth_date": "2010-08-17", "nik_year": "10"}}, "too_old"),
        ({"verifier_npsn": "99999999"}, "unknown_school"),
        ({"kk_issued_on": "2099-01-01"}, "kk_issue_date"),
    ],
)
def test_preregistration_refuses_bad_data_with_a_clear_code(
    api: Api, scene: Scene, change: dict[str, Any], code: str
) -> None:
    body = child_body(scene)
    child = change.pop("child", None)
    if child is not None:
        if "nik_year" in child:
            birth = date.fromisoformat(child["birth_date"])
            body["child"]["nik"] = factories.nik(birth, "P")
            body["child"]["birth_date"] = child["birth_date"]
        else:
            body["child"].update(child)
    body.update(change)
    status, problem, headers = api.call(
        "POST", f"/v1/admissions/periods/{scene.pid}/applications", scene.tokens["parent"], body
    )
    assert status == 400, problem
    assert problem["code"] == code
    assert headers["Content-Type"] == "application/problem+json"


def test_nik_that_does_not_match_the_birth_date_is_a_422(api: Api, scene: Scene) -> None:
    body = child_body(scene)
    body["child"]["birth_date"] = "2014-08-18"
    status, problem, _ = api.call(
        "POST", f"/v1/admissions/periods/{scene.pid}/applications", scene.tokens["parent"], body
    )
    assert status == 422 and problem["code"] == "validation_failed"


def test_preregistration_only_while_open(api: Api, scene: Scene, clock: FixedClock) -> None:
    clock.advance(timedelta(days=17))  # after prereg_closes_at
    status, problem, _ = api.call(
        "POST", f"/v1/admissions/periods/{scene.pid}/applications", scene.tokens["parent"],
        child_body(scene),
    )  # fmt: skip
    assert status == 409 and problem["code"] == "preregistration_closed"


# -- documents and verification -----------------------------------------------------------------


def test_verification_round_trip_with_a_rejection_and_a_fix(api: Api, scene: Scene) -> None:
    parent, op = scene.tokens["parent"], scene.tokens["verifier_op"]
    status, app, _ = api.call(
        "POST", f"/v1/admissions/periods/{scene.pid}/applications", parent, child_body(scene)
    )
    aid = app["id"]
    status, problem, _ = api.call("POST", f"/v1/admissions/applications/{aid}/submit", parent)
    assert status == 409 and problem["code"] == "documents_incomplete"
    assert set(problem["missing"]) == set(BASE_DOCS)
    for slot in BASE_DOCS:
        upload_doc(api, parent, aid, slot)
    status, app, _ = api.call("POST", f"/v1/admissions/applications/{aid}/submit", parent)
    assert status == 200 and app["status"] == "submitted"

    status, queue, _ = api.call("GET", f"/v1/admissions/periods/{scene.pid}/verification-queue", op)
    assert status == 200 and aid in [a["id"] for a in queue["items"]]
    status, _, _ = api.call("GET", f"/v1/admissions/applications/{aid}", scene.tokens["other_op"])
    assert status == 404
    status, _, _ = api.call("GET", f"/v1/admissions/applications/{aid}",
                            scene.tokens["other_parent"])  # fmt: skip
    assert status == 404

    docs = {r["slot"]: r["document_id"] for r in app["requirements"]}
    decisions = [
        {"document_id": docs["kartu_keluarga"], "decision": "rejected", "reason": "KK buram"},
        {"document_id": docs["akta_kelahiran"], "decision": "verified"},
    ]
    status, problem, _ = api.call(
        "POST", f"/v1/admissions/applications/{aid}/review", scene.tokens["other_op"],
        {"decisions": decisions},
    )  # fmt: skip
    assert status == 404
    status, app, _ = api.call(
        "POST", f"/v1/admissions/applications/{aid}/review", op, {"decisions": decisions}
    )
    assert status == 200, app
    assert app["status"] == "needs_fix"
    status, inbox, _ = api.call("GET", "/v1/notifications", parent)
    assert any("KK buram" in n["body"] for n in inbox["items"])

    upload_doc(api, parent, aid, "kartu_keluarga")
    status, app, _ = api.call("POST", f"/v1/admissions/applications/{aid}/submit", parent)
    assert status == 200 and app["status"] == "submitted"
    pending = [r for r in app["requirements"] if r["status"] == "uploaded"]
    assert [r["slot"] for r in pending] == ["kartu_keluarga", "ijazah_skl"] or {
        r["slot"] for r in pending
    } == {"kartu_keluarga", "ijazah_skl"}
    status, problem, _ = api.call(
        "POST", f"/v1/admissions/applications/{aid}/review", op,
        {"decisions": [{"document_id": docs["kartu_keluarga"], "decision": "verified"}]},
    )  # fmt: skip
    assert status == 409 and problem["code"] == "document_outdated"
    status, app, _ = api.call(
        "POST", f"/v1/admissions/applications/{aid}/review", op,
        {"decisions": [{"document_id": r["document_id"], "decision": "verified"}
                       for r in pending]},
    )  # fmt: skip
    assert status == 200 and app["status"] == "verified"
    entries, _ = deps().audit.for_subject(f"ppdb#{aid}", 50, None)
    assert {"preregister", "submit", "review_documents", "read"} <= {e.action for e in entries}


def test_rejection_needs_a_reason(api: Api, scene: Scene) -> None:
    aid = preregistered(api, scene)
    api.call("POST", f"/v1/admissions/applications/{aid}/submit", scene.tokens["parent"])
    status, problem, _ = api.call(
        "POST", f"/v1/admissions/applications/{aid}/review", scene.tokens["verifier_op"],
        {"decisions": [{"document_id": "0" * 26, "decision": "rejected"}]},
    )  # fmt: skip
    assert status == 422 and problem["code"] == "validation_failed"


# -- registration -------------------------------------------------------------------------------


def test_registration_window_choices_changes_and_derived_attributes(
    api: Api, scene: Scene, clock: FixedClock
) -> None:
    parent = scene.tokens["parent"]
    aid = preregistered(api, scene)
    verify_all(api, scene, aid)
    path = f"/v1/admissions/applications/{aid}/registration"
    choice = {"route": "domisili", "choices": [scene.schools[0], scene.schools[1]]}
    status, problem, _ = api.call("PUT", path, parent, choice)
    assert status == 409 and problem["code"] == "window_closed"

    clock.advance(timedelta(days=14, hours=1))  # domisili window: T0 + 4 days
    status, problem, _ = api.call(
        "PUT", path, parent, {**choice, "choices": [scene.schools[0]] * 2}
    )
    assert status == 400 and problem["code"] == "duplicate_choice"
    status, problem, _ = api.call("PUT", path, parent, {**choice, "choices": scene.schools})
    assert status == 422 or problem["code"] == "too_many_choices"
    status, problem, _ = api.call("PUT", path, parent, {**choice, "route": "afirmasi"})
    assert status == 409 and problem["code"] == "window_closed"

    status, app, _ = api.call("PUT", path, parent, choice)
    assert status == 200, app
    reg = app["registration"]
    assert app["status"] == "registered" and reg["route"] == "domisili"
    assert reg["age_days"] == (date(2027, 7, 1) - date(2014, 8, 17)).days
    first, second = reg["choices"]
    assert first["domicile_score"] == 5  # same kelurahan, RW and RT as the school
    assert second["domicile_score"] == 1  # other zone
    assert 0 < first["distance_m"] < second["distance_m"]
    assert reg["changes_left_today"] == 3

    seqs = [reg["registration_seq"]]
    for n in range(3):
        flipped = {**choice, "choices": [scene.schools[(n + 1) % 2], scene.schools[n % 2]]}
        status, app, _ = api.call("PUT", path, parent, flipped)
        assert status == 200, app
        seqs.append(app["registration"]["registration_seq"])
    assert seqs == sorted(seqs) and len(set(seqs)) == 4
    assert app["registration"]["changes_left_today"] == 0
    status, problem, _ = api.call("PUT", path, parent, choice)
    assert status == 429 and problem["code"] == "too_many_changes"
    clock.advance(timedelta(hours=20))  # next WIB day, window still open
    status, app, _ = api.call("PUT", path, parent, choice)
    assert status == 200 and app["registration"]["changes_left_today"] == 2

    clock.advance(timedelta(days=1))  # the window closed
    status, problem, _ = api.call("PUT", path, parent, {**choice, "choices": [scene.schools[1]]})
    assert status == 409 and problem["code"] == "window_closed"
    status, app, _ = api.call("GET", f"/v1/admissions/applications/{aid}", parent)
    assert app["registration"]["locked"] is True
    status, _, _ = api.call("GET", f"/v1/admissions/applications/{aid}", scene.tokens["chosen_op"])
    assert status == 200


def test_route_proofs_must_be_verified_before_registering(
    api: Api, scene: Scene, clock: FixedClock
) -> None:
    aid = preregistered(api, scene)
    verify_all(api, scene, aid)
    clock.advance(timedelta(days=10, hours=1))  # afirmasi window
    status, problem, _ = api.call(
        "PUT", f"/v1/admissions/applications/{aid}/registration", scene.tokens["parent"],
        {"route": "afirmasi", "choices": [scene.schools[0]]},
    )  # fmt: skip
    assert status == 409 and problem["code"] == "route_documents_missing"
    assert problem["missing"] == ["kip_pkh_kks"]


def test_only_verified_applications_register(api: Api, scene: Scene, clock: FixedClock) -> None:
    aid = preregistered(api, scene)
    clock.advance(timedelta(days=14, hours=1))
    status, problem, _ = api.call(
        "PUT", f"/v1/admissions/applications/{aid}/registration", scene.tokens["parent"],
        {"route": "domisili", "choices": [scene.schools[0]]},
    )  # fmt: skip
    assert status == 409 and problem["code"] == "not_verified"


def test_a_route_limited_to_city_residents_refuses_a_home_outside(
    api: Api, scene: Scene, clock: FixedClock
) -> None:
    body = child_body(scene)
    body["home"]["kabkota_code"] = "3603"  # Kabupaten Tangerang
    status, app, _ = api.call(
        "POST", f"/v1/admissions/periods/{scene.pid}/applications", scene.tokens["parent"], body
    )
    assert status == 201, app
    for slot in BASE_DOCS:
        upload_doc(api, scene.tokens["parent"], app["id"], slot)
    verify_all(api, scene, app["id"])
    clock.advance(timedelta(days=14, hours=1))  # domisili (in_city only) is open
    path = f"/v1/admissions/applications/{app['id']}/registration"
    status, problem, _ = api.call(
        "PUT", path, scene.tokens["parent"], {"route": "domisili", "choices": [scene.schools[0]]}
    )
    assert (status, problem["code"]) == (409, "route_not_for_residence")
    status, period, _ = api.call("GET", f"/v1/admissions/periods/{scene.pid}",
                                 scene.tokens["parent"])  # fmt: skip
    assert [r["residence"] for r in period["routes"]] == [None, None, "in_city", None]
