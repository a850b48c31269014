"""Parse and validate an allocation instance into plain columnar data.

Layout: applicants in input order; their choices flattened into *entries* (applicant-major,
choice order). Each route keeps the criteria values of its applicants' entries in a flat list,
``len(criteria)`` values per entry, each looked up in the choice's attrs then the applicant's.
Every error raises :class:`InvalidInstance` with one line of text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import mmap

Number = int | float
_NUMERIC = (int, float)
_NUMERIC_TYPES = frozenset(_NUMERIC)


class _Retry(Exception):
    """The optimistic pass met something it does not handle; redo the batch carefully."""


class InvalidInstance(ValueError):
    """The instance breaks the contract; the message is one human-readable line."""


@dataclass(frozen=True)
class Route:
    id: str
    spill_to: int | None
    fields: tuple[str, ...]
    desc: tuple[bool, ...]


@dataclass
class Instance:
    routes: list[Route]
    school_ids: list[str]
    seats: list[list[int]]  # seats[route][school]
    # Lists while building; numpy arrays after ``compact`` (the fast path).
    app_ids: list[str] = field(default_factory=list)
    app_route: Any = field(default_factory=list)
    app_start: Any = field(default_factory=lambda: [0])  # entries of i: start[i]:start[i+1]
    entry_school: Any = field(default_factory=list)
    entry_local: Any = field(default_factory=list)  # index among its route's entries
    route_vals: list[Any] = field(default_factory=list)  # flat list, or a tuple of columns

    def entry_values(self, entry: int, r: int) -> dict[str, Number]:
        """The criteria values of one entry of route ``r``, as given in the input."""
        fields = self.routes[r].fields
        k = len(fields)
        local = self.entry_local[entry]
        stored = self.route_vals[r]
        if isinstance(stored, tuple):  # compacted: one array per criterion
            return {name: col[local].item() for name, col in zip(fields, stored, strict=True)}
        return dict(zip(fields, stored[local * k : local * k + k], strict=True))


def _fail(message: str) -> InvalidInstance:
    return InvalidInstance(message)


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise _fail(f"{what} must be a string, got {json.dumps(value)[:60]}")
    return value


def _obj(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(f"{what} must be an object")
    return value


def _list(value: object, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(f"{what} must be a list")
    return value


def _get(obj: dict[str, Any], key: str, what: str) -> Any:
    if key not in obj:
        raise _fail(f"{what}: missing field {key!r}")
    return obj[key]


def _parse_criteria(raw: object, rid: str) -> tuple[tuple[str, ...], tuple[bool, ...]]:
    fields: list[str] = []
    desc: list[bool] = []
    for crit in _list(raw, f"route {rid!r} criteria"):
        crit = _obj(crit, f"route {rid!r} criterion")
        fields.append(_str(_get(crit, "field", f"route {rid!r} criterion"), "criterion field"))
        order = _get(crit, "order", f"route {rid!r} criterion")
        if order not in ("asc", "desc"):
            raise _fail(f"route {rid!r}: criterion order must be 'asc' or 'desc', got {order!r}")
        desc.append(order == "desc")
    return tuple(fields), tuple(desc)


def parse_routes(raw: object) -> list[Route]:
    items = [_obj(r, "route") for r in _list(raw, "routes")]
    ids = [_str(_get(r, "id", "route"), "route id") for r in items]
    index: dict[str, int] = {}
    for i, rid in enumerate(ids):
        if rid in index:
            raise _fail(f"duplicate route id {rid!r}")
        index[rid] = i
    routes = []
    for i, (rid, item) in enumerate(zip(ids, items, strict=True)):
        target = item.get("spill_to")
        spill = None
        if target is not None:
            spill = index.get(_str(target, f"route {rid!r} spill_to"))
            if spill is None:
                raise _fail(f"route {rid!r}: spill_to names unknown route {target!r}")
            if spill <= i:
                raise _fail(f"route {rid!r}: spillover to {target!r}, which is not a later route")
        fields, desc = _parse_criteria(_get(item, "criteria", f"route {rid!r}"), rid)
        routes.append(Route(rid, spill, fields, desc))
    return routes


def _seat_count(value: object, sid: str, rid: str) -> int:
    if type(value) is not int or value < 0:
        raise _fail(f"school {sid!r}: seats for route {rid!r} must be a non-negative integer")
    return value


def parse_schools(raw: object, routes: list[Route]) -> tuple[list[str], list[list[int]]]:
    rindex = {r.id: i for i, r in enumerate(routes)}
    ids: list[str] = []
    seen: set[str] = set()
    seats = [[] for _ in routes]  # type: list[list[int]]
    for item in _list(raw, "schools"):
        item = _obj(item, "school")
        sid = _str(_get(item, "id", "school"), "school id")
        if sid in seen:
            raise _fail(f"duplicate school id {sid!r}")
        seen.add(sid)
        ids.append(sid)
        given = _obj(item.get("seats", {}), f"school {sid!r} seats")
        for rid in given:
            if rid not in rindex:
                raise _fail(f"school {sid!r}: seats name unknown route {rid!r}")
        for r, route in enumerate(routes):
            seats[r].append(_seat_count(given.get(route.id, 0), sid, route.id))
    return ids, seats


def _check_numbers(attrs: dict[str, Any], where: str) -> None:
    for key, value in attrs.items():
        if type(value) not in _NUMERIC:
            raise _fail(f"{where}: attribute {key!r} is not a number")


class Builder:
    """Consumes applicant objects (in order) into an :class:`Instance`."""

    def __init__(self, routes: list[Route], school_ids: list[str], seats: list[list[int]]):
        self.inst = Instance(routes, school_ids, seats)
        self.inst.route_vals = [[] for _ in routes]
        self._rindex = {r.id: i for i, r in enumerate(routes)}
        self._sindex = {s: i for i, s in enumerate(school_ids)}

    def add_all(self, applicants: list[Any]) -> None:
        """Add a batch: an optimistic fast pass, redone carefully (for the error) if it fails."""
        inst = self.inst
        mark = (len(inst.app_ids), len(inst.entry_school), [len(v) for v in inst.route_vals])
        try:
            self._add_fast(applicants)
        except (KeyError, TypeError, AttributeError, _Retry):
            self._rollback(*mark)
            for raw in applicants:
                self.add(raw)

    def _rollback(self, n_apps: int, n_entries: int, n_vals: list[int]) -> None:
        inst = self.inst
        del inst.app_ids[n_apps:], inst.app_route[n_apps:], inst.app_start[n_apps + 1 :]
        del inst.entry_school[n_entries:]
        for r, vals in enumerate(inst.route_vals):
            del vals[n_vals[r] :]

    def _add_fast(self, applicants: list[Any]) -> None:  # noqa: C901 - one hot loop
        inst, rindex, sindex = self.inst, self._rindex, self._sindex
        fields = [r.fields for r in inst.routes]
        ids, aroute, astart = inst.app_ids, inst.app_route, inst.app_start
        eschool, rvals = inst.entry_school, inst.route_vals
        empty: dict[str, Any] = {}
        for app in applicants:
            aid = app["id"]
            r = rindex[app["route"]]
            attrs = app.get("attrs", empty)
            choices = app["choices"]
            if type(aid) is not str or type(choices) is not list or type(attrs) is not dict:
                raise _Retry
            if not _NUMERIC_TYPES.issuperset(map(type, attrs.values())):
                raise _Retry
            if len(choices) > 1 and len({c["school"] for c in choices}) != len(choices):
                raise _Retry
            ids.append(aid)
            aroute.append(r)
            vals = rvals[r]
            for choice in choices:
                cattrs = choice.get("attrs", empty)
                if type(cattrs) is not dict:
                    raise _Retry
                if not _NUMERIC_TYPES.issuperset(map(type, cattrs.values())):
                    raise _Retry
                eschool.append(sindex[choice["school"]])
                for name in fields[r]:
                    vals.append(cattrs[name] if name in cattrs else attrs[name])
            astart.append(len(eschool))

    def add(self, raw: object) -> None:
        app = _obj(raw, "applicant")
        aid = _str(_get(app, "id", "applicant"), "applicant id")
        where = f"applicant {aid!r}"
        rname = _get(app, "route", where)
        r = self._rindex.get(rname) if isinstance(rname, str) else None
        if r is None:
            raise _fail(f"{where}: unknown route {rname!r}")
        attrs = _obj(app.get("attrs", {}), f"{where} attrs")
        _check_numbers(attrs, where)
        choices = _list(_get(app, "choices", where), f"{where} choices")
        inst = self.inst
        inst.app_ids.append(aid)
        inst.app_route.append(r)
        seen: set[int] = set()
        for choice in choices:
            self._add_choice(_obj(choice, f"{where} choice"), attrs, r, seen, where)
        inst.app_start.append(len(inst.entry_school))

    def _add_choice(
        self, choice: dict[str, Any], attrs: dict[str, Any], r: int, seen: set[int], where: str
    ) -> None:
        sid = _get(choice, "school", f"{where} choice")
        s = self._sindex.get(sid) if isinstance(sid, str) else None
        if s is None:
            raise _fail(f"{where}: unknown school {sid!r}")
        if s in seen:
            raise _fail(f"{where}: duplicate choice of school {sid!r}")
        seen.add(s)
        cattrs = _obj(choice.get("attrs", {}), f"{where} choice {sid!r} attrs")
        _check_numbers(cattrs, f"{where} choice {sid!r}")
        inst = self.inst
        vals = inst.route_vals[r]
        for name in inst.routes[r].fields:
            value = cattrs.get(name, attrs.get(name))
            if value is None:
                raise _fail(f"{where}: missing field {name!r} for choice {sid!r}")
            vals.append(value)
        inst.entry_school.append(s)

    def add_structs(self, apps: list[Any]) -> bool:
        """Add msgspec-decoded applicants (types already checked); False (rolled back) if
        anything else is wrong, so that the caller redoes the batch carefully."""
        inst = self.inst
        mark = (len(inst.app_ids), len(inst.entry_school), [len(v) for v in inst.route_vals])
        try:
            self._add_structs(apps)
        except (KeyError, _Retry):
            self._rollback(*mark)
            return False
        return True

    def _add_structs(self, apps: Sequence[Any]) -> None:
        inst, rindex, sindex = self.inst, self._rindex, self._sindex
        fields = [r.fields for r in inst.routes]
        ids, aroute, astart = inst.app_ids, inst.app_route, inst.app_start
        eschool, rvals = inst.entry_school, inst.route_vals
        for app in apps:
            r = rindex[app.route]
            attrs = app.attrs
            choices = app.choices
            if len(choices) > 1 and len({c.school for c in choices}) != len(choices):
                raise _Retry
            ids.append(app.id)
            aroute.append(r)
            vals = rvals[r]
            names = fields[r]
            for choice in choices:
                eschool.append(sindex[choice.school])
                cattrs = choice.attrs
                for name in names:
                    vals.append(cattrs[name] if name in cattrs else attrs[name])
            astart.append(len(eschool))

    def add_typed(self, apps: Sequence[Any]) -> None:
        """Add typed applicants (``api.Applicant``): the struct pass with the number checks a
        decoder would have made, redone carefully (for the error) if anything is wrong."""
        inst = self.inst
        mark = (len(inst.app_ids), len(inst.entry_school), [len(v) for v in inst.route_vals])
        numeric = _NUMERIC_TYPES.issuperset
        try:
            for app in apps:
                if type(app.id) is not str or not numeric(map(type, app.attrs.values())):
                    raise _Retry
                for choice in app.choices:
                    if type(choice.school) is not str:
                        raise _Retry
                    if not numeric(map(type, choice.attrs.values())):
                        raise _Retry
            self._add_structs(apps)
        except (KeyError, TypeError, AttributeError, _Retry):
            self._rollback(*mark)
            for app in apps:
                self.add(_plain(app))

    def finish(self) -> Instance:
        _check_unique(self.inst.app_ids)
        inst = self.inst
        counts = [0] * len(inst.routes)
        local = inst.entry_local = []
        for a, r in enumerate(inst.app_route):
            for _ in range(inst.app_start[a + 1] - inst.app_start[a]):
                local.append(counts[r])
                counts[r] += 1
        return inst


def _plain(app: Any) -> dict[str, Any]:
    """A typed applicant as the JSON object it stands for (the careful path reads those)."""
    return {
        "id": app.id,
        "route": app.route,
        "attrs": dict(app.attrs),
        "choices": [{"school": c.school, "attrs": dict(c.attrs)} for c in app.choices],
    }


def _check_unique(ids: list[str]) -> None:
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        for aid in ids:
            if aid in seen:
                raise _fail(f"duplicate applicant id {aid!r}")
            seen.add(aid)


def builder_for(doc: object) -> tuple[Builder, list[Any]]:
    top = _obj(doc, "instance")
    routes = parse_routes(_get(top, "routes", "instance"))
    school_ids, seats = parse_schools(_get(top, "schools", "instance"), routes)
    applicants = _list(_get(top, "applicants", "instance"), "applicants")
    return Builder(routes, school_ids, seats), applicants


def from_document(doc: object) -> Instance:
    """Validate an already-decoded JSON document."""
    builder, applicants = builder_for(doc)
    builder.add_all(applicants)
    return builder.finish()


def load_plain(data: bytes | bytearray) -> Instance:
    """Decode with the standard library, then validate (the baseline path)."""
    try:
        doc = json.loads(data, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise _fail(f"not valid JSON: {exc}") from None
    return from_document(doc)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


_CHUNK_BYTES = 8_000_000
Buffer = Any  # a bytearray or a private mmap.mmap: both are patched in place
# A comma between two objects: between two applicants, or two choices of one applicant.
_BETWEEN_OBJECTS = re.compile(rb"\}[ \t\r\n]*(,)[ \t\r\n]*\{")
_PROBE_BYTES = (4_096, 65_536)


def load_fast(data: bytes | bytearray | mmap.mmap) -> Instance:
    """Decode with msgspec/orjson, the applicants array in chunks, on both cores.

    msgspec decodes the top-level object with the ``applicants`` array kept as raw bytes
    (a zero-copy view), so any key order and any whitespace are fine. The array is then cut
    into chunks at applicant boundaries and each chunk decoded into typed structs. The cutting
    is only a fast path: the decoder validates every piece (a cut at the wrong depth makes it
    fail), and whenever anything does not fit the whole document is decoded at once instead,
    with identical results. A bytearray or a private (copy-on-write) file map is decoded in
    place (its bytes are patched and restored around each piece); a map's pages are given back
    as soon as they are decoded, so the file never has to be in memory all at once.
    """
    import mmap

    import orjson

    buf = data if isinstance(data, bytearray | mmap.mmap) else bytearray(data)
    inst = _load_chunked(buf, _decoders())
    if inst is not None:
        return inst
    try:
        doc = orjson.loads(buf if isinstance(buf, bytearray) else buf[:])
    except orjson.JSONDecodeError as exc:
        raise _fail(f"not valid JSON: {exc}") from None
    return from_document(doc)


def _array_bounds(data: Buffer) -> tuple[dict[str, Any], int, int] | None:
    """The document without its applicants, and the offsets of the ``[`` and ``]`` of the
    ``applicants`` array (wherever it is among the keys); None when it is not that shape."""
    import msgspec

    top = msgspec.defstruct(
        "Top", [("routes", Any), ("schools", Any), ("applicants", msgspec.Raw)], gc=False
    )
    try:
        head: Any = msgspec.json.decode(data, type=top)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    raw = head.applicants
    start, size = _offset(data, raw), len(raw)
    head.applicants = None  # the raw view holds the buffer
    del raw
    end = start + size - 1
    if start < 0 or size < 2 or data[start] != ord("[") or data[end] != ord("]"):
        return None
    return {"routes": head.routes, "schools": head.schools, "applicants": []}, start, end


def _offset(whole: Buffer, part: Any) -> int:
    """Where ``part`` (a zero-copy view into ``whole``) starts inside it; -1 if it is not."""
    import numpy as np

    base = np.frombuffer(whole, dtype=np.uint8).ctypes.data
    at = np.frombuffer(part, dtype=np.uint8).ctypes.data if len(part) else -1
    return at - base if 0 <= at - base < len(whole) else -1


def _boundary(data: Buffer, at: int, hi: int) -> int:
    """The comma between two applicants at or after ``at`` (before ``hi``), or -1.

    Candidates are commas between two objects (any whitespace around); the object after the
    comma must decode on its own and have ``choices`` (a choice never has, in a valid
    instance). Only a guess: a wrong one makes the chunk fail to decode and costs a retry.
    """
    decoder = json.JSONDecoder()
    while True:
        m = _BETWEEN_OBJECTS.search(data, at, hi)
        if m is None:
            return -1
        comma = m.start(1)
        brace = m.end() - 1
        for size in _PROBE_BYTES:
            text = bytes(data[brace : min(brace + size, hi)]).decode("utf-8", "replace")
            try:
                obj, _ = decoder.raw_decode(text)
            except ValueError:
                continue
            if isinstance(obj, dict) and "choices" in obj:
                return comma
            break
        at = comma + 1


def _load_chunked(data: Buffer, dec: Any) -> Instance | None:
    bounds = _array_bounds(data)
    if bounds is None:
        return None
    head, start, end = bounds
    _release(data, 0, len(data))  # the whole file was read once to find the array
    builder, _ = builder_for(head)
    lo, hi = start + 1, end
    mid = _boundary(data, (lo + hi) // 2, hi) if hi - lo > 4 * _CHUNK_BYTES else -1
    if mid < 0:
        if not _build(builder, data, lo, hi, dec):
            return None
        _check_unique(builder.inst.app_ids)
        return compact(builder.inst)
    return _build_in_two(builder, (data, lo, mid, hi), dec)


def _build(builder: Builder, data: Buffer, lo: int, hi: int, dec: Any) -> bool:
    """Decode ``data[lo:hi]`` (array content) chunk by chunk; False if it would not split."""
    pos = lo
    while pos < hi:
        chunk = _next_chunk(data, pos, hi, dec)
        if chunk is None:
            return False
        kind, items, stop = chunk
        if kind == "plain" or not builder.add_structs(items):
            builder.add_all(items if kind == "plain" else dec[1](b"[" + data[pos:stop] + b"]"))
        del items
        _release(data, pos, stop)
        pos = stop + 1
    return True


def _release(data: Buffer, lo: int, hi: int) -> None:
    """Give back the memory of ``data[lo:hi]`` (whole pages) if it is a file map: its pages
    are read again from the file if touched again (the bytes are unchanged)."""
    import mmap

    if not isinstance(data, mmap.mmap) or not hasattr(mmap, "MADV_DONTNEED"):
        return
    first = -(-lo // mmap.PAGESIZE) * mmap.PAGESIZE
    last = hi // mmap.PAGESIZE * mmap.PAGESIZE
    if last > first:
        data.madvise(mmap.MADV_DONTNEED, first, last - first)


def _build_in_two(
    builder: Builder, span: tuple[Buffer, int, int, int], dec: Any
) -> Instance | None:
    """Both cores: a forked child builds the second half while this process builds the first."""
    import os
    import pickle
    import signal

    data, lo, mid, hi = span
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: build the second half, send it (or the error) back, exit at once
        os.close(read_fd)
        _child(builder, (data, mid + 1, hi), dec, write_fd)
    os.close(write_fd)
    try:
        first = None
        if _build(builder, data, lo, mid, dec):
            _check_unique(builder.inst.app_ids)
            first = compact(builder.inst)  # while the child still works
    except BaseException:
        os.close(read_fd)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise
    with os.fdopen(read_fd, "rb") as fh:
        status, payload = pickle.load(fh)  # noqa: S301 - our own forked child, via a pipe
    os.waitpid(pid, 0)
    if first is None or status == "fallback":
        return None
    if status == "invalid":
        raise _fail(payload)
    if not set(first.app_ids).isdisjoint(payload.app_ids):
        _check_unique(first.app_ids + payload.app_ids)
    return _merge(first, payload)


def _child(builder: Builder, span: tuple[Buffer, int, int], dec: Any, fd: int) -> None:
    import os
    import pickle

    code = 0
    try:
        fresh = Builder(builder.inst.routes, builder.inst.school_ids, builder.inst.seats)
        result: tuple[str, Any] = ("fallback", None)
        if _build(fresh, *span, dec):
            _check_unique(fresh.inst.app_ids)
            result = ("ok", compact(fresh.inst))
    except InvalidInstance as exc:
        result = ("invalid", str(exc))
    except BaseException:  # noqa: BLE001 - the parent falls back to the whole document
        result = ("fallback", None)
        code = 1
    with os.fdopen(fd, "wb") as fh:
        pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os._exit(code)


def _next_chunk(data: Buffer, pos: int, hi: int, dec: Any) -> tuple[str, list[Any], int] | None:
    cut = _boundary(data, pos + _CHUNK_BYTES, hi) if hi - pos > _CHUNK_BYTES else -1
    for _ in range(4):
        stop = hi if cut < 0 else cut
        decoded = _decode_in_place(data, pos, stop, dec)
        if decoded is not None:
            return decoded[0], decoded[1], stop
        if cut < 0:
            return None
        cut = _boundary(data, cut + 1, hi)
    return None


def _decode_in_place(data: Buffer, pos: int, stop: int, dec: Any) -> tuple[str, list[Any]] | None:
    """Decode ``[`` + data[pos:stop] + ``]`` without copying: patch the two bytes around it."""
    before, after = data[pos - 1], data[stop]
    data[pos - 1], data[stop] = ord("["), ord("]")
    try:
        with memoryview(data) as view:
            return _decode(view[pos - 1 : stop + 1], dec)
    finally:
        data[pos - 1], data[stop] = before, after


def _decode(piece: memoryview, dec: Any) -> tuple[str, list[Any]] | None:
    """Typed structs (msgspec), else plain objects (orjson), else None: not an array here."""
    import msgspec

    structs, plain = dec
    try:
        return "structs", structs(piece)
    except msgspec.ValidationError:
        pass  # well-formed but off the happy path: the careful builder will explain
    except msgspec.DecodeError:
        return None
    try:
        return "plain", plain(piece)
    except ValueError:
        return None


def _decoders() -> tuple[Any, Any]:
    import msgspec
    import orjson

    attrs = dict[str, int | float]
    choice = msgspec.defstruct("Choice", [("school", str), ("attrs", attrs, {})], gc=False)
    app = msgspec.defstruct(
        "Applicant",
        [("id", str), ("route", str), ("choices", list[choice]), ("attrs", attrs, {})],  # type: ignore[valid-type]
        gc=False,
    )
    return msgspec.json.Decoder(list[app]).decode, orjson.loads  # type: ignore[valid-type]


def _array(values: list[Number]) -> Any:
    import numpy as np

    arr = np.array(values)
    if arr.dtype.kind not in "iuf":  # empty, or integers beyond int64
        arr = arr.astype(np.float64)
    return arr


def compact(inst: Instance) -> Instance:
    """The same instance with numpy columns (the engine's input; small to pickle)."""
    import numpy as np

    def ints(values: list[int]) -> Any:
        return np.array(values, dtype=np.int64)

    app_route, app_start = ints(inst.app_route), ints(inst.app_start)
    return Instance(
        inst.routes,
        inst.school_ids,
        inst.seats,
        inst.app_ids,
        app_route,
        app_start,
        ints(inst.entry_school),
        _entry_local(app_route, app_start),
        [
            tuple(_array(v[j :: len(route.fields)]) for j in range(len(route.fields)))
            for v, route in zip(inst.route_vals, inst.routes, strict=True)
        ],
    )


def _merge(first: Instance, second: Instance) -> Instance:
    """Concatenate two compacted instances over the same routes and schools."""
    import numpy as np

    n_routes = len(first.routes)
    entry_route = np.repeat(first.app_route, np.diff(first.app_start))
    offsets = np.bincount(entry_route, minlength=n_routes)
    second_route = np.repeat(second.app_route, np.diff(second.app_start))
    shift = len(first.entry_school)
    return Instance(
        first.routes,
        first.school_ids,
        first.seats,
        first.app_ids + second.app_ids,
        np.concatenate([first.app_route, second.app_route]),
        np.concatenate([first.app_start, second.app_start[1:] + shift]),
        np.concatenate([first.entry_school, second.entry_school]),
        np.concatenate([first.entry_local, second.entry_local + offsets[second_route]]),
        [
            tuple(_concat(a, b) for a, b in zip(x, y, strict=True))
            for x, y in zip(first.route_vals, second.route_vals, strict=True)
        ],
    )


def _concat(a: Any, b: Any) -> Any:
    import numpy as np

    if len(a) == 0:
        return b
    if len(b) == 0:
        return a
    return np.concatenate([a, b])


def _entry_local(app_route: Any, app_start: Any) -> Any:
    """Index of every entry among the entries of its route (entries in applicant order)."""
    import numpy as np

    entry_route = np.repeat(app_route, np.diff(app_start))
    local = np.empty(len(entry_route), dtype=np.int64)
    for r in np.unique(entry_route):
        where = np.flatnonzero(entry_route == r)
        local[where] = np.arange(len(where))
    return local
