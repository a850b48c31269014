"""PPDB results rules: the engine instance from a period's registrations, the tentative and
final placements read from the engine's result, the public snapshot documents (masked names,
coarse values) and the Indonesian explanation of a result. Pure: no I/O, no clock (numpy is
imported by the engine only when ``solve`` runs).

Decisions written down here:

- The instance has the CLI's shape (issue 3 section 4): routes in period order with their
  ``spill_to`` and criteria, schools with their seats per route from the period's live school
  list, applicants with the server-derived ``attrs`` and per-choice ``attrs`` of their
  registration. ``registration_seq`` falls back to the registration's sequence number.
- An applicant whose registration lacks a value a criterion of its route needs (or has a value
  that is not a finite number), or whose route is not a route of the period, is left out and
  reported in ``Instance.problems``: the live snapshot goes on without it (and logs), the final
  allocation refuses to run (a silently dropped child is worse than a late, retried run).
- A choice naming a school that is not in the period's live school list is not sent to the
  engine (its rank and cutoff stay empty and the explanation says why); a repeated choice is
  sent once.
- Public snapshot entries are the applicants the engine currently places at that school in that
  route, best first (``position`` 1..n). ``waiting`` are the applicants of the route who listed
  the school and were turned down by it (unplaced, or placed at a later choice), best first;
  only their count and unlinkable refs are published, continuing the positions after the last
  entry. Applicants placed at an earlier choice do not wait at this school.
- Public values: ``age_days`` as "12 th 4 bl" (age on 1 July of the school year, never a birth
  date), ``distance_m`` rounded to 10 m, other numbers as they are. Names: each word's first two
  letters and ``***``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from chalicelib.admissions import allocation
from chalicelib.admissions.application import Application, Outcome
from chalicelib.admissions.domain import Period, Route
from chalicelib.admissions.records import PeriodSchool

FIELD_LABELS = {
    "domicile_score": "skor domisili",
    "zone_score": "skor wilayah",
    "age_days": "usia",
    "distance_m": "jarak",
    "rapor_avg": "rata-rata rapor",
    "registration_seq": "nomor urut pendaftaran",
    "achievement_score": "skor prestasi",
}
EXPORT_LABELS = {
    "domicile_score": "Skor domisili",
    "zone_score": "Skor wilayah",
    "age_days": "Usia (hari)",
    "distance_m": "Jarak (m)",
    "rapor_avg": "Rata-rata rapor",
    "registration_seq": "No. urut pendaftaran",
    "achievement_score": "Skor prestasi",
}


# -- presentation of people and values ----------------------------------------------------------


def mask_name(name: str) -> str:
    """``"Siti Aminah"`` -> ``"Si*** Am***"``: two letters of each word, nothing more."""
    words = name.split()
    return " ".join(w[:2] + "***" for w in words) if words else "***"


def age_reference(period: Period) -> date | None:
    """The age cut-off date of a period: 1 July of the first year of its school year."""
    try:
        return date(int(period.school_year[:4]), 7, 1)
    except ValueError:
        return None


def age_text(days: float, on: date | None) -> str:
    """Age in whole years and months on ``on`` from an age in days ("12 th 4 bl")."""
    if on is None:
        months = int(days // 30.436875)
    else:
        birth = on - timedelta(days=int(days))
        months = (on.year - birth.year) * 12 + (on.month - birth.month) - (on.day < birth.day)
    years, rest = divmod(max(months, 0), 12)
    return f"{years} th {rest} bl"


def round_10m(metres: float) -> int:
    """Distance shown to the public: to the nearest 10 m (halves up)."""
    return math.floor(metres / 10.0 + 0.5) * 10


def public_value(name: str, value: float, on: date | None) -> str | int | float:
    """One ranking value as the public may see it."""
    if name == "age_days":
        return age_text(value, on)
    if name == "distance_m":
        return round_10m(value)
    return int(value) if float(value).is_integer() else round(float(value), 2)


def _number_text(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def value_text(name: str, value: float, on: date | None) -> str:
    """``"skor domisili 4"``, ``"usia 12 th 4 bl"``, ``"jarak 1.230 m"``."""
    label = FIELD_LABELS.get(name, name)
    if name == "age_days":
        return f"{label} {age_text(value, on)}"
    if name == "distance_m":
        return f"{label} {round_10m(value):,} m".replace(",", ".")
    return f"{label} {_number_text(value)}"


def values_text(fields: Sequence[str], values: Sequence[float], on: date | None) -> str:
    return ", ".join(value_text(f, v, on) for f, v in zip(fields, values, strict=False))


# -- the engine instance ------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One registered applicant as the engine sees it."""

    app_id: str
    route: str
    name: str
    choices: tuple[str, ...]  # the registration's choices, in order
    kept: tuple[int, ...]  # indexes of the choices sent to the engine
    values: tuple[tuple[float, ...], ...]  # per registration choice: criteria values (or ())

    def choice_of(self, npsn: str) -> int | None:
        return next((i for i in self.kept if self.choices[i] == npsn), None)


@dataclass
class Instance:
    spec: allocation.AllocationInstance  # what the engine's typed API takes
    candidates: dict[str, Candidate]
    fields: dict[str, tuple[str, ...]]  # route -> criteria fields
    problems: list[str] = field(default_factory=list)

    @property
    def doc(self) -> dict[str, Any]:
        """The same instance as the CLI's JSON (for files and tests; the jobs never build it)."""
        return self.spec.to_document()


def _number(value: object) -> float | None:
    if type(value) not in (int, float):
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _numeric(attrs: dict[str, Any]) -> dict[str, float]:
    return {k: v for k, v in attrs.items() if _number(v) is not None}


def build_instance(
    period: Period, schools: Sequence[PeriodSchool], apps: Iterable[Application]
) -> Instance:
    routes = {r.id: r for r in period.routes}
    fields = {r.id: tuple(c.field for c in r.criteria) for r in period.routes}
    by_npsn = {s.npsn: s for s in schools}
    applicants: list[allocation.Applicant] = []
    spec = allocation.AllocationInstance(
        routes=[
            allocation.RouteSpec(
                r.id,
                [allocation.Criterion(c.field, c.order) for c in r.criteria],
                r.spill_to,
            )
            for r in period.routes
        ],
        schools=[
            allocation.SchoolSeats(
                s.npsn, {rid: max(int(s.seats.get(rid, 0)), 0) for rid in routes}
            )
            for s in by_npsn.values()
        ],
        applicants=applicants,
    )
    inst = Instance(spec, {}, fields)
    for app in apps:
        reg = app.registration
        if reg is None or app.id in inst.candidates:
            continue
        if reg.route not in routes:
            inst.problems.append(f"{app.id}: route {reg.route!r} is not a route of the period")
            continue
        attrs = _numeric(reg.attrs)
        attrs.setdefault("registration_seq", float(reg.seq))
        kept: list[int] = []
        values: list[tuple[float, ...]] = []
        choices: list[allocation.Choice] = []
        missing: set[str] = set()
        for i, npsn in enumerate(reg.choices):
            cattrs = _numeric(reg.choice_attrs[i]) if i < len(reg.choice_attrs) else {}
            if npsn not in by_npsn or any(reg.choices[j] == npsn for j in kept):
                values.append(())
                continue
            row = []
            for name in fields[reg.route]:
                value = cattrs.get(name, attrs.get(name))
                if value is None:
                    missing.add(name)
                    value = 0.0
                row.append(float(value))
            kept.append(i)
            values.append(tuple(row))
            choices.append(allocation.Choice(npsn, cattrs))
        if missing:
            inst.problems.append(f"{app.id}: missing ranking values {sorted(missing)}")
            continue
        inst.candidates[app.id] = Candidate(
            app.id, reg.route, app.child.name, tuple(reg.choices), tuple(kept), tuple(values)
        )
        applicants.append(allocation.Applicant(app.id, reg.route, choices, attrs))
    return inst


def solve(inst: Instance) -> dict[str, Any]:
    """Run the allocation engine in this process through its typed API (no fork, no JSON):
    the result document of the CLI (assignments, ranks, cutoffs, seats)."""
    if not inst.spec.schools:
        return {
            "assignments": {aid: None for aid in inst.candidates},
            "ranks": {aid: [] for aid in inst.candidates},
            "cutoffs": {},
            "seats": {},
        }
    return allocation.allocate(inst.spec).to_document()


# -- reading a result ---------------------------------------------------------------------------


def _cutoff_values(
    result: dict[str, Any], npsn: str, route: str, fields: Sequence[str]
) -> tuple[float, ...] | None:
    cut = result.get("cutoffs", {}).get(npsn, {}).get(route)
    if not cut:
        return None
    return tuple(float(cut["values"][f]) for f in fields)


def seats_of(result: dict[str, Any], npsn: str, route: str) -> int:
    return int(result.get("seats", {}).get(npsn, {}).get(route, {}).get("capacity", 0))


def outcome(inst: Instance, result: dict[str, Any], cand: Candidate, run: int) -> Outcome:
    """What the allocation decided for one applicant, per registration choice."""
    ranks: list[int | None] = [None] * len(cand.choices)
    cutoffs: list[tuple[float, ...] | None] = [None] * len(cand.choices)
    engine_ranks = result["ranks"].get(cand.app_id, [])
    fields = inst.fields[cand.route]
    for j, i in enumerate(cand.kept):
        ranks[i] = int(engine_ranks[j]) if j < len(engine_ranks) else None
        cutoffs[i] = _cutoff_values(result, cand.choices[i], cand.route, fields)
    return Outcome(
        run=run,
        school=result["assignments"].get(cand.app_id),
        route=cand.route,
        ranks=tuple(ranks),
        cutoffs=tuple(cutoffs),
        values=cand.values,
    )


@dataclass
class SchoolList:
    admitted: list[tuple[int, str]] = field(default_factory=list)  # (rank, app id)
    waiting: list[tuple[int, str]] = field(default_factory=list)


def school_lists(inst: Instance, result: dict[str, Any]) -> dict[tuple[str, str], SchoolList]:
    """Per (school, route): who is placed there and who waits there, best first."""
    lists: dict[tuple[str, str], SchoolList] = {}
    for cand in inst.candidates.values():
        placed = result["assignments"].get(cand.app_id)
        ranks = result["ranks"].get(cand.app_id, [])
        placed_at = next((j for j, i in enumerate(cand.kept) if cand.choices[i] == placed), None)
        for j, i in enumerate(cand.kept):
            npsn = cand.choices[i]
            entry = (int(ranks[j]) if j < len(ranks) else 0, cand.app_id)
            target = lists.setdefault((npsn, cand.route), SchoolList())
            if placed_at == j:
                target.admitted.append(entry)
            elif placed_at is None or j < placed_at:
                target.waiting.append(entry)
    for item in lists.values():
        item.admitted.sort()
        item.waiting.sort()
    return lists


# -- public snapshots ---------------------------------------------------------------------------


def snapshot_key(period_id: str, route: str, npsn: str) -> str:
    return f"ppdb/{period_id}/{route}/{npsn}.json"


def index_key(period_id: str) -> str:
    return f"ppdb/{period_id}/index.json"


def snapshot_document(
    *,
    inst: Instance,
    result: dict[str, Any],
    period_id: str,
    route: Route,
    school: PeriodSchool,
    lists: SchoolList | None,
    generated_at: str,
    generated_at_wib: str,
    ref: Callable[[str], str],
    on: date | None,
) -> dict[str, Any]:
    """The public JSON of one school in one route: masked names and coarse values only."""
    fields = inst.fields[route.id]
    lists = lists or SchoolList()

    def values(row: Sequence[float]) -> dict[str, Any]:
        return {f: public_value(f, v, on) for f, v in zip(fields, row, strict=True)}

    entries = []
    for position, (_, aid) in enumerate(lists.admitted, start=1):
        cand = inst.candidates[aid]
        at = cand.choice_of(school.npsn)
        entries.append(
            {
                "position": position,
                "ref": ref(aid),
                "name": mask_name(cand.name),
                "values": values(cand.values[at]) if at is not None else {},
            }
        )
    cutoff = _cutoff_values(result, school.npsn, route.id, fields)
    return {
        "period_id": period_id,
        "route": route.id,
        "npsn": school.npsn,
        "school_name": school.name,
        "seats": seats_of(result, school.npsn, route.id),
        "generated_at": generated_at,
        "generated_at_wib": generated_at_wib,
        "cutoff": None if cutoff is None else values(cutoff),
        "entries": entries,
        "waiting": len(lists.waiting),
        "waiting_refs": [ref(aid) for _, aid in lists.waiting],
    }


@dataclass(frozen=True)
class Standing:
    """Where one applicant stands at one choice in a snapshot."""

    status: str  # admitted | waiting | higher_choice | pending | unavailable
    position: int | None


def standing(doc: dict[str, Any] | None, ref: str, placed_earlier: bool) -> Standing:
    if doc is None:
        return Standing("unavailable", None)
    for entry in doc.get("entries", []):
        if entry.get("ref") == ref:
            return Standing("admitted", int(entry["position"]))
    refs = doc.get("waiting_refs", [])
    if ref in refs:
        return Standing("waiting", len(doc.get("entries", [])) + refs.index(ref) + 1)
    return Standing("higher_choice" if placed_earlier else "pending", None)


# -- explanations ------------------------------------------------------------------------------


def explain_choice(
    *,
    number: int,
    school_name: str,
    route: str,
    fields: Sequence[str],
    outcome: Outcome,
    index: int,
    seats: int | None,
    admitted_choice: int | None,
    on: date | None,
) -> str:
    """One Indonesian sentence on why the applicant was or was not admitted at one choice."""
    head = f"Pilihan {number} ({school_name})"
    rank = outcome.ranks[index] if index < len(outcome.ranks) else None
    own = outcome.values[index] if index < len(outcome.values) else ()
    cutoff = outcome.cutoffs[index] if index < len(outcome.cutoffs) else None
    of_seats = f" dari {seats} kursi" if seats is not None else ""
    if rank is None:
        return (
            f"{head}: sekolah ini tidak termasuk daftar sekolah periode ini, jadi tidak diproses."
        )
    if admitted_choice == index:
        text = f"{head}: DITERIMA di jalur {route}. Peringkat Anda {rank}{of_seats}."
        if seats is not None and rank > seats:
            text += (
                " Sebagian pendaftar di atas Anda diterima di pilihan lain yang lebih mereka"
                " utamakan."
            )
        return text
    if admitted_choice is not None and admitted_choice < index:
        return (
            f"{head}: tidak diproses karena Anda sudah diterima di pilihan "
            f"{admitted_choice + 1} yang lebih Anda utamakan."
        )
    if seats == 0:
        return f"{head}: tidak diterima; sekolah ini tidak memiliki kursi jalur {route}."
    text = f"{head}: tidak diterima. Peringkat Anda {rank}{of_seats}"
    if cutoff is not None:
        text += f"; nilai terakhir yang diterima: {values_text(fields, cutoff, on)}"
    if own:
        text += f". Nilai Anda: {values_text(fields, own, on)}"
    return text + "."


def summary_sentence(admitted_school: str | None, route: str) -> str:
    if admitted_school:
        return f"Selamat, Anda diterima di {admitted_school} melalui jalur {route}."
    return (
        f"Mohon maaf, Anda belum diterima di sekolah pilihan mana pun pada jalur {route}. "
        "Penjelasan tiap pilihan ada di bawah."
    )
