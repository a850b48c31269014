"""PPDB route x caller matrix (security brief R-01, R-13): every PPDB route is called by every
kind of caller against a REAL scene (a period whose domisili window is open, a registered and
verified application with a clean document, an admitted application after the announcement).

No token -> 401; a role outside the reviewed matrix -> 403 ``forbidden_role``; another family's
application or an uninvolved school -> 404 like a missing id; allowed callers get the route's
normal answer. Mutating routes are called so that they fail AFTER authorization (a stale version,
a closed window, a config error) and the test checks that nothing changed.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.access_policy import PUBLIC_ROUTES, ROUTE_ROLES
from chalicelib.admission_enrolment.queries import refresh_statistics
from chalicelib.admissions.application import AppStatus, Review
from chalicelib.admissions.records import ImportJob
from chalicelib.admissions.repository import AppChange
from chalicelib.core.clock import FixedClock
from chalicelib.core.ids import new_id
from chalicelib.documents.domain import DocStatus, Document, clean_key, quarantine_key
from chalicelib.wiring import deps, use
from tests.support import factories
from tests.support.fixtures import Api
from tests.support.ppdb import T0, application, period_record, period_school, store_period
from tests.support.ppdb_api import period_body

pytestmark = pytest.mark.xdist_group("authz-ppdb")

P, O, S, A = "parent", "school_operator", "education_staff", "admin"
EVERYONE = {P, O, S, A}
APPS = "/v1/admissions/applications/{application_id}"
PERIOD = "/v1/admissions/periods/{period_id}"

# The reviewed PPDB matrix, written out independently of chalicelib/access_policy.py.
EXPECTED: dict[tuple[str, str], set[str]] = {
    ("POST", "/v1/admissions/periods"): {S},
    ("GET", "/v1/admissions/periods"): EVERYONE,
    ("GET", PERIOD): EVERYONE,
    ("PUT", PERIOD): {S},
    ("POST", PERIOD + "/applications"): {P},
    ("GET", PERIOD + "/verification-queue"): {O, S},
    ("GET", "/v1/admissions/applications"): {P},
    ("GET", APPS): {P, O, S},
    ("PATCH", APPS): {P},
    ("POST", APPS + "/documents"): {P},
    ("GET", APPS + "/documents"): {P, O, S},
    ("GET", APPS + "/documents/{document_id}/download"): {P, O, S},
    ("POST", APPS + "/submit"): {P},
    ("POST", APPS + "/review"): {O, S},
    ("PUT", APPS + "/registration"): {P},
    # school imports
    ("POST", PERIOD + "/school-imports"): {S},
    ("GET", PERIOD + "/school-imports/{import_id}"): {S},
    ("GET", PERIOD + "/schools"): EVERYONE,
    # live ranking, final allocation, results, export
    ("GET", APPS + "/position"): {P, O, S},
    ("GET", APPS + "/result"): {P, O, S},
    ("POST", PERIOD + "/allocations"): {S},
    ("GET", PERIOD + "/allocations/latest"): {S},
    ("GET", PERIOD + "/schools/{npsn}/results.xlsx"): {O, S},
    # daftar ulang, seats, statistics
    ("POST", APPS + "/confirm"): {P, O},
    ("GET", PERIOD + "/leftover-seats"): {O, S},
    ("GET", PERIOD + "/statistics"): {O, S},
    ("PUT", PERIOD + "/schools/{npsn}/reregistration-seats"): {S},
}

EXPECTED_PUBLIC: set[tuple[str, str]] = {
    ("GET", "/v1/public/admissions/periods/{period_id}/statistics"),
}

ROLE_OF: dict[str, str | None] = {
    "parent": P,  # owns the scene's application
    "other_parent": P,
    "verifier_op": O,  # operator of the verifying school (also the first choice)
    "chosen_op": O,  # operator of the second choice
    "other_op": O,  # operator of a school of the period that is not involved
    "staff": S,
    "admin": A,
    "anonymous": None,
}
SEES_APPLICATION = {"parent", "verifier_op", "chosen_op", "staff"}
STALE = 999


def ok_answer(method: str, path: str, caller: str) -> tuple[int, str | None]:
    """What an allowed caller gets on its own objects in the scene."""
    table: dict[tuple[str, str], tuple[int, str | None]] = {
        ("POST", "/v1/admissions/periods"): (422, "validation_failed"),
        ("PUT", PERIOD): (409, "period_started"),
        ("POST", PERIOD + "/applications"): (409, "child_already_registered"),
        ("PATCH", APPS): (409, "not_editable"),
        ("POST", APPS + "/documents"): (409, "slot_closed"),
        ("POST", APPS + "/submit"): (409, "invalid_state"),
        ("POST", APPS + "/review"): (409, "invalid_state"),
        ("PUT", APPS + "/registration"): (409, "window_closed"),
        ("POST", PERIOD + "/school-imports"): (409, "registration_started"),
        ("GET", APPS + "/position"): (404, "no_snapshot"),
        ("GET", APPS + "/result"): (409, "not_announced"),
        ("POST", PERIOD + "/allocations"): (422, "validation_failed"),
        ("GET", PERIOD + "/allocations/latest"): (404, "no_run"),
        ("GET", PERIOD + "/schools/{npsn}/results.xlsx"): (409, "no_run"),
        ("POST", APPS + "/confirm"): (409, "not_announced"),
        ("PUT", PERIOD + "/schools/{npsn}/reregistration-seats"): (404, "no_seat_counter"),
    }
    if (method, path) == ("POST", APPS + "/review") and caller == "chosen_op":
        return 403, "not_verifier"
    return table.get((method, path), (200, None))


def expected_answer(method: str, path: str, caller: str) -> tuple[int, str | None]:
    if (method, path) in EXPECTED_PUBLIC:
        return 200, None
    role = ROLE_OF[caller]
    if role is None:
        return 401, None
    if role not in EXPECTED[(method, path)]:
        return 403, "forbidden_role"
    if "{application_id}" in path and caller not in SEES_APPLICATION:
        return 404, "application_not_found"
    if path.endswith("/confirm") and role == O:
        return 404, "application_not_found"  # operators act only on announced admissions
    if path.endswith("/results.xlsx") and role == O:
        # path names the verifier's school; results are hidden from operators until announced
        return (409, "not_announced") if caller == "verifier_op" else (404, "school_not_found")
    return ok_answer(method, path, caller)


@dataclasses.dataclass
class Scene:
    api: Api
    period_id: str
    application_id: str
    document_id: str
    child_body: dict[str, Any]
    tokens: dict[str, str]
    schools: list[str]
    child_name: str
    import_id: str

    def path(self, template: str) -> str:
        path = (
            template.replace("{period_id}", self.period_id)
            .replace("{application_id}", self.application_id)
            .replace("{document_id}", self.document_id)
            .replace("{import_id}", self.import_id)
            .replace("{npsn}", self.schools[0])
        )
        if template.endswith("/verification-queue"):
            path += f"?school={self.schools[0]}"  # staff name the school; operators get their own
        return path

    def body(self, method: str, path: str) -> Any:
        if (method, path) == ("POST", "/v1/admissions/periods"):
            return {"name": "x"}  # invalid: nothing is created
        bodies: dict[tuple[str, str], Any] = {
            ("PUT", PERIOD): period_body(version=STALE),
            ("POST", PERIOD + "/applications"): self.child_body,
            ("PATCH", APPS): {"version": STALE},
            ("POST", APPS + "/documents"): {"slot": "rapor", "content_type": "application/pdf"},
            ("POST", APPS + "/review"): {
                "decisions": [{"document_id": self.document_id, "decision": "verified"}]
            },
            ("PUT", APPS + "/registration"): {"route": "afirmasi", "choices": self.schools[:1]},
            ("POST", PERIOD + "/school-imports"): {"content_type": "text/csv"},
            # afirmasi and mutasi have closed: a valid request would queue a run
            ("POST", PERIOD + "/allocations"): {"reason": "x" * 1001},
            ("PUT", PERIOD + "/schools/{npsn}/reregistration-seats"): {
                "seats": 1,
                "reason": "Pemeriksaan matriks akses",
            },
        }
        return bodies.get((method, path), {} if method in ("POST", "PUT", "PATCH") else None)


def _clean_document(aid: str, slot: str, uploader: str) -> str:
    d = deps()
    ref, doc_id, now = f"ppdb#{aid}", new_id(), d.clock.now()
    doc = Document(ref, doc_id, slot, "application/pdf", DocStatus.PENDING_UPLOAD, uploader,
                   "parent", now, now + timedelta(minutes=10), quarantine_key(ref, doc_id))  # fmt: skip
    d.documents.create(doc)
    d.storage.put(clean_key(ref, doc_id), factories.PDF, "application/pdf")
    d.documents.settle(doc, DocStatus.CLEAN, size=len(factories.PDF),
                       clean_key=clean_key(ref, doc_id), reason=None)  # fmt: skip
    return doc_id


@pytest.fixture(scope="module")
def clock() -> Iterator[FixedClock]:
    fixed = FixedClock(T0 + timedelta(days=4, hours=1))  # the domisili window is open
    use(dataclasses.replace(deps(), clock=fixed))
    try:
        yield fixed
    finally:
        use(None)


@pytest.fixture(scope="module")
def scene(chalice_client: Client, clock: FixedClock) -> Scene:
    from tests.conftest import KEYS

    api = Api(chalice_client)
    repo = deps().admissions
    period = period_record()
    schools = [factories.npsn() for _ in range(3)]
    period = store_period(repo, period, [period_school(n, period) for n in schools])
    tag = uuid.uuid4().hex[:8]
    subs = {name: f"{name}-{tag}" for name in ROLE_OF if name != "anonymous"}
    npsn_of = {"verifier_op": schools[0], "chosen_op": schools[1], "other_op": schools[2]}
    tokens = {n: KEYS.token(s, ROLE_OF[n] or "", npsn=npsn_of.get(n)) for n, s in subs.items()}

    # the owner's real pre-registration (the same child again is the POST probe)
    body = {
        "child": {"name": f"Anak Matriks {tag.upper()}", "nik": factories.nik(
            date(2014, 5, 5), "L"), "nisn": "0011223344",
            "birth_date": "2014-05-05", "gender": "L"},
        "kk_number": "3671010101010001",
        "kk_issued_on": "2019-01-01",
        "home": {"address": "Jl. Matriks 1", "rt": "1", "rw": "2", "kelurahan": "Sukasari",
                 "kecamatan": "Tangerang", "latitude": -6.18, "longitude": 106.63},
        "verifier_npsn": schools[0],
        "rapor_avg": 80,
    }  # fmt: skip
    status, created, _ = api.call(
        "POST", f"/v1/admissions/periods/{period.id}/applications", tokens["parent"], body
    )
    assert status == 201, created
    aid = created["id"]
    doc_id = _clean_document(aid, "kartu_keluarga", subs["parent"])
    stored = repo.get_application(aid)
    assert stored is not None
    now = clock.now()
    review = Review(doc_id, "kartu_keluarga", "verified", "", subs["verifier_op"], O, now)
    registered = application(period, route="domisili", choices=(schools[0], schools[1]))
    assert registered.registration is not None
    repo.commit(
        AppChange(
            after=dataclasses.replace(
                stored, status=AppStatus.REGISTERED, reviews=(review,),
                registration=registered.registration,
            ),
            expected_version=stored.version,
        )
    )  # fmt: skip
    job = ImportJob(period.id, new_id(), new_id(), "text/csv", "done", now, subs["staff"])
    repo.put_import(job)
    refresh_statistics(repo.get_period(period.id) or period, deps(), now)  # the public snapshot
    return Scene(api, period.id, aid, doc_id, body, tokens, schools, body["child"]["name"], job.id)


def test_the_ppdb_policy_equals_the_reviewed_matrix() -> None:
    actual = {
        route: {role.value for role in roles}
        for route, roles in ROUTE_ROLES.items()
        if "/admissions/" in route[1]
    }
    assert actual == EXPECTED
    assert {r for r in PUBLIC_ROUTES if "/admissions/" in r[1]} == EXPECTED_PUBLIC


ROUTES = sorted(EXPECTED)


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_ppdb_route_answers_every_caller_as_the_matrix_says(
    scene: Scene, method: str, path: str
) -> None:
    before = deps().admissions.get_application(scene.application_id)
    mismatches = []
    for caller in ROLE_OF:
        want_status, want_code = expected_answer(method, path, caller)
        status, data, headers = scene.api.call(
            method, scene.path(path), scene.tokens.get(caller), scene.body(method, path)
        )
        code = data.get("code") if isinstance(data, dict) else None
        if status != want_status or (want_code is not None and code != want_code):
            mismatches.append(f"{caller}: got {status} {code}, want {want_status} {want_code}")
        if status in (401, 403, 404):
            assert scene.child_name not in json.dumps(data)
            if isinstance(data, dict) and "code" in data:
                assert headers.get("Content-Type") == "application/problem+json"
    assert mismatches == [], f"{method} {path}\n" + "\n".join(mismatches)
    after = deps().admissions.get_application(scene.application_id)
    assert after == before  # nothing was written
