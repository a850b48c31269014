"""Small I/O helpers of PPDB results: reading an object that may not exist, writing a public
snapshot with its cache header, and sending an allocation request to the queue.

Public snapshots carry ``Cache-Control: public, max-age=60`` (CloudFront and browsers keep one
for at most a minute; a tick is 5 minutes).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from chalicelib.core.storage import Storage

JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PUBLIC_CACHE = "public, max-age=60"
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


def read_object(store: Storage, key: str) -> bytes | None:
    """The object's bytes, or None when there is no such object."""
    try:
        return store.read(key)
    except KeyError:  # in-memory stores
        return None
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code in _MISSING:
            return None
        raise


def read_json(store: Storage, key: str) -> Any | None:
    data = read_object(store, key)
    return None if data is None else json.loads(data)


def dump(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def put_public_json(store: Storage, key: str, doc: Any) -> None:
    """A public document as CloudFront serves it: compact JSON ending with a newline."""
    store.put(key, dump(doc) + b"\n", JSON, cache_control=PUBLIC_CACHE)


@cache
def _queue_url(name: str) -> str:
    from chalicelib.core.aws import client

    return str(client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def send_allocation_request(queue_name: str, message: dict[str, Any]) -> None:
    from chalicelib.core.aws import client

    client("sqs").send_message(QueueUrl=_queue_url(queue_name), MessageBody=json.dumps(message))
