"""Rate-limit counters in the idempotency table (no table of their own): one item per caller and
window, ``id = ratelimit#<sub hash>#<window start>``, ``count``, and ``expiration`` (the table's
TTL attribute) just after the window ends. Powertools' records in the same table are keyed by
function name + hash and never collide with the ``ratelimit#`` prefix."""

from __future__ import annotations

from chalicelib.core.aws import client
from chalicelib.core.observability import logger


class DynamoCounters:
    """CounterStore on DynamoDB: one conditional UpdateItem per counted write."""

    def __init__(self, table: str) -> None:
        self.table = table

    def increment(self, key: str, limit: int, expires_at: int) -> bool:
        """True when counted; False when the window's count already reached ``limit``.

        Any other DynamoDB failure lets the request through (logged): the limiter guards
        against floods and must never be the reason a parent's write fails; the write itself
        meets the same DynamoDB and fails or succeeds on its own."""
        dynamodb = client("dynamodb")
        try:
            dynamodb.update_item(
                TableName=self.table,
                Key={"id": {"S": key}},
                UpdateExpression="ADD #count :one "
                "SET #expiration = if_not_exists(#expiration, :exp)",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": "count", "#expiration": "expiration"},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":exp": {"N": str(expires_at)},
                },
            )
        except dynamodb.exceptions.ConditionalCheckFailedException:
            return False
        except dynamodb.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            logger().warning("rate limiter unavailable; request let through", extra={"code": code})
        return True
