"""Input rules of the HTTP edge (chalicelib.core.inputs) and the per-caller write limiter
(chalicelib.core.ratelimit) on its in-memory store, without the web framework."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from chalicelib.core.errors import Invalid, PayloadTooLarge, TooManyRequests, UnsupportedMediaType
from chalicelib.core.http import EmptyBody
from chalicelib.core.inputs import (
    MAX_BODY_BYTES,
    MAX_DEPTH,
    QueryParam,
    check_query,
    load_json,
    nesting_depth,
    parse_body,
)
from chalicelib.core.principal import Principal, Role
from chalicelib.core.ratelimit import Limits, MemoryCounters, WriteLimiter, counter_key
from chalicelib.core.schemas import ActionInput
from chalicelib.core.settings import load_settings

JSON = {"content-type": "application/json"}


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


# -- JSON bodies ---------------------------------------------------------------------------------


def test_a_thousand_levels_of_nesting_in_two_kilobytes_are_invalid_json_not_a_crash() -> None:
    body = b'{"a":' * 1000 + b"1" + b"}" * 1000
    assert len(body) < 8 * 1024
    with pytest.raises(Invalid) as caught:
        load_json(body)
    assert caught.value.code == "invalid_json"


def test_nesting_up_to_the_limit_parses_and_one_level_more_is_refused() -> None:
    assert load_json(nested(MAX_DEPTH)) is not None
    with pytest.raises(Invalid):
        load_json(nested(MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"reason": "[[[[{{{{" * 50 + '\\" ]]]' + "\\\\"})
    assert nesting_depth(text.encode()) == 1
    assert load_json(text.encode())["reason"].startswith("[[[[")


def test_counting_stops_just_above_the_limit() -> None:
    assert nesting_depth(nested(100_000)) == MAX_DEPTH + 1


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "a": 2}',  # duplicate member: which one wins is ambiguous
        b'{"version": NaN}',
        b"[Infinity]",
        b"[-Infinity]",
        b'{"a":',
        b"\xff\xfe\x00{",
        b"1" * 5000,  # an integer longer than Python converts
    ],
)
def test_every_way_a_body_is_not_json_is_one_invalid_json(raw: bytes) -> None:
    with pytest.raises(Invalid) as caught:
        load_json(raw)
    assert caught.value.code == "invalid_json"


def test_a_body_is_json_only_bounded_and_validated_against_its_model() -> None:
    with pytest.raises(UnsupportedMediaType):
        parse_body(b"{}", {"content-type": "application/xml"}, EmptyBody)
    with pytest.raises(PayloadTooLarge):
        parse_body(b" " * (MAX_BODY_BYTES + 1), JSON, EmptyBody)
    with pytest.raises(ValidationError):
        parse_body(b'{"anything": 1}', JSON, EmptyBody)
    assert parse_body(b"", JSON, EmptyBody) == EmptyBody()
    assert parse_body(b"{}", {}, EmptyBody) == EmptyBody()  # no Content-Type: JSON assumed
    assert parse_body(b'{"version": 3}', JSON, ActionInput).version == 3


# -- query strings -------------------------------------------------------------------------------

DECLARED = {
    "limit": QueryParam("page size"),
    "school": QueryParam("staff only", roles=frozenset({Role.EDUCATION_STAFF})),
}


def refused(given: dict[str, list[str]], role: str | None) -> tuple[str, str]:
    with pytest.raises(Invalid) as caught:
        check_query(given, DECLARED, role)
    return caught.value.code, caught.value.extra["parameter"]


def test_declared_parameters_once_each_for_the_right_role_pass() -> None:
    check_query({}, DECLARED, Role.PARENT)
    check_query({"limit": ["5"]}, DECLARED, Role.PARENT)
    check_query({"limit": [""], "school": ["20603321"]}, DECLARED, Role.EDUCATION_STAFF)


def test_an_unknown_parameter_is_refused_by_name() -> None:
    assert refused({"nik": ["x"]}, Role.PARENT) == ("unknown_parameter", "nik")


def test_a_parameter_of_another_role_is_refused_by_name() -> None:
    assert refused({"school": ["20603321"]}, Role.PARENT) == ("parameter_not_allowed", "school")
    assert refused({"school": ["20603321"]}, None) == ("parameter_not_allowed", "school")


def test_a_repeated_parameter_is_refused_even_when_one_value_is_empty() -> None:
    assert refused({"limit": ["abc", ""]}, Role.PARENT) == ("repeated_parameter", "limit")


def test_a_nik_typed_as_a_parameter_name_is_never_echoed() -> None:
    code, shown = refused({"3671010101900001": ["1"]}, Role.PARENT)
    assert code == "unknown_parameter" and "3671" not in shown


# -- the per-caller write limiter ------------------------------------------------------------------


class Clock:
    def __init__(self, at: float) -> None:
        self.at = at

    def __call__(self) -> float:
        return self.at


PARENT = Principal("parent-flood", Role.PARENT)
NEIGHBOUR = Principal("parent-normal", Role.PARENT)
OPERATOR = Principal("op-desk", Role.SCHOOL_OPERATOR, npsn="20603321")


def limiter(clock: Clock, parent: int = 3, staff: int = 5) -> WriteLimiter:
    return WriteLimiter(MemoryCounters(), Limits(parent, staff, 60), clock)


def test_a_flooding_caller_gets_429_with_the_seconds_to_the_next_window() -> None:
    clock = Clock(1_800_000_020.5)  # 20.5 s into a minute
    limit = limiter(clock)
    for _ in range(3):
        limit.check(PARENT)
    with pytest.raises(TooManyRequests) as caught:
        limit.check(PARENT)
    assert caught.value.code == "rate_limited"
    assert caught.value.extra["retry_after"] == 40  # ceil(60 - 20.5)


def test_another_caller_is_unaffected_by_a_flood() -> None:
    clock = Clock(1_800_000_000.0)
    limit = limiter(clock)
    for _ in range(3):
        limit.check(PARENT)
    with pytest.raises(TooManyRequests):
        limit.check(PARENT)
    for _ in range(3):
        limit.check(NEIGHBOUR)


def test_the_next_window_starts_a_new_count() -> None:
    clock = Clock(1_800_000_000.0)
    limit = limiter(clock)
    for _ in range(3):
        limit.check(PARENT)
    clock.at += 60
    limit.check(PARENT)


def test_staff_have_their_own_higher_limit() -> None:
    limit = limiter(Clock(1_800_000_000.0))
    for _ in range(5):
        limit.check(OPERATOR)
    with pytest.raises(TooManyRequests):
        limit.check(OPERATOR)


def test_a_refused_write_does_not_raise_the_count() -> None:
    clock = Clock(1_800_000_000.0)
    store = MemoryCounters()
    limit = WriteLimiter(store, Limits(2, 2, 60), clock)
    for _ in range(2):
        limit.check(PARENT)
    for _ in range(5):
        with pytest.raises(TooManyRequests):
            limit.check(PARENT)
    assert store.counts == {counter_key(PARENT.sub, 1_800_000_000 // 60 * 60): 2}


def test_counter_keys_hold_no_subject_and_name_the_window() -> None:
    key = counter_key("parent-3671010101900001", 1_800_000_000)
    prefix, digest, window = key.split("#")
    assert (prefix, window) == ("ratelimit", "1800000000")
    assert len(digest) == 24 and int(digest, 16) >= 0 and "parent" not in key
    assert counter_key("parent-other", 1_800_000_000) != key


def test_the_default_limits_come_from_the_settings() -> None:
    env = {
        "TRANSFERS_TABLE": "t", "SCHOOLS_TABLE": "s", "DOCUMENTS_TABLE": "d",
        "NOTIFICATIONS_TABLE": "n", "AUDIT_TABLE": "a", "LOCKS_TABLE": "l", "LETTERS_TABLE": "le",
        "IDEMPOTENCY_TABLE": "i", "ADMISSIONS_TABLE": "ad", "PRIVACY_REQUESTS_TABLE": "p",
        "DOCUMENTS_BUCKET": "b",
        "SNAPSHOTS_BUCKET": "sb", "UPLOADS_QUEUE_NAME": "q", "ALLOCATIONS_QUEUE_NAME": "aq",
        "JWT_ISSUER": "https://issuer", "JWT_CLIENT_ID": "c", "SIGNING_SECRET": "x" * 32,
        "NIK_HMAC_KEY": "y" * 32, "PII_KEY": "z" * 32,
    }  # fmt: skip
    defaults = load_settings(env)
    assert (defaults.rate_limit_parent_writes, defaults.rate_limit_staff_writes) == (60, 600)
    assert defaults.rate_limit_window_seconds == 60
    tuned = load_settings(env | {"RATE_LIMIT_PARENT_WRITES": "10"})
    assert tuned.rate_limit_parent_writes == 10
