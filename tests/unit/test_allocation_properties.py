"""Seat allocation: hypothesis properties of deferred acceptance with spillover."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.admissions.allocation.__main__ import solve_fast, solve_reference

FIELDS = ("f0", "f1", "f2")
SETTINGS = settings(max_examples=120, deadline=None)
values = st.one_of(st.integers(0, 3), st.sampled_from([0.5, 1.5, 2.0, -1.25]))


@st.composite
def instances(draw: st.DrawFn) -> dict[str, Any]:
    n_routes = draw(st.integers(1, 3))
    routes = []
    for r in range(n_routes):
        spill = (
            draw(st.one_of(st.none(), st.integers(r + 1, n_routes - 1)))
            if r + 1 < n_routes
            else None
        )
        fields = draw(st.lists(st.sampled_from(FIELDS), max_size=3, unique=True))
        crits = [{"field": f, "order": draw(st.sampled_from(["asc", "desc"]))} for f in fields]
        routes.append(
            {"id": f"R{r}", "spill_to": None if spill is None else f"R{spill}", "criteria": crits}
        )
    n_schools = draw(st.integers(1, 4))
    schools = []
    for s in range(n_schools):
        seats = {f"R{r}": draw(st.integers(0, 3)) for r in range(n_routes) if draw(st.booleans())}
        schools.append({"id": f"S{s}", "seats": seats})
    n_apps = draw(st.integers(0, 14))
    names = draw(st.permutations([f"A{i:02d}" for i in range(n_apps)]))
    applicants = []
    for aid in names:
        listed = draw(st.lists(st.integers(0, n_schools - 1), unique=True, max_size=n_schools))
        choices = []
        for s in listed:
            over = draw(st.dictionaries(st.sampled_from(FIELDS), values, max_size=2))
            choices.append({"school": f"S{s}", "attrs": over})
        attrs = {f: draw(values) for f in FIELDS}
        route = f"R{draw(st.integers(0, n_routes - 1))}"
        applicants.append({"id": aid, "route": route, "attrs": attrs, "choices": choices})
    return {"routes": routes, "schools": schools, "applicants": applicants}


def solve(doc: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(solve_fast(json.dumps(doc).encode()))
    return out


def priority(doc: dict[str, Any], app: dict[str, Any], school: str) -> tuple[Any, ...]:
    """Smaller is better: the route's criteria (desc negated), then the id."""
    route = next(r for r in doc["routes"] if r["id"] == app["route"])
    choice = next(c for c in app["choices"] if c["school"] == school)
    key = []
    for crit in route["criteria"]:
        value = choice["attrs"].get(crit["field"], app["attrs"][crit["field"]])
        key.append(-value if crit["order"] == "desc" else value)
    return (*key, app["id"])


def capacities(doc: dict[str, Any], out: dict[str, Any]) -> dict[tuple[str, str], int]:
    """Seats per (school, route) after spillover, recomputed from the admitted counts."""
    cap: dict[tuple[str, str], int] = {}
    for school in doc["schools"]:
        for route in doc["routes"]:
            cap[school["id"], route["id"]] = school["seats"].get(route["id"], 0)
    held = admitted(doc, out)
    for route in doc["routes"]:
        if route["spill_to"] is None:
            continue
        for school in doc["schools"]:
            key = (school["id"], route["id"])
            cap[school["id"], route["spill_to"]] += cap[key] - len(held.get(key, []))
    return cap


def admitted(doc: dict[str, Any], out: dict[str, Any]) -> dict[tuple[str, str], list[Any]]:
    held: dict[tuple[str, str], list[Any]] = {}
    for app in doc["applicants"]:
        school = out["assignments"][app["id"]]
        if school is not None:
            held.setdefault((school, app["route"]), []).append(app)
    return held


def preferred(app: dict[str, Any], placed: str | None) -> list[str]:
    """The schools the applicant listed above its placement (all of them when unplaced)."""
    listed = [c["school"] for c in app["choices"]]
    return listed if placed is None else listed[: listed.index(placed)]


@SETTINGS
@given(instances())
def test_every_applicant_is_present_and_no_school_over_its_seats(doc: dict[str, Any]) -> None:
    out = solve(doc)
    assert set(out["assignments"]) == {a["id"] for a in doc["applicants"]}
    cap = capacities(doc, out)
    for key, apps in admitted(doc, out).items():
        assert len(apps) <= cap[key]
    for (school, route), seats in cap.items():
        assert out["seats"][school][route]["capacity"] == seats


@SETTINGS
@given(instances())
def test_every_admitted_applicant_is_admitted_to_one_of_its_choices(doc: dict[str, Any]) -> None:
    out = solve(doc)
    for app in doc["applicants"]:
        school = out["assignments"][app["id"]]
        assert school is None or school in [c["school"] for c in app["choices"]]


@SETTINGS
@given(instances())
def test_stability_no_blocking_pair_within_a_route(doc: dict[str, Any]) -> None:
    out = solve(doc)
    held = admitted(doc, out)
    for app in doc["applicants"]:
        for school in preferred(app, out["assignments"][app["id"]]):
            mine = priority(doc, app, school)
            for other in held.get((school, app["route"]), []):
                assert priority(doc, other, school) < mine


@SETTINGS
@given(instances())
def test_non_wastefulness(doc: dict[str, Any]) -> None:
    out = solve(doc)
    cap = capacities(doc, out)
    held = admitted(doc, out)
    for app in doc["applicants"]:
        for school in preferred(app, out["assignments"][app["id"]]):
            key = (school, app["route"])
            assert len(held.get(key, [])) == cap[key]


@SETTINGS
@given(instances(), st.randoms(use_true_random=False))
def test_determinism_same_input_and_shuffled_input(doc: dict[str, Any], rnd: random.Random) -> None:
    out = solve(doc)
    assert solve(doc) == out
    shuffled = dict(doc)
    shuffled["applicants"] = rnd.sample(doc["applicants"], len(doc["applicants"]))
    shuffled["schools"] = rnd.sample(doc["schools"], len(doc["schools"]))
    again = solve(shuffled)
    assert again["assignments"] == out["assignments"]
    assert again["ranks"] == out["ranks"]
    assert again["cutoffs"] == out["cutoffs"]
    assert again["seats"] == out["seats"]


@SETTINGS
@given(instances(), st.data())
def test_listing_an_extra_school_never_hurts(doc: dict[str, Any], data: st.DataObject) -> None:
    candidates = [
        (i, s["id"])
        for i, a in enumerate(doc["applicants"])
        for s in doc["schools"]
        if s["id"] not in {c["school"] for c in a["choices"]}
    ]
    if not candidates:
        return
    i, extra = data.draw(st.sampled_from(candidates))
    before = solve(doc)
    longer = json.loads(json.dumps(doc))
    app = longer["applicants"][i]
    app["choices"].append({"school": extra, "attrs": {}})
    after = solve(longer)
    was = before["assignments"][app["id"]]
    now = after["assignments"][app["id"]]
    listed = [c["school"] for c in app["choices"]]
    if was is not None:
        assert now is not None and listed.index(now) <= listed.index(was)


@SETTINGS
@given(instances())
def test_engine_output_equals_reference_output(doc: dict[str, Any]) -> None:
    data = json.dumps(doc).encode()
    assert json.loads(solve_fast(data)) == json.loads(solve_reference(data))
