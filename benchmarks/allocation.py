"""Seat allocation engine: CLI end to end (JSON in, JSON out) against the heap-based baseline.

Generates seeded instances (applicants x 3 choices x schools x 4 routes), writes them as JSON to
a temporary directory, and runs each program in a fresh interpreter from the repository root:

    (a) ``python -m chalicelib.admissions.allocation INSTANCE.json``
    (b) the same with ``--engine reference`` (plain heap-based Python deferred acceptance)

reporting wall seconds, the child's peak RSS (``ru_maxrss``), the speedup ratio, and whether
the two outputs' assignments are identical. Every instance is written in each formatting of
``FORMATS`` (compact, ``json.dump`` defaults, indented, shuffled keys, shuffled applicants,
non-ASCII names), one row each, and the output is compared with the compact writing's. Kinds:
``standard`` (seats for ~85% of applicants) and ``hard`` (see ``KINDS``).

    python -m benchmarks.allocation [--sizes small,large] [--kinds standard,hard]
        [--formats compact,default,...] [--baseline-sizes small] [--baseline-timeout SECONDS]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZES = {"tiny": (5_000, 100), "small": (100_000, 300), "large": (1_000_000, 2_000)}
CHOICES = 3
ROUTE_SHARE = (("afirmasi", 0.15), ("mutasi", 0.05), ("prestasi", 0.30), ("domisili", 0.50))
CRITERIA = {
    "afirmasi": [("zone_score", "desc"), ("age_days", "desc"), ("rapor_avg", "desc"),
                 ("registration_seq", "asc")],
    "mutasi": [("distance_m", "asc"), ("age_days", "desc"), ("registration_seq", "asc")],
    "prestasi": [("rapor_avg", "desc"), ("age_days", "desc"), ("registration_seq", "asc")],
    "domisili": [("domicile_score", "desc"), ("age_days", "desc"), ("rapor_avg", "desc"),
                 ("registration_seq", "asc")],
}  # fmt: skip


FORMATS = ("compact", "default", "indented", "shuffled-keys", "shuffled-applicants", "non-ascii")
NAMES = ("Siti Äminah", "Dewi Ñurhaliza", "Budi Śantoso", "Ayu Łestari", "Rizky Ğunawan", "Nur 名")


@dataclass(frozen=True)
class Kind:
    """The shape of a generated instance: ``standard``, or ``hard`` (seats for ~45% of the
    applicants, chained spillover, every ranking field in both the choice and applicant attrs)."""

    name: str
    seat_share: float
    order: tuple[str, ...]
    spill: dict[str, str]
    both: bool


KINDS = {
    "standard": Kind(
        "standard",
        0.85,
        ("afirmasi", "mutasi", "prestasi", "domisili"),
        {"afirmasi": "domisili", "mutasi": "domisili", "prestasi": "domisili"},
        False,
    ),
    "hard": Kind(
        "hard",
        0.45,
        ("mutasi", "afirmasi", "prestasi", "domisili"),
        {"mutasi": "afirmasi", "afirmasi": "domisili", "prestasi": "domisili"},
        True,
    ),
}


def _routes(kind: Kind) -> list[dict[str, Any]]:
    return [
        {
            "id": name,
            "spill_to": kind.spill.get(name),
            "criteria": [{"field": f, "order": o} for f, o in CRITERIA[name]],
        }
        for name in kind.order
    ]


def _schools(n_schools: int, n_applicants: int, rng: Any, kind: Kind) -> list[dict[str, Any]]:
    # seat_share as many seats as applicants, split by the route shares with random noise.
    mean = kind.seat_share * n_applicants / n_schools
    capacity = rng.integers(int(mean * 0.5), int(mean * 1.5) + 1, size=n_schools)
    schools = []
    for k in range(n_schools):
        cap = int(capacity[k])
        seats = {name: int(cap * share) for name, share in ROUTE_SHARE[:-1]}
        seats["domisili"] = cap - sum(seats.values())
        schools.append({"id": f"2060{k:04d}", "seats": seats})
    return schools


def _applicant_chunk(
    start: int, stop: int, n_schools: int, rng: Any, kind: Kind
) -> list[dict[str, Any]]:
    import numpy as np

    n = stop - start
    shares = np.array([s for _, s in ROUTE_SHARE])
    route_idx = rng.choice(len(ROUTE_SHARE), size=n, p=shares / shares.sum())
    home = rng.integers(0, n_schools, size=n)
    offsets = np.stack([np.zeros(n, np.int64)] + [rng.integers(1, 40, size=n)] * 1, axis=1)
    picks = np.concatenate([offsets, offsets[:, 1:] + rng.integers(1, 40, size=(n, 1))], axis=1)
    schools = (home[:, None] + picks) % n_schools
    age = rng.integers(4400, 5500, size=n)
    rapor = np.round(rng.uniform(70, 100, size=n), 1)
    distance = rng.integers(100, 15_000, size=(n, CHOICES))
    domicile = rng.integers(1, 6, size=(n, CHOICES))
    zone = rng.integers(1, 3, size=(n, CHOICES))
    names = [name for name, _ in ROUTE_SHARE]
    out = []
    for i in range(n):
        attrs: dict[str, Any] = {
            "age_days": int(age[i]),
            "rapor_avg": float(rapor[i]),
            "registration_seq": start + i + 1,
        }
        if kind.both:  # every field in both places: the choice's value wins
            attrs |= {"distance_m": 20_000, "domicile_score": 0, "zone_score": 0}
        choices = []
        for c in range(CHOICES):
            cattrs: dict[str, Any] = {
                "distance_m": int(distance[i, c]),
                "domicile_score": int(domicile[i, c]),
                "zone_score": int(zone[i, c]),
            }
            if kind.both:
                cattrs |= {"age_days": int(age[i]) - c, "rapor_avg": float(rapor[i]),
                           "registration_seq": start + i + 1}  # fmt: skip
            choices.append({"school": f"2060{int(schools[i, c]):04d}", "attrs": cattrs})
        out.append(
            {
                "id": f"A{start + i:07d}",
                "route": names[int(route_idx[i])],
                "attrs": attrs,
                "choices": choices,
            }
        )
    return out


def _shuffled(value: Any, rng: Any) -> Any:
    """The same JSON value with the keys of every object in a random order."""
    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled(value[k], rng) for k in keys}
    if isinstance(value, list):
        return [_shuffled(v, rng) for v in value]
    return value


def _dumps(value: Any, fmt: str) -> bytes:
    """One JSON value written the way ``fmt`` says (see FORMATS)."""
    import json

    import orjson

    if fmt == "compact":
        return orjson.dumps(value)
    if fmt == "indented":
        return json.dumps(value, indent=2).encode()
    return json.dumps(value, ensure_ascii=fmt != "non-ascii").encode()  # ", " and ": "


def write_instance(
    path: Path,
    n_applicants: int,
    n_schools: int,
    seed: int = 2026,
    fmt: str = "compact",
    kind: str = "standard",
) -> None:
    """Write one instance; every ``fmt`` of one (size, seed, kind) is the same instance."""
    import numpy as np

    shape = KINDS[kind]
    mix = np.random.default_rng(seed + 1)  # formatting randomness only
    head = {
        "routes": _routes(shape),
        "schools": _schools(n_schools, n_applicants, np.random.default_rng(seed), shape),
    }
    step = 100_000
    chunks = list(range(0, n_applicants, step))
    if fmt == "shuffled-applicants":
        chunks = [chunks[int(i)] for i in mix.permutation(len(chunks))]
    if fmt == "shuffled-keys":  # the applicants first, then the rest
        top = _dumps(_shuffled(head, mix), "default").strip()
        prefix, suffix = b'{"applicants": [', b"], " + top[1:]
    elif fmt == "indented":
        top = _dumps(head, fmt).rstrip()
        prefix, suffix = top[:-1].rstrip() + b',\n  "applicants": [\n', b"\n  ]\n}"
    else:
        top = _dumps(head, fmt)
        key = b',"applicants":[' if fmt == "compact" else b', "applicants": ['
        prefix, suffix = top[:-1] + key, b"]}"
    with path.open("wb") as fh:
        fh.write(prefix)
        for k, start in enumerate(chunks):
            rng = np.random.default_rng((seed, start))  # one stream per chunk: any order
            chunk = _applicant_chunk(start, min(start + step, n_applicants), n_schools, rng, shape)
            if fmt == "shuffled-applicants":
                chunk = [chunk[int(i)] for i in mix.permutation(len(chunk))]
            elif fmt == "shuffled-keys":
                chunk = _shuffled(chunk, mix)
            elif fmt == "non-ascii":
                for i, app in enumerate(chunk):
                    app["name"] = f"{NAMES[(start + i) % len(NAMES)]} {start + i}"
            if k:
                fh.write(b"," if fmt == "compact" else b",\n" if fmt == "indented" else b", ")
            fh.write(_dumps(chunk, fmt).strip()[1:-1].strip())
        fh.write(suffix)


@dataclass
class Run:
    seconds: float | None
    peak_mb: float | None
    output: Path | None
    note: str = ""
    cpu: float | None = None  # user + system seconds of the process tree


def _run(args: list[str], out: Path, timeout: float | None) -> Run:
    code = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "with open(sys.argv[1], 'wb') as fh:\n"
        "    try:\n"
        "        rc = subprocess.run(sys.argv[3:], stdout=fh, timeout=float(sys.argv[2]) or None)"
        ".returncode\n"
        "    except subprocess.TimeoutExpired:\n"
        "        rc = 'timeout'\n"
        "dt = time.perf_counter() - t\n"
        "ru = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(rc, dt, ru.ru_maxrss, ru.ru_utime + ru.ru_stime)\n"
    )
    cmd = [sys.executable, "-c", code, str(out), str(timeout or 0), sys.executable, *args]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    rc, dt, kb, cpu = res.stdout.split()
    if rc == "timeout":
        return Run(None, None, None, f"> {timeout:.0f} s (timeout)")
    if rc != "0":
        return Run(None, None, None, f"exit {rc}")
    return Run(float(dt), int(kb) / 1024, out, cpu=float(cpu))


def _same_result(a: Path, b: Path) -> str:
    """``bytes`` if the outputs are byte-identical, ``same`` if equal as documents (the
    applicants listed in another order), else ``DIFFERENT``."""
    import orjson

    left, right = a.read_bytes(), b.read_bytes()
    if left == right:
        return "bytes"
    return "same" if orjson.loads(left) == orjson.loads(right) else "DIFFERENT"


def _same_assignments(a: Path, b: Path) -> bool:
    import orjson

    left = orjson.loads(a.read_bytes())["assignments"]
    right = orjson.loads(b.read_bytes())["assignments"]
    return bool(left == right)


def _fmt(run: Run) -> tuple[str, str]:
    if run.seconds is None:
        return run.note, "-"
    return f"{run.seconds:.2f} ({run.cpu:.2f})", f"{run.peak_mb:.0f}"


def bench(
    size: str, kind: str, fmt: str, tmp: Path, baseline_timeout: float | None
) -> tuple[str, Path | None]:
    """One table row: the CLI (and the baseline unless ``baseline_timeout`` is None)."""
    n_app, n_sch = SIZES[size]
    inst = tmp / f"{size}.{kind}.{fmt}.json"
    t = time.perf_counter()
    write_instance(inst, n_app, n_sch, fmt=fmt, kind=kind)
    gen = time.perf_counter() - t
    mb = inst.stat().st_size / 2**20
    print(f"# {size} {kind} {fmt}: {mb:.0f} MB generated in {gen:.1f} s", file=sys.stderr)
    module = ["-m", "chalicelib.admissions.allocation", str(inst)]
    fast = _run(module, tmp / f"{size}.{kind}.{fmt}.engine.out", None)
    ratio, same = "-", "n/a"
    rs, rm = "not run", "-"
    if baseline_timeout is not None:
        out = tmp / f"{size}.{kind}.{fmt}.reference.out"
        ref = _run([*module, "--engine", "reference"], out, baseline_timeout)
        if fast.seconds and ref.seconds and fast.cpu and ref.cpu:
            ratio = f"{ref.seconds / fast.seconds:.1f}x ({ref.cpu / fast.cpu:.1f}x)"
        elif fast.seconds and ref.seconds is None and ref.note.startswith(">"):
            ratio = f"> {baseline_timeout / fast.seconds:.1f}x"
        if fast.output and ref.output:
            same = "identical" if _same_assignments(fast.output, ref.output) else "DIFFERENT"
        rs, rm = _fmt(ref)
        if ref.output:
            ref.output.unlink()
    inst.unlink()
    fs, fm = _fmt(fast)
    label = f"{n_app:,} x {CHOICES} x {n_sch:,} x 4"
    row = f"| {label} | {kind} | {fmt} | {mb:.0f} | {fs} | {fm} | {rs} | {rm} | {ratio} | {same} |"
    return row, fast.output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--kinds", default="standard,hard")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--baseline-sizes", default="small", help="sizes the baseline runs on")
    parser.add_argument("--baseline-timeout", type=float, default=600.0)
    parser.add_argument("--keep", help="directory to keep the outputs in")
    args = parser.parse_args()
    rows = [
        "| instance (applicants x choices x schools x routes) | kind | formatting | MB "
        "| CLI s (cpu s) | CLI peak MB | baseline s (cpu s) | baseline peak MB "
        "| speedup wall (cpu) | assignments "
        "| output vs compact |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(args.keep) if args.keep else Path(tmpdir)
        tmp.mkdir(parents=True, exist_ok=True)
        for size in args.sizes.split(","):
            for kind in args.kinds.split(","):
                first: Path | None = None
                for fmt in args.formats.split(","):
                    timeout = (
                        args.baseline_timeout if size in args.baseline_sizes.split(",") else None
                    )
                    row, out = bench(size.strip(), kind.strip(), fmt.strip(), tmp, timeout)
                    versus = "-"
                    if first is None:
                        first = out
                    elif out and first:
                        versus = _same_result(first, out)
                    rows.append(row + f" {versus} |")
                    print(rows[-1], file=sys.stderr)
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}")
    print("\n".join(rows))
    print("s: wall seconds; (cpu s): user + system seconds of the process tree, less sensitive")
    print("to other load on a shared machine (the CLI uses both cores: its cpu s can exceed s).")
    print("peak MB: ru_maxrss of the timed process tree (its largest process; the CLI forks")
    print("one helper for parsing and one for output, which share the parent's pages).")
    print("output vs compact: bytes = byte-identical to the compact writing's output; same =")
    print("equal as a document (shuffled applicants are listed in their input order).")


if __name__ == "__main__":
    main()
