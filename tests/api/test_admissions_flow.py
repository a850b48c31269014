"""PPDB through the API: period config, pre-registration, documents, verification, registration.

Time is a FixedClock (chalicelib.wiring.use); uploads go through real presigned POSTs to the
embedded S3 and the real S3 -> SQS -> handler path.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import requests

from chalicelib.core.clock import FixedClock
from chalicelib.wiring import deps, use
from tests.support import factories
from tests.support.fixtures import Api, drain_uploads
from tests.support.ppdb import T0, period_school

BASE_DOCS = ("kartu_keluarga", "akta_kelahiran", "ijazah_skl")


def iso(t: Any) -> str:
    return str(t.isoformat())


def period_body(**overrides: Any) -> dict[str, Any]:
    def route(rid: str, family: str, quota: str, day: int, spill: str | None,
              criteria: list[tuple[str, str]], docs: list[str]) -> dict[str, Any]:  # fmt: skip
        opens = T0 + timedelta(days=2 * day)
        return {
            "id": rid,
            "family": family,
            "quota_percent": quota,
            "opens_at": iso(opens),
            "closes_at": iso(opens + timedelta(days=1)),
            "announce_at": iso(T0 + timedelta(days=8)),
            "reregister_by": iso(T0 + timedelta(days=10)),
            "criteria": [{"field": f, "order": o} for f, o in criteria],
            "spill_to": spill,
            "documents": docs,
        }

    body = {
        "name": "SPMB SMP Kota Tangerang 2027 Tahap 1",
        "level": "SMP",
        "school_year": "2027/2028",
        "stage": 1,
        "prereg_opens_at": iso(T0 - timedelta(days=20)),
        "prereg_closes_at": iso(T0 + timedelta(days=6)),
        "max_choices": 2,
        "changes_per_day": 3,
        "routes": [
            route(
                "afirmasi",
                "afirmasi",
                "25",
                0,
                "domisili",
                [("zone_score", "desc"), ("age_days", "desc")],
                ["kip_pkh_kks"],
            ),
            route(
                "mutasi",
                "mutasi",
                "5",
                1,
                "domisili",
                [("distance_m", "asc")],
                ["surat_tugas_orang_tua"],
            ),
            route(
                "domisili",
                "domisili",
                "40",
                2,
                "prestasi",
                [("domicile_score", "desc"), ("age_days", "desc")],
                [],
            ),
            route(
                "prestasi",
                "prestasi",
                "30",
                3,
                None,
                [("rapor_avg", "desc"), ("registration_seq", "asc")],
                [],
            ),
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def clock() -> Iterator[FixedClock]:
    fixed = FixedClock(T0 - timedelta(days=10))
    use(dataclasses.replace(deps(), clock=fixed))
    try:
        yield fixed
    finally:
        use(None)


@dataclasses.dataclass
class Scene:
    pid: str
    schools: list[str]
    tokens: dict[str, str]


@pytest.fixture
def scene(api: Api, clock: FixedClock) -> Scene:
    from tests.conftest import KEYS

    tag = uuid.uuid4().hex[:8]
    schools = [factories.npsn() for _ in range(3)]
    tokens = {
        "staff": KEYS.token(f"staff-{tag}", "education_staff"),
        "parent": KEYS.token(f"parent-{tag}", "parent"),
        "other_parent": KEYS.token(f"parent2-{tag}", "parent"),
        "verifier_op": KEYS.token(f"op-v-{tag}", "school_operator", npsn=schools[0]),
        "chosen_op": KEYS.token(f"op-c-{tag}", "school_operator", npsn=schools[1]),
        "other_op": KEYS.token(f"op-x-{tag}", "school_operator", npsn=factories.npsn()),
        "admin": KEYS.token(f"admin-{tag}", "admin"),
    }
    status, period, _ = api.call("POST", "/v1/admissions/periods", tokens["staff"], period_body())
    assert status == 201, period
    # The schools of the period (the import API has its own tests).
    repo = deps().admissions
    record = repo.get_period(period["id"])
    assert record is not None
    import_id = uuid.uuid4().hex
    repo.put_schools(
        record.id,
        import_id,
        [
            period_school(
                schools[0],
                record,
                capacity=40,
                kelurahan="SUKASARI",
                rw="002",
                rt="001",
                latitude=-6.1800,
                longitude=106.6300,
            ),
            period_school(
                schools[1],
                record,
                capacity=32,
                kelurahan="BABAKAN",
                rw="005",
                rt="003",
                zone="WILAYAH 2",
                latitude=-6.1900,
                longitude=106.6400,
            ),
            period_school(schools[2], record, capacity=20),
        ],
    )
    repo.save_period(
        dataclasses.replace(record, schools_import=import_id, school_count=3), record.version, []
    )
    return Scene(period["id"], schools, tokens)


def child_body(scene: Scene, **overrides: Any) -> dict[str, Any]:
    birth = date(2014, 8, 17)
    body = {
        "child": {
            "name": "Siti Aminah",
            "nik": factories.nik(birth, "P"),
            "nisn": "0123456789",
            "birth_date": birth.isoformat(),
            "gender": "P",
        },
        "kk_number": "3671010101010001",
        "kk_issued_on": "2020-02-01",
        "home": {
            "address": "Jl. Mawar No. 3",
            "rt": "1",
            "rw": "2",
            "kelurahan": "Sukasari",
            "kecamatan": "Tangerang",
            "latitude": -6.1810,
            "longitude": 106.6310,
        },
        "verifier_npsn": scene.schools[0],
        "rapor_avg": 88.5,
    }
    body.update(overrides)
    return body


def upload_doc(api: Api, token: str, aid: str, slot: str) -> dict[str, Any]:
    status, ticket, _ = api.call(
        "POST",
        f"/v1/admissions/applications/{aid}/documents",
        token,
        {"slot": slot, "content_type": "application/pdf"},
    )
    assert status == 201, ticket
    response = requests.post(
        ticket["upload_url"],
        data=ticket["upload_fields"],
        files={"file": ("dokumen", factories.PDF, "application/pdf")},
        timeout=10,
    )
    assert response.status_code in (200, 201, 204), response.text
    drain_uploads()
    return dict(ticket["document"])


def preregistered(api: Api, scene: Scene, slots: tuple[str, ...] = BASE_DOCS) -> str:
    status, app, _ = api.call(
        "POST", f"/v1/admissions/periods/{scene.pid}/applications", scene.tokens["parent"],
        child_body(scene),
    )  # fmt: skip
    assert status == 201, app
    for slot in slots:
        upload_doc(api, scene.tokens["parent"], app["id"], slot)
    return str(app["id"])


def verify_all(api: Api, scene: Scene, aid: str) -> dict[str, Any]:
    status, app, _ = api.call("POST", f"/v1/admissions/applications/{aid}/submit",
                              scene.tokens["parent"])  # fmt: skip
    assert status == 200, app
    decisions = [
        {"document_id": r["document_id"], "decision": "verified"}
        for r in app["requirements"]
        if r["document_id"]
    ]
    status, app, _ = api.call(
        "POST", f"/v1/admissions/applications/{aid}/review", scene.tokens["verifier_op"],
        {"decisions": decisions},
    )  # fmt: skip
    assert status == 200, app
    return dict(app)


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
