"""SQS batches with partial failures (Powertools BatchProcessor), shared by every SQS handler.

The event source mappings have ReportBatchItemFailures (infra/resources.json), so only the
messages whose handler raised are retried; the others are deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


def sqs_batch(
    event: dict[str, Any], handle: Callable[[SQSRecord], None], context: Any = None
) -> dict[str, Any]:
    processor = BatchProcessor(event_type=EventType.SQS)
    response = process_partial_response(
        event=event, record_handler=handle, processor=processor, context=context
    )
    return dict(response)
