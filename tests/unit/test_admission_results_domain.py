"""PPDB results rules: the engine instance, masking, public values, snapshot documents, school
lists with several choices, and the explanation sentences."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from chalicelib.admission_results import domain
from chalicelib.admissions.application import Application, AppStatus, Outcome
from chalicelib.admissions.records import PeriodRecord
from tests.support.ppdb import application, period_record, period_school

ROOT = Path(__file__).resolve().parents[2]
SEATS = {"afirmasi": 1, "mutasi": 0, "domisili": 3, "prestasi": 1}
ON = date(2027, 7, 1)


def period(max_choices: int = 1) -> PeriodRecord:
    return period_record(pid="p-unit", max_choices=max_choices)


def registered(
    p: PeriodRecord,
    name: str,
    choices: tuple[str, ...],
    dom: tuple[float, ...],
    age: float,
    seq: int,
    route: str = "domisili",
) -> Application:
    return application(
        p,
        status=AppStatus.REGISTERED,
        name=name,
        route=route,
        choices=choices,
        seq=seq,
        attrs={"age_days": age, "registration_seq": float(seq), "rapor_avg": 80.0},
        choice_attrs=tuple(
            {"distance_m": 1234.0, "domicile_score": d, "zone_score": 1.0} for d in dom
        ),
    )


def solved(p: PeriodRecord, apps: list[Application], schools: list[Any]) -> tuple[Any, Any]:
    inst = domain.build_instance(p.config, schools, apps)
    return inst, domain.solve(inst)


def test_masks_each_word_to_its_first_two_letters() -> None:
    assert domain.mask_name("Siti Aminah") == "Si*** Am***"
    assert domain.mask_name("  Muhammad   Al-Fatih A ") == "Mu*** Al*** A***"
    assert domain.mask_name("") == "***"


def test_age_is_shown_in_years_and_months_on_1_july_never_as_a_birth_date() -> None:
    days = (ON - date(2014, 3, 1)).days
    assert domain.age_text(days, ON) == "13 th 4 bl"
    assert domain.age_text((ON - date(2014, 7, 2)).days, ON) == "12 th 11 bl"
    assert domain.age_reference(period().config) == ON
    assert domain.public_value("age_days", days, ON) == "13 th 4 bl"


def test_distance_is_rounded_to_ten_metres_and_other_values_kept() -> None:
    assert domain.public_value("distance_m", 1234.0, ON) == 1230
    assert domain.public_value("distance_m", 1236.0, ON) == 1240
    assert domain.public_value("domicile_score", 4.0, ON) == 4
    assert domain.public_value("rapor_avg", 85.456, ON) == 85.46
    assert domain.value_text("distance_m", 12345.0, ON) == "jarak 12.350 m"
    assert domain.value_text("rapor_avg", 85.5, ON) == "rata-rata rapor 85,5"


def test_instance_has_the_cli_shape_routes_in_period_order_and_live_seats() -> None:
    p = period()
    schools = [period_school("20600001", p, seats=SEATS), period_school("20600002", p, seats=SEATS)]
    a = registered(p, "Siti Aminah", ("20600001",), (5.0,), 4800.0, 7)
    inst = domain.build_instance(p.config, schools, [a])
    doc = inst.doc
    assert [r["id"] for r in doc["routes"]] == ["afirmasi", "mutasi", "domisili", "prestasi"]
    assert doc["routes"][0]["spill_to"] == "domisili"
    assert doc["routes"][2]["criteria"][0] == {"field": "domicile_score", "order": "desc"}
    assert doc["schools"][0] == {"id": "20600001", "seats": SEATS}
    assert doc["applicants"] == [
        {
            "id": a.id,
            "route": "domisili",
            "attrs": {"age_days": 4800.0, "registration_seq": 7.0, "rapor_avg": 80.0},
            "choices": [
                {
                    "school": "20600001",
                    "attrs": {"distance_m": 1234.0, "domicile_score": 5.0, "zone_score": 1.0},
                }
            ],
        }
    ]
    assert inst.problems == []
    assert inst.candidates[a.id].values == ((5.0, 4800.0, 7.0),)


def test_in_process_engine_gives_what_the_command_line_gives() -> None:
    p = period(max_choices=2)
    schools = [period_school("20600001", p, seats=SEATS), period_school("20600002", p, seats=SEATS)]
    apps = [
        registered(p, f"Anak {i}", ("20600001", "20600002"), (i % 5 + 1, 2.0), 4500.0 + i, i)
        for i in range(1, 12)
    ]
    inst, result = solved(p, apps, schools)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(inst.doc, fh)
    cli = subprocess.run(
        [sys.executable, "-m", "chalicelib.admissions.allocation", fh.name],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    assert json.loads(cli.stdout) == json.loads(json.dumps(result))


def test_unknown_schools_and_repeated_choices_are_not_sent_to_the_engine() -> None:
    p = period(max_choices=3)
    schools = [period_school("20600001", p, seats=SEATS)]
    a = registered(p, "Budi", ("20699999", "20600001", "20600001"), (3.0, 4.0, 4.0), 4800.0, 3)
    inst, result = solved(p, [a], schools)
    cand = inst.candidates[a.id]
    assert cand.kept == (1,)
    assert [c["school"] for c in inst.doc["applicants"][0]["choices"]] == ["20600001"]
    out = domain.outcome(inst, result, cand, 1)
    assert out.school == "20600001"
    assert out.ranks == (None, 1, None)
    assert out.values[0] == () and out.values[1] == (4.0, 4800.0, 3.0)


def test_registration_without_a_needed_value_is_reported_not_ranked() -> None:
    p = period()
    schools = [period_school("20600001", p, seats=SEATS)]
    a = registered(p, "Citra", ("20600001",), (3.0,), 4800.0, 3)
    reg = a.registration
    assert reg is not None
    broken = replace(a, registration=replace(reg, choice_attrs=({"distance_m": 10.0},)))
    other_route = replace(a, id="X" * 26, registration=replace(reg, route="luar_kota"))
    inst = domain.build_instance(p.config, schools, [broken, other_route])
    assert inst.candidates == {}
    assert len(inst.problems) == 2
    assert "domicile_score" in inst.problems[0]
    assert "luar_kota" in inst.problems[1]


def test_registration_seq_falls_back_to_the_registration_number() -> None:
    p = period()
    a = registered(p, "Dewi", ("20600001",), (3.0,), 4800.0, 42)
    reg = a.registration
    assert reg is not None
    a = replace(a, registration=replace(reg, attrs={"age_days": 4800.0}))
    inst = domain.build_instance(p.config, [period_school("20600001", p, seats=SEATS)], [a])
    assert inst.candidates[a.id].values == ((3.0, 4800.0, 42.0),)


def test_spillover_seats_and_waiting_list_of_a_school() -> None:
    p = period()
    schools = [period_school("20600001", p, seats=SEATS)]
    apps = [
        registered(p, n, ("20600001",), (d,), age, seq)
        for n, d, age, seq in [
            ("Siti Aminah", 5.0, 4800.0, 1),
            ("Budi Santoso", 4.0, 4900.0, 2),
            ("Citra Lestari", 4.0, 4700.0, 3),
            ("Dewi Sartika", 3.0, 5000.0, 4),
            ("Eko Prasetyo", 2.0, 5000.0, 5),
        ]
    ]
    inst, result = solved(p, apps, schools)
    # nobody in afirmasi: its seat spills to domisili (3 + 1)
    assert domain.seats_of(result, "20600001", "domisili") == 4
    lists = domain.school_lists(inst, result)[("20600001", "domisili")]
    assert [aid for _, aid in lists.admitted] == [a.id for a in apps[:4]]
    assert [aid for _, aid in lists.waiting] == [apps[4].id]


def test_with_two_choices_a_school_lists_who_it_turned_down_not_who_went_higher() -> None:
    p = period(max_choices=2)
    one = {**SEATS, "domisili": 1, "afirmasi": 0}
    schools = [period_school("20600001", p, seats=one), period_school("20600002", p, seats=one)]
    top = registered(p, "Atas", ("20600002", "20600001"), (5.0, 5.0), 5000.0, 1)
    mid = registered(p, "Tengah", ("20600001", "20600002"), (4.0, 4.0), 5000.0, 2)
    low = registered(p, "Bawah", ("20600001", "20600002"), (3.0, 3.0), 5000.0, 3)
    inst, result = solved(p, [top, mid, low], schools)
    assert result["assignments"] == {top.id: "20600002", mid.id: "20600001", low.id: None}
    lists = domain.school_lists(inst, result)
    at_1, at_2 = lists[("20600001", "domisili")], lists[("20600002", "domisili")]
    assert [aid for _, aid in at_1.admitted] == [mid.id]
    assert [aid for _, aid in at_1.waiting] == [low.id]  # top went to its first choice
    assert [aid for _, aid in at_2.admitted] == [top.id]
    assert [aid for _, aid in at_2.waiting] == [low.id]  # mid is placed at its first choice


def test_snapshot_document_has_masked_names_and_no_personal_identifiers() -> None:
    p = period()
    school = period_school("20600001", p, seats=SEATS)
    apps = [
        registered(p, "Siti Aminah", ("20600001",), (5.0,), 4800.0, 1),
        registered(p, "Budi Santoso", ("20600001",), (4.0,), 4900.0, 2),
    ]
    inst, result = solved(p, apps, [school])
    route = p.config.routes[2]
    doc = domain.snapshot_document(
        inst=inst,
        result=result,
        period_id=p.id,
        route=route,
        school=school,
        lists=domain.school_lists(inst, result).get(("20600001", "domisili")),
        generated_at="2027-06-05T02:00:00Z",
        generated_at_wib="05-06-2027 09:00 WIB",
        ref=lambda aid: "ref-" + aid[-4:],
        on=ON,
    )
    assert [e["name"] for e in doc["entries"]] == ["Si*** Am***", "Bu*** Sa***"]
    assert doc["entries"][0] == {
        "position": 1,
        "ref": "ref-" + apps[0].id[-4:],
        "name": "Si*** Am***",
        "values": {"domicile_score": 5, "age_days": domain.age_text(4800.0, ON),
                   "registration_seq": 1},
    }  # fmt: skip
    assert doc["cutoff"] == doc["entries"][1]["values"]
    assert doc["seats"] == 4 and doc["waiting"] == 0
    text = json.dumps(doc)
    for a in apps:
        assert a.id not in text
        for secret in (a.child.nisn, a.child.birth_date.isoformat(), a.child.nik_hmac,
                       a.home.address, a.child.name.split()[0]):  # fmt: skip
            assert secret and secret not in text


def test_standing_in_a_snapshot() -> None:
    doc = {"entries": [{"ref": "a", "position": 1}], "waiting_refs": ["b", "c"]}
    assert domain.standing(doc, "a", False) == domain.Standing("admitted", 1)
    assert domain.standing(doc, "c", False) == domain.Standing("waiting", 3)
    assert domain.standing(doc, "z", True).status == "higher_choice"
    assert domain.standing(doc, "z", False).status == "pending"
    assert domain.standing(None, "a", False).status == "unavailable"


def _outcome(**kw: Any) -> Outcome:
    values: dict[str, Any] = {
        "run": 1,
        "school": None,
        "route": "domisili",
        "ranks": (35,),
        "cutoffs": ((4.0, 4700.0, 120.0),),
        "values": ((3.0, 4800.0, 300.0),),
    }
    values.update(kw)
    return Outcome(**values)


FIELDS = ("domicile_score", "age_days", "registration_seq")


def test_explains_a_refusal_with_rank_seats_and_the_last_admitted_values() -> None:
    text = domain.explain_choice(
        number=1, school_name="SMP Negeri 1", route="domisili", fields=FIELDS,
        outcome=_outcome(), index=0, seats=32, admitted_choice=None, on=ON,
    )  # fmt: skip
    assert text == (
        "Pilihan 1 (SMP Negeri 1): tidak diterima. Peringkat Anda 35 dari 32 kursi; "
        f"nilai terakhir yang diterima: skor domisili 4, usia {domain.age_text(4700, ON)}, "
        "nomor urut pendaftaran 120. Nilai Anda: skor domisili 3, usia "
        f"{domain.age_text(4800, ON)}, nomor urut pendaftaran 300."
    )


def test_explains_admission_a_higher_choice_and_a_route_without_seats() -> None:
    out = _outcome(school="A", ranks=(3, 40), cutoffs=((4.0, 1.0, 1.0), None),
                   values=((5.0, 1.0, 1.0), (5.0, 1.0, 1.0)))  # fmt: skip
    common: dict[str, Any] = {"route": "domisili", "fields": FIELDS, "outcome": out, "on": ON}
    first = domain.explain_choice(
        number=1, school_name="A", index=0, seats=32, admitted_choice=0, **common
    )
    assert first == "Pilihan 1 (A): DITERIMA di jalur domisili. Peringkat Anda 3 dari 32 kursi."
    second = domain.explain_choice(
        number=2, school_name="B", index=1, seats=32, admitted_choice=0, **common
    )
    assert "sudah diterima di pilihan 1" in second
    none = domain.explain_choice(
        number=1, school_name="C", index=0, seats=0, admitted_choice=None,
        **{**common, "outcome": _outcome(cutoffs=(None,))},
    )  # fmt: skip
    assert none == "Pilihan 1 (C): tidak diterima; sekolah ini tidak memiliki kursi jalur domisili."
    assert "tidak termasuk daftar sekolah" in domain.explain_choice(
        number=1, school_name="D", index=0, seats=None, admitted_choice=None,
        **{**common, "outcome": _outcome(ranks=(None,))},
    )  # fmt: skip
