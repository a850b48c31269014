"""What a request may carry, checked before any view runs (no web framework here: core.http
calls these with the request's parts).

Body: JSON only (``application/json``), at most ``MAX_BODY_BYTES``, nested at most ``MAX_DEPTH``
levels (checked on the raw bytes, before the parser could recurse), no duplicate member names,
no ``NaN``/``Infinity``; then the route's input model (unknown fields -> 422).

Query: only the parameters the route declares, each at most once, and only by the roles it is
declared for. The problem names the parameter, never echoes its value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from chalicelib.core.errors import Invalid, PayloadTooLarge, UnsupportedMediaType

M = TypeVar("M", bound=BaseModel)
MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 32
JSON_TYPE = "application/json"
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,39}")
_DIGIT_RUN = re.compile(r"[0-9]{5}")


def nesting_depth(raw: bytes, stop_above: int = MAX_DEPTH) -> int:
    """How deep arrays and objects nest in ``raw`` (strings skipped); counting stops as soon as
    the depth passes ``stop_above``, so a hostile body costs one pass at most."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if bracket.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
            if depth > stop_above:
                break
        else:
            depth -= 1
    return deepest


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        raise ValueError("duplicate member name")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_json(raw: bytes) -> Any:
    """Parse a request body; every way it can fail is the one 400 ``invalid_json``."""
    if nesting_depth(raw) > MAX_DEPTH:
        raise Invalid(
            "invalid_json",
            f"Data JSON bersarang lebih dari {MAX_DEPTH} tingkat.",
            max_depth=MAX_DEPTH,
        )
    try:
        return json.loads(raw, object_pairs_hook=_object, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, int size
        raise Invalid("invalid_json", "Data bukan JSON yang valid.") from exc


def media_type(headers: Mapping[str, str]) -> str:
    return headers.get("content-type", JSON_TYPE).split(";")[0].strip().lower()


def parse_body(raw: bytes, headers: Mapping[str, str], model: type[M]) -> M:
    """The body as ``model``: 415 if not JSON, 413 if too large, 400 if not parseable JSON,
    422 (pydantic ValidationError) if it does not fit the model. An empty body is ``{}``."""
    if media_type(headers) != JSON_TYPE:
        raise UnsupportedMediaType("unsupported_media_type", "Kirim data sebagai application/json.")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge("body_too_large", "Data yang dikirim lebih dari 64 KB.")
    return model.model_validate(load_json(raw) if raw.strip() else {})


@dataclass(frozen=True)
class QueryParam:
    """A query parameter a route takes. ``roles`` empty: every role allowed on the route."""

    description: str
    roles: frozenset[str] = frozenset()  # Role values (a StrEnum)


def declared_query(query: Mapping[str, str | QueryParam] | None) -> dict[str, QueryParam]:
    return {
        name: spec if isinstance(spec, QueryParam) else QueryParam(spec)
        for name, spec in (query or {}).items()
    }


def _shown(name: str) -> str:
    """A parameter name as a problem may show it: a plain identifier without long digit runs
    (a NIK typed as a name is never echoed), else a placeholder."""
    if _PLAIN_NAME.fullmatch(name) and not _DIGIT_RUN.search(name):
        return name
    return "(nama tidak ditampilkan)"


def check_query(
    given: Mapping[str, Iterable[str]], declared: Mapping[str, QueryParam], role: str | None
) -> None:
    """400 naming the first offending parameter: unknown, not for this role, or repeated."""
    for name in sorted(given):
        spec = declared.get(name)
        if spec is None:
            raise Invalid(
                "unknown_parameter",
                f"Parameter '{_shown(name)}' tidak dikenal untuk layanan ini.",
                parameter=_shown(name),
                allowed=sorted(declared),
            )
        if spec.roles and role not in spec.roles:
            raise Invalid(
                "parameter_not_allowed",
                f"Parameter '{name}' tidak berlaku untuk peran Anda.",
                parameter=name,
            )
        if len(list(given[name])) > 1:
            raise Invalid(
                "repeated_parameter",
                f"Parameter '{name}' dikirim lebih dari sekali; kirim satu nilai saja.",
                parameter=name,
            )
