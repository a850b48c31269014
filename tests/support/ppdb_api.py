"""PPDB API test support: a period config body, a scene (period with three schools, callers of
every role) under a FixedClock, and helpers to pre-register, upload and verify.

Registered as a pytest plugin (tests/conftest.py): fixtures ``ppdb_clock`` and ``ppdb_scene``.
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
            "residence": "in_city" if rid == "domisili" else None,
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
def ppdb_clock() -> Iterator[FixedClock]:
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
def ppdb_scene(api: Api, ppdb_clock: FixedClock) -> Scene:
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
