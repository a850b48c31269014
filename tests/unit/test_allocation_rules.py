"""Seat allocation: rule-named examples, and the command-line contract (exit 2 on bad input)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chalicelib.admissions.allocation import InvalidInstance
from chalicelib.admissions.allocation.__main__ import solve_fast, solve_reference

ROOT = Path(__file__).resolve().parents[2]


def route(rid: str, *criteria: str, spill_to: str | None = None) -> dict[str, Any]:
    crits = [{"field": c.split()[0], "order": c.split()[1]} for c in criteria]
    return {"id": rid, "spill_to": spill_to, "criteria": crits}


def app(aid: str, rid: str, *choices: Any, **attrs: Any) -> dict[str, Any]:
    chs = [c if isinstance(c, dict) else {"school": c, "attrs": {}} for c in choices]
    return {"id": aid, "route": rid, "attrs": attrs, "choices": chs}


def solve(doc: dict[str, Any]) -> dict[str, Any]:
    data = json.dumps(doc).encode()
    fast = json.loads(solve_fast(data))
    assert fast == json.loads(solve_reference(data))
    return fast


def placed(doc: dict[str, Any]) -> dict[str, str | None]:
    return solve(doc)["assignments"]


DOMISILI = route("domisili", "score desc")


def test_single_choice_is_plain_ranking_per_school() -> None:
    doc = {
        "routes": [DOMISILI],
        "schools": [{"id": "S1", "seats": {"domisili": 2}}],
        "applicants": [app(f"A{i}", "domisili", "S1", score=i) for i in range(5)],
    }
    out = solve(doc)
    assert out["assignments"] == {"A0": None, "A1": None, "A2": None, "A3": "S1", "A4": "S1"}
    assert out["ranks"]["A4"] == [1] and out["ranks"]["A0"] == [5]
    assert out["cutoffs"]["S1"]["domisili"] == {"last_admitted": "A3", "values": {"score": 3}}
    assert out["seats"]["S1"]["domisili"] == {"capacity": 2, "admitted": 2}


def test_tie_break_is_applicant_id_ascending() -> None:
    doc = {
        "routes": [DOMISILI],
        "schools": [{"id": "S1", "seats": {"domisili": 1}}],
        "applicants": [app("B", "domisili", "S1", score=1), app("A", "domisili", "S1", score=1)],
    }
    assert placed(doc) == {"B": None, "A": "S1"}


def test_displaced_applicant_proposes_to_its_next_choice() -> None:
    # X holds S1 first, then Y (better) takes it, so X moves on to S2.
    doc = {
        "routes": [DOMISILI],
        "schools": [{"id": "S1", "seats": {"domisili": 1}}, {"id": "S2", "seats": {"domisili": 1}}],
        "applicants": [
            app("X", "domisili", "S1", "S2", score=1),
            app("Y", "domisili", "S1", score=5),
        ],
    }
    assert placed(doc) == {"X": "S2", "Y": "S1"}


def test_spillover_adds_unfilled_seats_to_the_later_route() -> None:
    doc = {
        "routes": [route("afirmasi", "score desc", spill_to="domisili"), DOMISILI],
        "schools": [{"id": "S1", "seats": {"afirmasi": 3, "domisili": 1}}],
        "applicants": [
            app("F1", "afirmasi", "S1", score=1),
            *[app(f"D{i}", "domisili", "S1", score=i) for i in range(5)],
        ],
    }
    out = solve(doc)
    assert out["seats"]["S1"] == {
        "afirmasi": {"capacity": 3, "admitted": 1},
        "domisili": {"capacity": 3, "admitted": 3},
    }
    assert [a for a, s in out["assignments"].items() if s] == ["F1", "D2", "D3", "D4"]


def test_no_spillover_when_spill_to_is_null() -> None:
    doc = {
        "routes": [route("afirmasi", "score desc"), DOMISILI],
        "schools": [{"id": "S1", "seats": {"afirmasi": 3, "domisili": 1}}],
        "applicants": [app(f"D{i}", "domisili", "S1", score=i) for i in range(3)],
    }
    out = solve(doc)
    assert out["seats"]["S1"]["domisili"]["capacity"] == 1
    assert out["cutoffs"]["S1"]["afirmasi"] is None


def test_route_missing_from_seats_has_zero_seats() -> None:
    doc = {
        "routes": [route("afirmasi", "score desc"), DOMISILI],
        "schools": [{"id": "S1", "seats": {"afirmasi": 3}}],
        "applicants": [app("D", "domisili", "S1", score=1), app("F", "afirmasi", "S1", score=1)],
    }
    out = solve(doc)
    assert out["assignments"] == {"D": None, "F": "S1"}
    assert out["seats"]["S1"]["domisili"] == {"capacity": 0, "admitted": 0}


@pytest.mark.parametrize(("order", "winner"), [("desc", "OLD"), ("asc", "YOUNG")])
def test_criterion_order_desc_and_asc(order: str, winner: str) -> None:
    doc = {
        "routes": [route("domisili", f"age_days {order}")],
        "schools": [{"id": "S1", "seats": {"domisili": 1}}],
        "applicants": [
            app("OLD", "domisili", "S1", age_days=5000),
            app("YOUNG", "domisili", "S1", age_days=4000),
        ],
    }
    assert placed(doc)[winner] == "S1"


def test_criteria_compare_lexicographically() -> None:
    doc = {
        "routes": [route("domisili", "score desc", "age_days desc", "seq asc")],
        "schools": [{"id": "S1", "seats": {"domisili": 1}}],
        "applicants": [
            app("A", "domisili", "S1", score=4, age_days=5000, seq=2),
            app("B", "domisili", "S1", score=4, age_days=5000, seq=1),
            app("C", "domisili", "S1", score=3, age_days=9000, seq=0),
        ],
    }
    assert placed(doc) == {"A": None, "B": "S1", "C": None}


def test_field_in_choice_attrs_overrides_applicant_attrs() -> None:
    doc = {
        "routes": [DOMISILI],
        "schools": [{"id": "S1", "seats": {"domisili": 1}}, {"id": "S2", "seats": {"domisili": 1}}],
        "applicants": [
            app("A", "domisili", {"school": "S1", "attrs": {"score": 1}}, "S2", score=9),
            app("B", "domisili", "S1", "S2", score=5),
        ],
    }
    out = solve(doc)
    assert out["assignments"] == {"A": "S2", "B": "S1"}
    assert out["ranks"] == {"A": [2, 1], "B": [1, 2]}


def test_float_values_and_applicant_without_choices() -> None:
    doc = {
        "routes": [route("prestasi", "rapor_avg desc")],
        "schools": [{"id": "S1", "seats": {"prestasi": 1}}],
        "applicants": [
            app("A", "prestasi", "S1", rapor_avg=85.5),
            app("B", "prestasi", "S1", rapor_avg=85.25),
            app("C", "prestasi", rapor_avg=99.0),
        ],
    }
    out = solve(doc)
    assert out["assignments"] == {"A": "S1", "B": None, "C": None}
    assert out["ranks"]["C"] == []


def test_routes_are_independent_and_each_applicant_in_one_route() -> None:
    doc = {
        "routes": [route("mutasi", "d asc"), DOMISILI],
        "schools": [{"id": "S1", "seats": {"mutasi": 1, "domisili": 1}}],
        "applicants": [
            app("M1", "mutasi", "S1", d=5, score=0),
            app("M2", "mutasi", "S1", d=1, score=0),
            app("D1", "domisili", "S1", d=0, score=0),
        ],
    }
    assert placed(doc) == {"M1": None, "M2": "S1", "D1": "S1"}


# ---- command-line contract -------------------------------------------------------------

EXAMPLE: dict[str, Any] = {
    "routes": [
        {
            "id": "afirmasi",
            "spill_to": "domisili",
            "criteria": [
                {"field": "zone_score", "order": "desc"},
                {"field": "age_days", "order": "desc"},
                {"field": "registration_seq", "order": "asc"},
            ],
        },
        {
            "id": "domisili",
            "spill_to": None,
            "criteria": [
                {"field": "domicile_score", "order": "desc"},
                {"field": "age_days", "order": "desc"},
            ],
        },
    ],
    "schools": [{"id": "20606001", "seats": {"afirmasi": 30, "domisili": 120}}],
    "applicants": [
        {
            "id": "A0000001",
            "route": "domisili",
            "attrs": {"age_days": 4700, "rapor_avg": 85.5, "registration_seq": 12},
            "choices": [{"school": "20606001", "attrs": {"distance_m": 1200, "domicile_score": 4}}],
        }
    ],
}


def run_cli(tmp_path: Path, payload: bytes, *extra: str) -> subprocess.CompletedProcess[bytes]:
    path = tmp_path / "instance.json"
    path.write_bytes(payload)
    cmd = [sys.executable, "-m", "chalicelib.admissions.allocation", str(path), *extra]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=60, check=False)


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_cli_prints_the_result(tmp_path: Path, engine: str) -> None:
    res = run_cli(tmp_path, json.dumps(EXAMPLE).encode(), "--engine", engine)
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["assignments"] == {"A0000001": "20606001"}
    assert out["ranks"] == {"A0000001": [1]}
    assert out["cutoffs"]["20606001"] == {
        "afirmasi": None,
        "domisili": {
            "last_admitted": "A0000001",
            "values": {"domicile_score": 4, "age_days": 4700},
        },
    }
    assert out["seats"]["20606001"] == {
        "afirmasi": {"capacity": 30, "admitted": 0},
        "domisili": {"capacity": 150, "admitted": 1},
    }


def _mutate(change: Any) -> bytes:
    doc = json.loads(json.dumps(EXAMPLE))
    change(doc)
    return json.dumps(doc).encode()


def _second_applicant(doc: dict[str, Any]) -> None:
    doc["applicants"].append(json.loads(json.dumps(doc["applicants"][0])))


INVALID: dict[str, bytes] = {
    "unknown_school": _mutate(lambda d: d["applicants"][0]["choices"][0].update(school="X")),
    "unknown_route": _mutate(lambda d: d["applicants"][0].update(route="zonasi")),
    "unknown_route_in_seats": _mutate(lambda d: d["schools"][0]["seats"].update(zonasi=3)),
    "unknown_spill_target": _mutate(lambda d: d["routes"][0].update(spill_to="zonasi")),
    "duplicate_choice": _mutate(
        lambda d: d["applicants"][0]["choices"].append(d["applicants"][0]["choices"][0])
    ),
    "missing_field": _mutate(lambda d: d["applicants"][0]["attrs"].pop("age_days")),
    "missing_route_key": _mutate(lambda d: d["applicants"][0].pop("route")),
    "missing_applicants": _mutate(lambda d: d.pop("applicants")),
    "spillover_to_earlier_route": _mutate(lambda d: d["routes"][1].update(spill_to="afirmasi")),
    "spillover_to_itself": _mutate(lambda d: d["routes"][0].update(spill_to="afirmasi")),
    "non_numeric_criterion": _mutate(lambda d: d["applicants"][0]["attrs"].update(age_days="4700")),
    "non_numeric_other_attr": _mutate(lambda d: d["applicants"][0]["attrs"].update(rapor_avg="x")),
    "boolean_value": _mutate(
        lambda d: d["applicants"][0]["choices"][0]["attrs"].update(domicile_score=True)
    ),
    "negative_seats": _mutate(lambda d: d["schools"][0]["seats"].update(domisili=-1)),
    "fractional_seats": _mutate(lambda d: d["schools"][0]["seats"].update(domisili=1.5)),
    "bad_order": _mutate(lambda d: d["routes"][0]["criteria"][0].update(order="up")),
    "duplicate_applicant_id": _mutate(_second_applicant),
    "duplicate_school_id": _mutate(lambda d: d["schools"].append(dict(d["schools"][0]))),
    "duplicate_route_id": _mutate(lambda d: d["routes"].append(dict(d["routes"][1]))),
    "bad_json": b'{"routes": [',
    "nan_literal": json.dumps(EXAMPLE).replace("4700", "NaN").encode(),
    "not_an_object": b"[1, 2, 3]",
    "empty_file": b"",
}


@pytest.mark.parametrize("engine", ["fast", "reference"])
@pytest.mark.parametrize("case", sorted(INVALID))
def test_cli_rejects_invalid_instance(tmp_path: Path, case: str, engine: str) -> None:
    res = run_cli(tmp_path, INVALID[case], "--engine", engine)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert res.stdout == b""
    lines = res.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("invalid instance: "), lines


def test_cli_missing_file_exits_2(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "chalicelib.admissions.allocation", str(tmp_path / "nope.json")]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=60, check=False)
    assert res.returncode == 2 and res.stdout == b"" and len(res.stderr.splitlines()) == 1


@pytest.mark.parametrize("case", sorted(INVALID))
def test_invalid_instances_raise_in_process(case: str) -> None:
    with pytest.raises(InvalidInstance):
        solve_fast(INVALID[case])


def test_chunked_decoding_matches_whole_document(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.admissions.allocation import instance

    monkeypatch.setattr(instance, "_CHUNK_BYTES", 40)
    doc = {
        "routes": [DOMISILI],
        "schools": [{"id": 'S,{"id"', "seats": {"domisili": 2}}, {"id": "T", "seats": {}}],
        "applicants": [
            app(f"A{i}", "domisili", 'S,{"id"', {"school": "T", "attrs": {"score": 1}}, score=i)
            for i in range(30)
        ],
    }
    out = solve(doc)
    assert [a for a, s in out["assignments"].items() if s] == ["A28", "A29"]
    bad = json.dumps(doc).replace('"score": 17}', '"score": "x"}', 1)
    with pytest.raises(InvalidInstance, match="A17"):
        solve_fast(bad.encode())


@pytest.mark.parametrize("where", ["first_half", "second_half", "across_halves"])
def test_chunked_decoding_reports_duplicates_in_either_half(
    monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    from chalicelib.admissions.allocation import instance

    monkeypatch.setattr(instance, "_CHUNK_BYTES", 40)
    ids = [f"A{i:02d}" for i in range(30)]
    ids[{"first_half": 3, "second_half": 27, "across_halves": 29}[where]] = ids[
        {"first_half": 1, "second_half": 25, "across_halves": 0}[where]
    ]
    doc = {
        "routes": [DOMISILI],
        "schools": [{"id": "S", "seats": {"domisili": 2}}],
        "applicants": [app(aid, "domisili", "S", score=1) for aid in ids],
    }
    with pytest.raises(InvalidInstance, match="duplicate applicant id"):
        solve_fast(json.dumps(doc).encode())


def test_chunked_decoding_falls_back_for_pretty_printed_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from chalicelib.admissions.allocation import instance

    monkeypatch.setattr(instance, "_CHUNK_BYTES", 40)
    doc = {
        "routes": [DOMISILI],
        "schools": [{"id": "S", "seats": {"domisili": 2}}],
        "applicants": [app(f"A{i:02d}", "domisili", "S", score=i % 7) for i in range(30)],
    }
    compact = json.loads(solve_fast(json.dumps(doc, separators=(",", ":")).encode()))
    assert json.loads(solve_fast(json.dumps(doc, indent=2).encode())) == compact
    assert compact == json.loads(solve_reference(json.dumps(doc).encode()))


def test_forked_output_equals_the_plain_document(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.admissions.allocation import engine

    doc = {
        "routes": [route("afirmasi", "score desc", spill_to="domisili"), DOMISILI],
        "schools": [{"id": "S1", "seats": {"afirmasi": 1, "domisili": 2}}],
        "applicants": [
            app(f"A{i}", "afirmasi" if i % 3 else "domisili", "S1", score=i) for i in range(9)
        ],
    }
    expected = solve(doc)
    monkeypatch.setattr(engine, "PARALLEL_OUTPUT_FROM", 0)
    assert json.loads(solve_fast(json.dumps(doc).encode())) == expected
