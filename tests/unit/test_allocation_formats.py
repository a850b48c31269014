"""Seat allocation on any valid JSON of the schema, and the typed in-process API.

Every formatting of one instance (compact, ``json.dump`` defaults, indented, keys shuffled,
non-ASCII names) gives byte-identical CLI output; shuffled applicants give the same document
(the output lists applicants in input order). The fast decoder must take its chunked path on
every formatting (small chunks here), never the whole-document fallback.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.allocation import FORMATS, write_instance
from chalicelib.admissions import allocation
from chalicelib.admissions.allocation import instance as decoding
from chalicelib.admissions.allocation.__main__ import solve_fast, solve_reference

ROOT = Path(__file__).resolve().parents[2]


def cli(path: Path) -> bytes:
    res = subprocess.run(
        [sys.executable, "-m", "chalicelib.admissions.allocation", str(path)],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return res.stdout


@pytest.fixture(params=["standard", "hard"])
def written(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for fmt in FORMATS:
        paths[fmt] = tmp_path / f"{fmt}.json"
        write_instance(paths[fmt], 3_000, 90, seed=7, fmt=fmt, kind=request.param)
    return paths


def test_every_formatting_gives_byte_identical_cli_output(written: dict[str, Path]) -> None:
    outputs = {fmt: cli(path) for fmt, path in written.items()}
    compact = outputs.pop("compact")
    shuffled = outputs.pop("shuffled-applicants")
    assert json.loads(compact)["assignments"]  # a real result
    assert outputs == {fmt: compact for fmt in outputs}
    assert json.loads(shuffled) == json.loads(compact)
    assert shuffled != compact  # listed in their own (input) order


def test_every_formatting_decodes_in_chunks_and_matches_the_baseline(
    written: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small chunks (so also the two-process split): the chunked path must carry every
    formatting; the whole-document fallback is not allowed here."""
    expected = json.loads(solve_reference(written["compact"].read_bytes()))
    monkeypatch.setattr(decoding, "_CHUNK_BYTES", 40_000)
    pieces: list[int] = []
    decode = decoding._decode_in_place

    def counted(data: bytearray, pos: int, stop: int, dec: Any) -> Any:
        pieces.append(stop - pos)
        return decode(data, pos, stop, dec)

    def no_fallback(doc: object) -> decoding.Instance:
        raise AssertionError("the whole document was decoded at once")

    monkeypatch.setattr(decoding, "_decode_in_place", counted)
    monkeypatch.setattr(decoding, "from_document", no_fallback)
    for fmt, path in written.items():
        pieces.clear()
        out = json.loads(solve_fast(path.read_bytes()))
        assert len(pieces) >= 3, fmt  # the parent's share is cut in several pieces
        assert out == expected, fmt


def test_a_name_that_looks_like_an_applicant_boundary_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(decoding, "_CHUNK_BYTES", 200)
    trap = '}, {"id": "X", "route": "domisili", "choices": []}, {'
    doc = {
        "routes": [{"id": "domisili", "criteria": [{"field": "s", "order": "desc"}]}],
        "schools": [{"id": "S1", "seats": {"domisili": 3}}],
        "applicants": [
            {"id": f"Ä{i:03d}", "route": "domisili", "name": trap,
             "choices": [{"school": "S1", "attrs": {"s": i % 7}}]}
            for i in range(60)
        ],
    }  # fmt: skip
    for data in (json.dumps(doc), json.dumps(doc, indent=1, ensure_ascii=False)):
        assert json.loads(solve_fast(data.encode())) == json.loads(solve_reference(data.encode()))


def typed(doc: dict[str, Any]) -> allocation.AllocationInstance:
    return allocation.AllocationInstance(
        routes=[
            allocation.RouteSpec(
                r["id"],
                [allocation.Criterion(c["field"], c["order"]) for c in r["criteria"]],
                r.get("spill_to"),
            )
            for r in doc["routes"]
        ],
        schools=[allocation.SchoolSeats(s["id"], s["seats"]) for s in doc["schools"]],
        applicants=[
            allocation.Applicant(
                a["id"],
                a["route"],
                [allocation.Choice(c["school"], c.get("attrs", {})) for c in a["choices"]],
                a.get("attrs", {}),
            )
            for a in doc["applicants"]
        ],
    )


def test_typed_api_gives_what_the_command_line_gives(written: dict[str, Path]) -> None:
    doc = json.loads(written["shuffled-applicants"].read_bytes())
    result = allocation.allocate(typed(doc))
    assert isinstance(result, allocation.AllocationResult)
    cut = next(c for row in result.cutoffs.values() for c in row.values() if c is not None)
    assert isinstance(cut, allocation.Cutoff) and cut.last_admitted in result.assignments
    expected = cli(written["shuffled-applicants"])
    assert json.dumps(result.to_document(), separators=(",", ":")).encode() + b"\n" == expected
    assert typed(doc).to_document()["applicants"][0] == {
        k: doc["applicants"][0][k] for k in ("id", "route", "attrs", "choices")
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["applicants"][0]["choices"].append({"school": "nope"}), "unknown school"),
        (lambda d: d["applicants"][1].update(route="nope"), "unknown route"),
        (lambda d: d["applicants"][2]["attrs"].update(s="x"), "is not a number"),
        (lambda d: d["applicants"][3].update(id="A000"), "duplicate applicant id"),
        (lambda d: d["applicants"][4]["choices"].append({"school": "S1"}), "duplicate choice"),
        (lambda d: d["applicants"][5]["attrs"].pop("s"), "missing field 's'"),
    ],
)
def test_typed_api_rejects_what_the_command_line_rejects(change: Any, message: str) -> None:
    doc = {
        "routes": [{"id": "domisili", "criteria": [{"field": "s", "order": "desc"}]}],
        "schools": [{"id": "S1", "seats": {"domisili": 2}}],
        "applicants": [
            {"id": f"A{i:03d}", "route": "domisili", "attrs": {"s": random.random()},
             "choices": [{"school": "S1"}]}
            for i in range(8)
        ],
    }  # fmt: skip
    allocation.allocate(typed(doc))
    change(doc)
    with pytest.raises(allocation.InvalidInstance, match=message):
        allocation.allocate(typed(doc))
    with pytest.raises(allocation.InvalidInstance, match=message):
        solve_fast(json.dumps(doc).encode())
