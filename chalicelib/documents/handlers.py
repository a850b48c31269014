"""S3 (quarantine/) -> SQS -> this handler: check each uploaded object, partial-batch failures.

The object key names the owner kind (``quarantine/<owner>/<id>/<doc>``); the owner's registered
document kind (``documents.registry``) says how the object is judged and which listener runs
after it settled. This module names no feature.

Powertools BatchProcessor reports failed message ids; the event source mapping has
ReportBatchItemFailures (infra/resources.json), so only failed messages are retried.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from chalice import Blueprint
from chalice.app import SQSEvent

from chalicelib.wiring import deps

bp = Blueprint(__name__)
UPLOADS_QUEUE = "tl-edu-uploads"


def handle_record(record: SQSRecord) -> None:
    from chalicelib.core.clock import parse_utc
    from chalicelib.core.observability import count, logger
    from chalicelib.documents.service import after_settle, settle_upload

    message = json.loads(record.body)
    for item in message.get("Records", []):  # s3:TestEvent has none
        if not str(item.get("eventName", "")).startswith("ObjectCreated"):
            continue
        key = unquote_plus(item["s3"]["object"]["key"])
        d = deps()
        outcome, doc = settle_upload(
            key,
            parse_utc(item["eventTime"]),
            docs=d.documents,
            storage=d.storage,
            settings=d.settings,
        )
        logger().info("upload settled", extra={"outcome": outcome, "key": key})
        count("UploadSettled", outcome=outcome)
        if doc is not None:  # the owner's listener, if its document kind registered one
            after_settle(doc, outcome, deps=d)


def process(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    from chalicelib.core.batch import sqs_batch

    return sqs_batch(event, handle_record, context)


@bp.on_sqs_message(queue=UPLOADS_QUEUE, batch_size=10)
def on_upload_event(event: SQSEvent) -> dict[str, Any]:
    return process(event.to_dict(), event.context)
