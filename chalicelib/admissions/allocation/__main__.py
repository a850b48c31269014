"""``python -m chalicelib.admissions.allocation INSTANCE.json [--engine fast|reference]``.

A thin shell over ``api.allocate_json`` (the typed ``api.allocate`` runs the same engine).
Prints the result JSON on stdout. An invalid instance exits with status 2, one line on stderr
and nothing on stdout. ``--engine reference`` runs the plain baseline (stdlib json + heap-based
deferred acceptance) for benchmarks and comparisons.
"""

from __future__ import annotations

import argparse
import mmap
import sys

from chalicelib.admissions.allocation.instance import InvalidInstance


def solve_fast(data: bytes | bytearray | mmap.mmap) -> bytes:
    """The engine, through the same API the PPDB jobs use (``api.allocate_json``)."""
    from chalicelib.admissions.allocation.api import allocate_json

    return allocate_json(data)


def solve_reference(data: bytes | bytearray | mmap.mmap) -> bytes:
    import json

    from chalicelib.admissions.allocation import reference
    from chalicelib.admissions.allocation.instance import load_plain

    inst = load_plain(data[:] if isinstance(data, mmap.mmap) else data)
    doc = reference.result_document(inst, reference.allocate(inst))
    return json.dumps(doc, separators=(",", ":")).encode()


def _read(path: str, mapped: bool = True) -> bytearray | mmap.mmap:
    """The file as a private (copy-on-write) map the fast decoder patches in place and gives
    back page by page; a bytearray when it cannot be mapped (empty, a pipe) or for the
    baseline (which reads the whole file, as it always did)."""
    import os

    with open(path, "rb") as fh:
        try:
            if mapped:
                return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
        except (ValueError, OSError):
            pass
        data = bytearray(os.fstat(fh.fileno()).st_size)
        size = fh.readinto(data)
        if size < len(data):
            del data[size:]
        rest = fh.read()
    return data + rest if rest else data


def _fail(message: str) -> int:
    sys.stderr.write("invalid instance: " + " ".join(message.split()) + "\n")
    return 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.admissions.allocation")
    parser.add_argument("instance", help="instance JSON file")
    parser.add_argument("--engine", choices=("fast", "reference"), default="fast")
    args = parser.parse_args(argv)
    try:
        data = _read(args.instance, mapped=args.engine == "fast")
    except OSError as exc:
        return _fail(f"cannot read {args.instance}: {exc.strerror}")
    solve = solve_fast if args.engine == "fast" else solve_reference
    try:
        out = solve(data)
    except InvalidInstance as exc:
        return _fail(str(exc))
    sys.stdout.buffer.write(out + b"\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
