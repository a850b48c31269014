"""Data-subject rights (UU PDP Pasal 32-33, 41-44; security brief R-43..R-45), through the API.

- A parent's export holds exactly their own objects (never another family's), NIKs masked, the
  documents with short-lived links, the inbox, and the processing trail: which role at which
  school or office read or changed the child's data and when, never who by name or account.
- Staff record a correction or deletion request with its 3 x 24 h deadline, and complete or
  refuse it, each audited; a deletion deletes what may be deleted (with the documents' S3
  objects, the inbox items and the child's lock) and keeps what must be kept, saying why.
- Only parents export; only education staff handle requests.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from chalicelib.core.audit import AuditEntry
from chalicelib.core.clock import FixedClock, iso_utc
from chalicelib.core.errors import Conflict
from chalicelib.core.ids import new_id
from chalicelib.core.notify import Notification
from chalicelib.wiring import deps
from tests.support import factories
from tests.support.fixtures import Api, World, clean_parent_documents, upload
from tests.support.ppdb_api import Scene, child_body, preregistered, upload_doc, verify_all

EXPORT = "/v1/me/data-export"
REQUESTS = "/v1/privacy-requests"
PRIVACY_ROUTES: dict[tuple[str, str], set[str]] = {
    ("GET", EXPORT): {"parent"},
    ("POST", REQUESTS): {"education_staff"},
    ("GET", REQUESTS): {"education_staff"},
    ("GET", REQUESTS + "/{privacy_id}"): {"education_staff"},
    ("POST", REQUESTS + "/{privacy_id}/complete"): {"education_staff"},
    ("POST", REQUESTS + "/{privacy_id}/refuse"): {"education_staff"},
}


def sub_of(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def create_transfer(api: Api, world: World, token: str = "", body: dict | None = None) -> dict:
    body = body or factories.transfer_body(world.origin, world.destination)
    status, created, _ = api.call("POST", "/v1/transfers", token or world.token("parent"), body)
    assert status == 201, created
    return {**created, "nik": body["student"]["nik"], "body": body}


def submitted_then_cancelled(api: Api, world: World) -> dict:
    t = create_transfer(api, world)
    clean_parent_documents(t["id"], sub_of(world.token("parent")))
    for step in ("submit", "cancel"):
        status, data, _ = api.call("POST", f"/v1/transfers/{t['id']}/{step}",
                                   world.token("parent"), {"reason": "Batal pindah"})  # fmt: skip
        assert status == 200, data
    return t


def record(api: Api, token: str, kind: str, subject: tuple[str, str], **extra: Any) -> dict:
    received = extra.pop("received_at", datetime.now(UTC) - timedelta(hours=1))
    body = {
        "kind": kind,
        "subject": {"type": subject[0], "id": subject[1]},
        "description": "Orang tua meminta data dihapus melalui loket Dinas",
        "received_at": iso_utc(received),
        **extra,
    }
    status, data, _ = api.call("POST", REQUESTS, token, body)
    assert status == 201, data
    return dict(data)


def complete(api: Api, token: str, rid: str, note: str = "Dilaksanakan") -> dict:
    status, data, _ = api.call("POST", f"{REQUESTS}/{rid}/complete", token, {"note": note})
    assert status == 200, data
    return dict(data)


def export_of(api: Api, token: str) -> dict:
    status, data, _ = api.call("GET", EXPORT, token)
    assert status == 200, data
    return dict(data)


def inbox_item(parent_sub: str, ref: str) -> None:
    note = Notification(f"user#{parent_sub}", f"test#{ref}#{datetime.now(UTC)}", "transfer.test",
                        "Uji", "Pemberitahuan uji", ref, datetime.now(UTC))  # fmt: skip
    assert deps().inbox.put_once(note)


# -- the export -----------------------------------------------------------------------------


def test_the_export_holds_exactly_the_callers_own_objects_with_nik_masked(
    api: Api, world: World
) -> None:
    mine = create_transfer(api, world)
    theirs = create_transfer(api, world, world.token("other_parent"))
    doc = upload(api, world.token("parent"), mine["id"], "kartu_keluarga")
    inbox_item(sub_of(world.token("parent")), mine["id"])
    inbox_item(sub_of(world.token("other_parent")), theirs["id"])

    data = export_of(api, world.token("parent"))
    text = json.dumps(data)
    assert [t["transfer"]["id"] for t in data["transfers"]] == [mine["id"]]
    assert theirs["id"] not in text and sub_of(world.token("other_parent")) not in text
    assert mine["nik"] not in text and theirs["nik"] not in text
    assert data["transfers"][0]["transfer"]["student"]["nik_masked"] == "*" * 12 + mine["nik"][-4:]
    (exported_doc,) = data["transfers"][0]["documents"]
    assert exported_doc["id"] == doc["id"] and exported_doc["status"] == "clean"
    assert exported_doc["download_url"].startswith("http") and exported_doc["download_expires_in"]
    assert [n["ref"] for n in data["notifications"]] == [mine["id"]]
    assert data["subject"] == sub_of(world.token("parent")) and data["truncated"] == []

    other = export_of(api, world.token("other_parent"))
    assert [t["transfer"]["id"] for t in other["transfers"]] == [theirs["id"]]
    assert mine["id"] not in json.dumps(other)


def test_the_trail_lists_staff_and_operator_reads_by_role_and_unit_never_by_account(
    api: Api, world: World
) -> None:
    t = create_transfer(api, world)
    clean_parent_documents(t["id"], sub_of(world.token("parent")))
    status, _, _ = api.call("POST", f"/v1/transfers/{t['id']}/submit", world.token("parent"), {})
    assert status == 200
    for caller in ("destination_op", "staff"):
        status, _, _ = api.call("GET", f"/v1/transfers/{t['id']}", world.token(caller))
        assert status == 200

    data = export_of(api, world.token("parent"))
    (exported,) = [x for x in data["transfers"] if x["transfer"]["id"] == t["id"]]
    reads = [e for e in exported["processing"] if e["action"] == "read"]
    by_role = {e["actor_role"]: e for e in reads}
    operator, staff = by_role["school_operator"], by_role["education_staff"]
    assert operator["actor_school"] == {"npsn": world.destination,
                                        "name": f"SMP Uji {world.destination}"}  # fmt: skip
    assert staff["actor_office"] == "Dinas Pendidikan Kota Tangerang"
    assert staff["actor_school"] is None and not staff["by_you"]
    for entry in reads:
        assert datetime.fromisoformat(entry["at"].replace("Z", "+00:00")) <= datetime.now(UTC)
        assert entry["at_wib"].endswith("WIB")
    own = [e for e in exported["processing"] if e["action"] in ("create", "submit")]
    assert own and all(e["by_you"] and e["actor_role"] == "parent" for e in own)
    text = json.dumps(data)
    for caller in ("destination_op", "staff"):
        assert sub_of(world.token(caller)) not in text  # Pasal 33: no staff account ids
    assert "actor_sub" not in text and "request_id" not in text


def test_a_list_cut_at_its_cap_is_named_in_truncated(
    api: Api, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.privacy import export

    t = create_transfer(api, world)
    for _ in range(3):
        status, _, _ = api.call("GET", f"/v1/transfers/{t['id']}", world.token("staff"))
        assert status == 200
    monkeypatch.setattr(export, "TRAIL", 2)
    data = export_of(api, world.token("parent"))
    assert len(data["transfers"][0]["processing"]) == 2
    assert data["truncated"] == [f"processing:{t['id']}"]
    assert data["limits"]["trail_entries_per_record"] == 2


def test_the_export_itself_is_audited_and_shown_in_the_next_export(api: Api, world: World) -> None:
    export_of(api, world.token("parent"))
    trail = export_of(api, world.token("parent"))["account_trail"]
    exports = [e for e in trail if e["action"] == "data_export"]
    assert exports and exports[0]["by_you"] and exports[0]["actor_role"] == "parent"
    items, _ = deps().audit.for_subject(f"person#{sub_of(world.token('parent'))}", 10, None)
    assert {e.action for e in items} == {"data_export"}


def test_the_policy_for_these_routes_equals_the_reviewed_matrix() -> None:
    from chalicelib.access_policy import ROUTE_ROLES

    actual = {
        route: {role.value for role in roles}
        for route, roles in ROUTE_ROLES.items()
        if route[1].startswith(("/v1/me/", REQUESTS))
    }
    assert actual == PRIVACY_ROUTES


def test_only_a_parent_may_export_and_only_staff_handle_requests(api: Api, world: World) -> None:
    t = create_transfer(api, world)
    rid = record(api, world.token("staff"), "correction", ("transfer", t["id"]))["id"]
    roles = {"parent": "parent", "destination_op": "school_operator",
             "staff": "education_staff", "admin": "admin"}  # fmt: skip
    bodies = {"complete": {"note": "x"}, "refuse": {"ground": "other", "reason": "x"}}
    for (method, path), allowed in PRIVACY_ROUTES.items():
        for caller, role in roles.items():
            if role in allowed:
                continue
            body = bodies.get(path.rsplit("/", 1)[-1], {}) if method == "POST" else None
            status, data, _ = api.call(method, path.replace("{privacy_id}", rid),
                                       world.token(caller), body)  # fmt: skip
            assert (status, data["code"]) == (403, "forbidden_role"), (method, path, caller)
        status, _, _ = api.call(method, path.replace("{privacy_id}", rid))
        assert status == 401
    status, data, _ = api.call("GET", f"{REQUESTS}/{rid}", world.token("staff"))
    assert status == 200 and data["status"] == "open"  # nobody denied changed it


# -- requests: deadlines, refusal, audit ------------------------------------------------------


def test_a_request_is_due_72_hours_after_it_was_received_and_overdue_after(
    api: Api, world: World
) -> None:
    t = create_transfer(api, world)
    staff = world.token("staff")
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=73)
    late = record(api, staff, "correction", ("transfer", t["id"]), received_at=received)
    fresh = record(api, staff, "deletion", ("parent", sub_of(world.token("parent"))))
    assert late["due_at"] == iso_utc(received + timedelta(hours=72)) and late["overdue"]
    assert not fresh["overdue"] and late["parent_sub"] == sub_of(world.token("parent"))

    status, page, _ = api.call("GET", f"{REQUESTS}?limit=100", staff)
    assert status == 200
    ids = [r["id"] for r in page["items"]]
    assert ids.index(late["id"]) < ids.index(fresh["id"])  # earliest deadline first
    assert all(r["status"] == "open" for r in page["items"])

    future = datetime.now(UTC) + timedelta(hours=2)
    status, problem, _ = api.call("POST", REQUESTS, staff, {
        "kind": "correction", "subject": {"type": "transfer", "id": t["id"]},
        "description": "Nama anak salah eja", "received_at": iso_utc(future)})  # fmt: skip
    assert (status, problem["code"]) == (422, "received_in_future")
    status, problem, _ = api.call("POST", REQUESTS, staff, {
        "kind": "correction", "subject": {"type": "transfer", "id": new_id()},
        "description": "Nama anak salah eja", "received_at": iso_utc(received)})  # fmt: skip
    assert (status, problem["code"]) == (404, "transfer_not_found")


def test_a_correction_is_completed_and_a_refusal_names_its_ground_both_audited(
    api: Api, world: World
) -> None:
    t = create_transfer(api, world)
    staff, parent_sub = world.token("staff"), sub_of(world.token("parent"))
    fix = record(api, staff, "correction", ("transfer", t["id"]))
    done = complete(api, staff, fix["id"], "Nama ibu diperbaiki sesuai KK 3671012345678901")
    assert done["status"] == "completed" and done["closed_at"] and done["records"] == []
    assert "3671012345678901" not in json.dumps(done)  # Prose masks a typed NIK/KK

    other = record(api, staff, "deletion", ("transfer", t["id"]))
    status, refused, _ = api.call("POST", f"{REQUESTS}/{other['id']}/refuse", staff, {
        "ground": "would_reveal_other_person", "reason": "Data milik wali lain"})  # fmt: skip
    assert status == 200 and refused["status"] == "refused"
    assert refused["refusal_label"].endswith("(Pasal 33 UU PDP).")
    status, problem, _ = api.call("POST", f"{REQUESTS}/{other['id']}/complete", staff,
                                  {"note": "coba lagi"})  # fmt: skip
    assert (status, problem["code"]) == (409, "request_closed")
    status, problem, _ = api.call("POST", f"{REQUESTS}/{fix['id']}/refuse", staff,
                                  {"ground": "other", "reason": "x", "version": 1})  # fmt: skip
    assert (status, problem["code"]) == (412, "stale_version")

    for rid, actions in ((fix["id"], ["complete", "record"]), (other["id"], ["refuse", "record"])):
        items, _ = deps().audit.for_subject(f"privacy#{rid}", 10, None)
        assert [e.action for e in items] == actions
        assert all(e.actor_role == "education_staff" for e in items)
    person, _ = deps().audit.for_subject(f"person#{parent_sub}", 10, None)
    assert {"privacy_record", "privacy_complete", "privacy_refuse"} <= {e.action for e in person}

    data = export_of(api, world.token("parent"))
    shown = {r["id"]: r for r in data["privacy_requests"]}
    assert shown[fix["id"]]["status"] == "completed"
    assert shown[other["id"]]["refusal_ground"] == "would_reveal_other_person"
    staff_entries = [e for e in data["account_trail"] if e["action"].startswith("privacy_")]
    assert staff_entries and all(e["actor_office"] for e in staff_entries)


# -- deletion: what may go goes, what must stay stays, with reasons --------------------------


def _s3_exists(key: str) -> bool:
    return deps().storage.exists(key)


def test_deleting_a_draft_transfer_removes_it_its_files_inbox_and_lock_and_keeps_the_trail(
    api: Api, world: World
) -> None:
    parent, staff = world.token("parent"), world.token("staff")
    t = create_transfer(api, world)
    upload(api, parent, t["id"], "kartu_keluarga")
    (stored,) = deps().documents.for_ref(f"transfer#{t['id']}")
    assert stored.clean_key and _s3_exists(stored.clean_key)
    inbox_item(sub_of(parent), t["id"])
    status, problem, _ = api.call("POST", "/v1/transfers", parent, t["body"])
    assert (status, problem["code"]) == (409, "open_request_exists")
    req = record(api, staff, "deletion", ("transfer", t["id"]))

    status, preview, _ = api.call("GET", f"{REQUESTS}/{req['id']}", staff)
    assert status == 200 and preview["planned"][0]["disposition"] == "deleted"
    assert deps().transfers.get(t["id"]) is not None  # the plan changes nothing
    person, _ = deps().audit.for_subject(f"person#{sub_of(parent)}", 5, None)
    assert person[0].action == "privacy_plan" and person[0].actor_unit == "office#disdik"

    done = complete(api, staff, req["id"])
    outcome = {(r["record_type"], r["disposition"]): r for r in done["records"]}
    assert outcome[("transfer", "deleted")]["retention_code"] == "never_submitted"
    assert outcome[("documents", "deleted")]["count"] == 1
    assert outcome[("audit_trail", "kept")]["retention_code"] == "audit_trail"

    assert deps().transfers.get(t["id"]) is None
    status, _, _ = api.call("GET", f"/v1/transfers/{t['id']}", parent)
    assert status == 404
    assert deps().documents.for_ref(f"transfer#{t['id']}") == []
    assert not _s3_exists(stored.clean_key)
    items, _ = deps().inbox.list(f"user#{sub_of(parent)}", 100, None)
    assert t["id"] not in {i.ref for i in items}
    trail, _ = deps().audit.for_subject(f"transfer#{t['id']}", 20, None)
    assert trail[0].action == "erase" and trail[0].detail == f"privacy#{req['id']}"
    # the child's open-request lock went with the draft: the same child may apply again
    again = create_transfer(api, world, body=t["body"])
    assert again["id"] != t["id"]


def test_a_deletion_stopped_after_the_record_finishes_its_documents_when_run_again(
    api: Api, world: World
) -> None:
    parent, staff = world.token("parent"), world.token("staff")
    t = create_transfer(api, world)
    upload(api, parent, t["id"], "kartu_keluarga")
    (stored,) = deps().documents.for_ref(f"transfer#{t['id']}")
    req = record(api, staff, "deletion", ("transfer", t["id"]))
    draft = deps().transfers.get(t["id"])
    assert draft is not None
    deps().transfers.delete_unsubmitted(draft, None, [])  # a first run that stopped here
    complete(api, staff, req["id"])
    assert deps().documents.for_ref(f"transfer#{t['id']}") == []
    assert stored.clean_key and not _s3_exists(stored.clean_key)


def test_a_parents_deletion_keeps_a_submitted_request_with_its_reason(
    api: Api, world: World
) -> None:
    parent, staff = world.token("parent"), world.token("staff")
    draft = create_transfer(api, world)
    kept = submitted_then_cancelled(api, world)
    theirs = create_transfer(api, world, world.token("other_parent"))
    inbox_item(sub_of(parent), kept["id"])
    req = record(api, staff, "deletion", ("parent", sub_of(parent)))

    done = complete(api, staff, req["id"], "Dihapus sesuai permintaan; sisanya arsip")
    by_id = {(r["record_type"], r["record_id"]): r for r in done["records"]}
    assert by_id[("transfer", draft["id"])]["disposition"] == "deleted"
    keep = by_id[("transfer", kept["id"])]
    assert keep["disposition"] == "kept" and keep["retention_code"] == "administrative_decision"
    assert (
        keep["retention_reason"]
        and keep["retention_period"] == "2 tahun setelah permohonan ditutup"
    )
    assert by_id[("documents", kept["id"])]["disposition"] == "kept"
    inbox = by_id[("notifications", f"user#{sub_of(parent)}")]
    assert inbox["disposition"] == "deleted" and inbox["count"] >= 1

    assert deps().transfers.get(draft["id"]) is None
    assert deps().transfers.get(kept["id"]) is not None
    assert len(deps().documents.for_ref(f"transfer#{kept['id']}")) == 4
    assert deps().transfers.get(theirs["id"]) is not None  # another family is never reached
    assert deps().inbox.list(f"user#{sub_of(parent)}", 100, None)[0] == []

    data = export_of(api, parent)
    assert [t["transfer"]["id"] for t in data["transfers"]] == [kept["id"]]
    (shown,) = [r for r in data["privacy_requests"] if r["id"] == req["id"]]
    assert {r["record_id"] for r in shown["records"]} >= {draft["id"], kept["id"]}


def test_a_record_changed_after_it_was_read_is_not_deleted(api: Api, world: World) -> None:
    """The record is deleted only at the version read (a conditional transaction): a parent's
    edit (or submit) in between wins, and the request stays open to be carried out again."""
    t = create_transfer(api, world)
    stale = deps().transfers.get(t["id"])
    assert stale is not None
    status, _, _ = api.call("PATCH", f"/v1/transfers/{t['id']}", world.token("parent"),
                            {"version": 1, "reason": "Alasan baru setelah rencana dibaca"})  # fmt: skip
    assert status == 200
    with pytest.raises(Conflict, match="concurrent_update"):
        deps().transfers.delete_unsubmitted(stale, None, [])
    assert deps().transfers.get(t["id"]) is not None
    req = record(api, world.token("staff"), "deletion", ("transfer", t["id"]))
    done = complete(api, world.token("staff"), req["id"])
    assert done["records"][0]["disposition"] == "deleted"
    assert deps().transfers.get(t["id"]) is None


def test_deleting_applications_removes_a_preregistration_and_keeps_a_registered_one(
    api: Api, ppdb_scene: Scene, ppdb_clock: FixedClock
) -> None:
    scene, parent = ppdb_scene, ppdb_scene.tokens["parent"]
    apply_path = f"/v1/admissions/periods/{scene.pid}/applications"
    body = child_body(scene)
    status, created, _ = api.call("POST", apply_path, parent, body)
    assert status == 201, created
    gone = created["id"]
    upload_doc(api, parent, gone, "kartu_keluarga")
    (doc,) = deps().documents.for_ref(f"ppdb#{gone}")
    status, problem, _ = api.call("POST", apply_path, parent, body)
    assert (status, problem["code"]) == (409, "child_already_registered")
    registered = preregistered(api, scene)
    verify_all(api, scene, registered)
    ppdb_clock.advance(timedelta(days=14, hours=1))  # the domisili window
    status, reg, _ = api.call("PUT", f"/v1/admissions/applications/{registered}/registration",
                              parent, {"route": "domisili", "choices": [scene.schools[0]]})  # fmt: skip
    assert status == 200 and reg["status"] == "registered"

    staff = scene.tokens["staff"]
    received = ppdb_clock.now() - timedelta(hours=2)
    req = record(api, staff, "deletion", ("parent", sub_of(parent)), received_at=received)
    assert req["due_at"] == iso_utc(received + timedelta(hours=72)) and not req["overdue"]
    done = complete(api, staff, req["id"])
    by_id = {(r["record_type"], r["record_id"]): r for r in done["records"]}
    assert by_id[("application", gone)]["retention_code"] == "preregistration_only"
    assert by_id[("application", gone)]["disposition"] == "deleted"
    kept = by_id[("application", registered)]
    assert kept["disposition"] == "kept" and kept["retention_code"] == "selection_record"

    assert deps().admissions.get_application(gone) is None
    assert deps().documents.for_ref(f"ppdb#{gone}") == []
    assert doc.clean_key and not _s3_exists(doc.clean_key)
    assert deps().admissions.get_application(registered) is not None
    data = export_of(api, parent)
    assert [a["application"]["id"] for a in data["applications"]] == [registered]
    # the child's lock for the period went with the pre-registration: it may apply again
    ppdb_clock.advance(timedelta(days=-14, hours=-1))  # back inside pre-registration
    status, again, _ = api.call("POST", apply_path, parent, body)
    assert status == 201, again


def test_the_export_shows_operator_reads_of_an_application_with_the_school(
    api: Api, ppdb_scene: Scene
) -> None:
    scene = ppdb_scene
    aid = preregistered(api, scene, ("kartu_keluarga",))
    status, _, _ = api.call("GET", f"/v1/admissions/applications/{aid}",
                            scene.tokens["verifier_op"])  # fmt: skip
    assert status == 200
    data = export_of(api, scene.tokens["parent"])
    (exported,) = data["applications"]
    nik_masked = exported["application"]["child"]["nik_masked"]
    assert nik_masked.startswith("*" * 12) and len(nik_masked) == 16
    (read,) = [e for e in exported["processing"] if e["action"] == "read"]
    assert read["actor_role"] == "school_operator"
    assert read["actor_school"]["npsn"] == scene.schools[0]
    (doc,) = exported["documents"]
    assert doc["slot"] == "kartu_keluarga" and doc["download_url"]
    assert sub_of(scene.tokens["verifier_op"]) not in json.dumps(data)


def test_an_audit_entry_records_the_school_or_office_of_its_actor() -> None:
    from chalicelib.core.audit import entry
    from chalicelib.core.principal import Principal, Role

    at = datetime.now(UTC)
    assert entry("s", "read", Principal("op", Role.SCHOOL_OPERATOR, "20606901"), at).actor_unit == (
        "school#20606901"
    )
    assert (
        entry("s", "read", Principal("st", Role.EDUCATION_STAFF), at).actor_unit == "office#disdik"
    )
    assert entry("s", "read", Principal("p", Role.PARENT), at).actor_unit == ""
    assert entry("s", "read", Principal("a", Role.ADMIN), at).actor_unit == ""
    subject = f"privacy-test#{at.timestamp()}"
    stored = AuditEntry(subject, "read", "op", "school_operator", at, actor_unit="school#20606901")
    deps().audit.append(stored)
    (back,), _ = deps().audit.for_subject(subject, 5, None)
    assert back.actor_unit == "school#20606901"
