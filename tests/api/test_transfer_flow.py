"""A transfer through the API (chalice.test.Client on moto), from draft to completed."""

from __future__ import annotations

from typing import Any

from tests.support.factories import PNG, transfer_body
from tests.support.fixtures import Api, World, upload

PARENT_SLOTS = ["surat_permohonan_orang_tua", "rapor_terakhir", "kartu_keluarga", "akta_kelahiran"]


def create_submitted(api: Api, world: World, destination: str | None = None) -> dict[str, Any]:
    body = transfer_body(world.origin, destination or world.destination)
    status, created, _ = api.call("POST", "/v1/transfers", world.token("parent"), body)
    assert status == 201, created
    for slot in PARENT_SLOTS:
        upload(api, world.token("parent"), created["id"], slot)
    status, submitted, _ = api.call(
        "POST", f"/v1/transfers/{created['id']}/submit", world.token("parent"), {}
    )
    assert status == 200, submitted
    return dict(submitted)


def test_a_transfer_inside_the_city_goes_from_draft_to_completed(api: Api, world: World) -> None:
    t = create_submitted(api, world)
    tid = t["id"]
    assert t["state"] == "submitted" and t["waiting_on"] == ["destination_school"]

    status, accepted, _ = api.call(
        "POST", f"/v1/transfers/{tid}/accept", world.token("destination_op"), {}
    )
    assert status == 200, accepted
    assert accepted["state"] == "accepted_by_destination" and accepted["seat_held"]

    upload(api, world.token("origin_op"), tid, "surat_keterangan_pindah")
    status, released, _ = api.call(
        "POST", f"/v1/transfers/{tid}/release", world.token("origin_op"), {}
    )
    assert status == 200, released
    assert released["state"] == "approved" and released["letter_available"]

    status, letter, _ = api.call("GET", f"/v1/transfers/{tid}/letter", world.token("parent"))
    assert status == 200 and letter["url"].startswith("http")
    status, verified, _ = api.call("GET", f"/v1/public/letters/{letter['code']}")
    assert status == 200 and verified["status"] == "valid"
    assert verified["student_initials"] == "A. P."

    for who in ("origin_op", "destination_op"):
        status, confirmed, _ = api.call(
            "POST", f"/v1/transfers/{tid}/confirm-dapodik", world.token(who), {}
        )
        assert status == 200, confirmed
    assert confirmed["state"] == "completed"

    status, timeline, _ = api.call("GET", f"/v1/transfers/{tid}/timeline", world.token("parent"))
    assert [e["to_state"] for e in timeline["entries"]] == [
        "draft",
        "submitted",
        "accepted_by_destination",
        "released_by_origin",
        "approved",
        "approved",
        "approved",
        "completed",
    ]
    assert all(e["at_wib"].endswith("WIB") for e in timeline["entries"])


def test_a_cross_boundary_transfer_waits_for_the_education_office(api: Api, world: World) -> None:
    t = create_submitted(api, world, destination=world.outside)
    tid = t["id"]
    assert api.call("POST", f"/v1/transfers/{tid}/accept", world.token("outside_op"), {})[0] == 200
    upload(api, world.token("origin_op"), tid, "surat_keterangan_pindah")
    status, released, _ = api.call(
        "POST", f"/v1/transfers/{tid}/release", world.token("origin_op"), {}
    )
    assert released["state"] == "under_review" and released["waiting_on"] == ["education_office"]
    status, approved, _ = api.call("POST", f"/v1/transfers/{tid}/approve", world.token("staff"), {})
    assert status == 200 and approved["state"] == "approved"


def test_submitting_without_clean_documents_is_refused_with_the_missing_list(
    api: Api, world: World
) -> None:
    status, created, _ = api.call(
        "POST",
        "/v1/transfers",
        world.token("parent"),
        transfer_body(world.origin, world.destination),
    )
    status, problem, headers = api.call(
        "POST", f"/v1/transfers/{created['id']}/submit", world.token("parent"), {}
    )
    assert status == 400 and problem["code"] == "documents_incomplete"
    assert headers["Content-Type"] == "application/problem+json"


def test_a_spoofed_pdf_is_rejected_and_cannot_be_downloaded(api: Api, world: World) -> None:
    status, created, _ = api.call(
        "POST",
        "/v1/transfers",
        world.token("parent"),
        transfer_body(world.origin, world.destination),
    )
    doc = upload(api, world.token("parent"), created["id"], "kartu_keluarga", content=PNG)
    status, listing, _ = api.call(
        "GET", f"/v1/transfers/{created['id']}/documents", world.token("parent")
    )
    [settled] = [d for d in listing["items"] if d["id"] == doc["id"]]
    assert settled["status"] == "rejected"
    assert settled["reject_reason"] == "content_does_not_match_type"
    status, problem, _ = api.call(
        "GET",
        f"/v1/transfers/{created['id']}/documents/{doc['id']}/download",
        world.token("parent"),
    )
    assert status == 400 and problem["code"] == "document_not_available"


def test_a_start_date_in_the_past_is_refused(api: Api, world: World) -> None:
    body = transfer_body(world.origin, world.destination)
    body["wanted_start_date"] = "2020-01-06"

    status, problem, _ = api.call("POST", "/v1/transfers", world.token("parent"), body)

    assert status == 422 and problem["code"] == "start_date_in_past"
