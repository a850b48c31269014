"""Per-caller write limit (issue 7 section 5) through the Chalice test client and the real
DynamoDB counters (moto): one parent sending writes as fast as it can gets 429 with
Retry-After after the limit and nothing more is written; another parent at the same moment,
and the flooding parent's reads, are unaffected; an idempotent replay and a refused body are
not counted; the next window starts afresh. The limiter is the production one with a small
limit and a hand-moved clock, except in the last test, which uses the deployed defaults."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core import ratelimit
from chalicelib.core.aws import client as aws_client
from chalicelib.core.ratelimit import Limits, WriteLimiter, counter_key
from chalicelib.core.ratelimit_repository import DynamoCounters
from chalicelib.core.settings import get_settings
from tests.support import factories
from tests.support.fixtures import Api, World

LIMIT = 5
WINDOW = 60
START = 1_900_000_040.0  # 20 s into a window


class Clock:
    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def clock() -> Iterator[Clock]:
    moved = Clock()
    counters = DynamoCounters(get_settings().idempotency_table)
    ratelimit.use(WriteLimiter(counters, Limits(LIMIT, 4 * LIMIT, WINDOW), moved))
    yield moved
    ratelimit.use(None)


def create(api: Api, world: World, token: str, headers: dict[str, str] | None = None) -> Any:
    body = factories.transfer_body(world.origin, world.destination)
    return api.call("POST", "/v1/transfers", token, body, headers)


def my_transfers(api: Api, token: str) -> int:
    status, page, _ = api.call("GET", "/v1/transfers?limit=100", token)
    assert status == 200, page
    return len(page["items"])


def stored_count(sub: str, at: float = START) -> int | None:
    key = counter_key(sub, int(at // WINDOW) * WINDOW)
    item = aws_client("dynamodb").get_item(
        TableName=get_settings().idempotency_table, Key={"id": {"S": key}}
    )
    return int(item["Item"]["count"]["N"]) if "Item" in item else None


def new_parent() -> tuple[str, str]:
    from tests.conftest import KEYS

    sub = f"parent-rl-{uuid.uuid4().hex[:10]}"
    return sub, str(KEYS.token(sub, "parent"))


def test_a_flooding_parent_gets_429_with_retry_after_and_nothing_more_is_written(
    api: Api, world: World, clock: Clock
) -> None:
    sub, flooder = new_parent()
    statuses = [create(api, world, flooder)[0] for _ in range(3 * LIMIT)]
    assert statuses == [201] * LIMIT + [429] * (2 * LIMIT), statuses
    status, problem, headers = create(api, world, flooder)
    assert status == 429 and headers["Content-Type"] == "application/problem+json"
    assert problem["code"] == "rate_limited" and problem["request_id"], problem
    assert headers["Retry-After"] == "40" and problem["retry_after"] == 40  # 60 - 20 s
    assert my_transfers(api, flooder) == LIMIT  # the refused writes wrote nothing
    assert stored_count(sub) == LIMIT  # refused writes do not raise the count either


def test_another_parent_and_the_flooders_reads_are_unaffected(
    api: Api, world: World, clock: Clock
) -> None:
    _, flooder = new_parent()
    _, neighbour = new_parent()
    for _ in range(LIMIT + 2):
        create(api, world, flooder)
    assert create(api, world, flooder)[0] == 429
    assert [create(api, world, neighbour)[0] for _ in range(LIMIT)] == [201] * LIMIT
    for _ in range(3 * LIMIT):  # GETs are never limited
        assert api.call("GET", "/v1/notifications/unread-count", flooder)[0] == 200
    assert my_transfers(api, flooder) == LIMIT


def test_the_next_window_accepts_writes_again(api: Api, world: World, clock: Clock) -> None:
    _, parent = new_parent()
    for _ in range(LIMIT):
        assert create(api, world, parent)[0] == 201
    assert create(api, world, parent)[0] == 429
    clock.at += 40  # the next window
    assert create(api, world, parent)[0] == 201


def test_an_idempotent_replay_is_not_counted_twice(api: Api, world: World, clock: Clock) -> None:
    sub, parent = new_parent()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = factories.transfer_body(world.origin, world.destination)
    replies = [api.call("POST", "/v1/transfers", parent, body, key) for _ in range(3 * LIMIT)]
    assert {status for status, _, _ in replies} == {201}
    assert [h["Idempotent-Replayed"] for _, _, h in replies].count("false") == 1
    assert stored_count(sub) == 1
    assert [create(api, world, parent)[0] for _ in range(LIMIT)] == [201] * (LIMIT - 1) + [429]


def test_refused_bodies_are_not_counted(api: Api, world: World, clock: Clock) -> None:
    sub, parent = new_parent()
    for _ in range(3 * LIMIT):
        assert api.call("POST", "/v1/transfers", parent, {"nik": "x"})[0] == 422
    assert stored_count(sub) is None
    assert create(api, world, parent)[0] == 201


def test_the_counter_lives_in_the_idempotency_table_and_expires_after_its_window(
    api: Api, world: World, clock: Clock
) -> None:
    sub, parent = new_parent()
    assert create(api, world, parent)[0] == 201
    window = int(START // WINDOW) * WINDOW
    item = aws_client("dynamodb").get_item(
        TableName=get_settings().idempotency_table, Key={"id": {"S": counter_key(sub, window)}}
    )["Item"]
    assert item["count"]["N"] == "1"
    assert int(item["expiration"]["N"]) == window + WINDOW + ratelimit.EXPIRY_SLACK_SECONDS
    assert sub not in item["id"]["S"]


def test_the_deployed_default_stops_a_parent_sending_a_hundred_writes_at_once(api: Api) -> None:
    """Wall clock and the settings' limit (60 a minute): 121 writes sent back to back cannot
    all pass, whichever minute boundary they straddle."""
    _, parent = new_parent()
    statuses = [
        api.call("POST", f"/v1/notifications/{'0' * 26}/read", parent, {})[0] for _ in range(121)
    ]
    assert set(statuses) == {404, 429}, set(statuses)
    assert statuses.count(404) <= 2 * get_settings().rate_limit_parent_writes


def test_a_write_refused_by_the_limit_can_be_retried_with_the_same_key_later(
    api: Api, world: World, clock: Clock
) -> None:
    _, parent = new_parent()
    for _ in range(LIMIT):
        assert create(api, world, parent)[0] == 201
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = factories.transfer_body(world.origin, world.destination)
    assert api.call("POST", "/v1/transfers", parent, body, key)[0] == 429
    clock.at += WINDOW
    status, created, headers = api.call("POST", "/v1/transfers", parent, body, key)
    assert (status, headers["Idempotent-Replayed"]) == (201, "false"), created
