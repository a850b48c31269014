"""Pure rules of a PPDB application: the one-year KK rule, required documents, review outcome,
derived ranking attributes, and the JSON codec round trip."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.admissions import codec
from chalicelib.admissions.application import (
    AppStatus,
    Home,
    Review,
    after_review,
    kk_rule_ok,
    registration_reference,
    required_documents,
    slot_states,
)
from chalicelib.admissions.registration import derive
from chalicelib.schools.domain import Level
from tests.support.ppdb import T0, application, period_record, period_school

AT = datetime(2027, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("issued", "opens", "letter", "ok"),
    [
        (date(2026, 6, 1), date(2027, 6, 1), False, True),  # exactly one year
        (date(2026, 6, 2), date(2027, 6, 1), False, False),  # one day short
        (date(2026, 6, 2), date(2027, 6, 1), True, True),  # domicile letter replaces it
        (date(2023, 2, 28), date(2024, 2, 29), False, True),  # leap day
    ],
)
def test_kk_must_be_a_year_old_unless_a_domicile_letter_is_given(
    issued: date, opens: date, letter: bool, ok: bool
) -> None:
    assert kk_rule_ok(issued, opens, letter) is ok


def test_registration_reference_is_the_first_window_day_in_wib() -> None:
    period = period_record()
    assert registration_reference(period.config) == date(2027, 6, 1)  # T0 is 08:00 WIB


def test_required_documents_follow_level_kk_age_and_route() -> None:
    period = period_record()
    app = application(period)
    route = {r.id: r for r in period.config.routes}
    base = ["kartu_keluarga", "akta_kelahiran", "ijazah_skl"]
    assert required_documents(period.config, app, None, needs_psychologist=False) == base
    young_kk = replace(app, kk_issued_on=date(2027, 1, 1))
    assert required_documents(period.config, young_kk, None, needs_psychologist=False) == [
        *base,
        "surat_keterangan_domisili",
    ]
    assert required_documents(period.config, app, route["afirmasi"], needs_psychologist=False) == [
        *base,
        "kip_pkh_kks",
    ]
    sd = period_record(level=Level.SD)
    assert required_documents(sd.config, app, None, needs_psychologist=True) == [
        "kartu_keluarga",
        "akta_kelahiran",
        "rekomendasi_psikolog",
    ]


def _review(doc: str, slot: str, decision: str) -> Review:
    return Review(doc, slot, decision, "alasan" if decision == "rejected" else "", "op", "op", AT)


def test_review_outcome() -> None:
    current = {"kartu_keluarga": "D1", "akta_kelahiran": "D2", "kip_pkh_kks": "D3"}
    required = ["kartu_keluarga", "akta_kelahiran"]
    ok = (_review("D1", "kartu_keluarga", "verified"), _review("D2", "akta_kelahiran", "verified"))
    # an optional proof that is uploaded must be decided too
    assert after_review(required, slot_states(current, ok)) is AppStatus.SUBMITTED
    all_ok = (*ok, _review("D3", "kip_pkh_kks", "verified"))
    assert after_review(required, slot_states(current, all_ok)) is AppStatus.VERIFIED
    one_bad = (*ok, _review("D3", "kip_pkh_kks", "rejected"))
    assert after_review(required, slot_states(current, one_bad)) is AppStatus.NEEDS_FIX
    # a review of an older document of the slot does not count for the new one
    replaced = {**current, "kartu_keluarga": "D9"}
    assert slot_states(replaced, all_ok)["kartu_keluarga"] == ("uploaded", "D9", None)
    assert after_review(required, slot_states(replaced, all_ok)) is AppStatus.SUBMITTED


def test_derived_attributes_use_the_school_area_and_the_home_zone() -> None:
    period = period_record()
    near = period_school("20606901", period, kelurahan="SUKASARI", rw="002", rt="001",
                         zone="W1", latitude=-6.18, longitude=106.63)  # fmt: skip
    neighbour = period_school("20606902", period, kelurahan="BABAKAN", rw="001", rt="001",
                              zone="W1", neighbours=(("SUKASARI", "002", "001"),),
                              latitude=-6.19, longitude=106.64)  # fmt: skip
    far = period_school("20606903", period, kelurahan="CIBODAS", zone="W3",
                        latitude=-6.21, longitude=106.60)  # fmt: skip
    app = replace(
        application(period, birth=date(2014, 7, 1)),
        home=Home("Jl. A", "001", "002", "SUKASARI", "TANGERANG", -6.181, 106.631),
    )
    zones = {"SUKASARI": "W1", "BABAKAN": "W1", "CIBODAS": "W3"}
    attrs, per_choice = derive(app, period, [near, neighbour, far], zones, seq=17)
    assert attrs == {"age_days": 4748.0, "registration_seq": 17.0, "rapor_avg": 85.0}
    assert [c["domicile_score"] for c in per_choice] == [5.0, 3.0, 1.0]
    assert [c["zone_score"] for c in per_choice] == [2.0, 2.0, 1.0]
    assert per_choice[0]["distance_m"] < per_choice[1]["distance_m"] < per_choice[2]["distance_m"]
    outside = replace(app, home=replace(app.home, kabkota_code="3603"))
    _, scores = derive(outside, period, [near], zones, seq=1)
    assert scores[0]["domicile_score"] == 1.0 and scores[0]["zone_score"] == 1.0


@given(
    status=st.sampled_from(list(AppStatus)),
    route=st.sampled_from([None, "afirmasi", "domisili"]),
    rapor=st.none() | st.floats(min_value=0, max_value=100, allow_nan=False),
)
def test_application_json_round_trip(status: AppStatus, route: str | None, rapor: float | None
                                     ) -> None:  # fmt: skip
    period = period_record(base=T0)
    app = replace(
        application(period, status=status, route=route, choices=("20606901",) if route else ()),
        rapor_avg=rapor,
        reviews=(_review("D1", "kartu_keluarga", "rejected"),),
    )
    assert codec.load_application(codec.dump_application(app), app.version) == app


def test_period_json_round_trip() -> None:
    period = period_record(overridden=("national_afirmasi",), override_reason="Perwal 1/2027")
    assert codec.load_period(codec.dump_period(period), period.version) == period
