"""Event entry points of PPDB results: the 5-minute tick (live snapshots, final allocation
requests, freezing the announced run) and the allocation worker (SQS)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from chalice import Blueprint, Rate
from chalice.app import SQSEvent

from chalicelib.wiring import deps

bp = Blueprint(__name__)
ALLOCATIONS_QUEUE = "tl-edu-allocations"

# Every 5 minutes; the interval is the rule's (infra/resources.json may change it per stage).
TICK_SCHEDULE = Rate(5, unit=Rate.MINUTES)


@bp.schedule(TICK_SCHEDULE)
def admissions_tick(event: Any) -> dict[str, Any]:
    from chalicelib.admission_results import jobs

    return asdict(jobs.tick(deps()))


def handle_record(record: SQSRecord) -> None:
    from chalicelib.admission_results import jobs

    message = json.loads(record.body)
    jobs.allocate(message, deps())


def process(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    from chalicelib.core.batch import sqs_batch

    return sqs_batch(event, handle_record, context)


@bp.on_sqs_message(queue=ALLOCATIONS_QUEUE, batch_size=1)
def on_allocation_request(event: SQSEvent) -> dict[str, Any]:
    return process(event.to_dict(), event.context)
