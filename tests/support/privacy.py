"""Canary-NIK search support shared by the privacy tests: capture of every log line and the
Powertools stream, the leak check, and low-level reads of every table and bucket (tests only).

Registered as a pytest plugin (tests/conftest.py): fixture ``captured``.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from chalicelib.core.aws import client as aws_client
from chalicelib.core.observability import logger
from chalicelib.core.settings import get_settings
from tests.support.fixtures import Api

SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
SEPARATORS = re.compile(r"[\s.\-/_:,]")
BIRTH = date(2011, 9, 23)
TABLE_SETTINGS = (
    "transfers_table",
    "schools_table",
    "documents_table",
    "notifications_table",
    "audit_table",
    "locks_table",
    "letters_table",
    "idempotency_table",
    "admissions_table",
    "privacy_requests_table",
)
PROBLEM_KEYS = {"type", "title", "status", "code", "detail"}


def leaks(canary: str, text: str) -> bool:
    """The canary as is, or as a 16-digit run once separators are dropped (3671 0463 ...)."""
    return canary in text or canary in SEPARATORS.sub("", text)


@dataclass
class Captured:
    """What this test's requests produced, for the canary search."""

    powertools: io.StringIO
    caplog: pytest.LogCaptureFixture
    responses: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def arm(self) -> None:
        self.caplog.set_level(logging.DEBUG)  # every logger, root included, at DEBUG

    def log_lines(self) -> list[tuple[str, str]]:
        lines = []
        for record in self.caplog.records:
            try:
                message = record.getMessage()
            except (TypeError, ValueError):
                message = str(record.msg)
            lines.append((record.name, f"{message} {record.__dict__!r}"))
        return lines


@pytest.fixture
def captured(caplog: pytest.LogCaptureFixture) -> Iterator[Captured]:
    """The Powertools handler's stream (what the Lambda prints to CloudWatch, through the
    redacting formatter) swapped for a buffer. Tests call ``arm()`` first: pytest gives each phase
    its own capture handler, so a level set here (setup) would not hold during the test."""
    powertools = logger()
    handler = powertools.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    old_stream, old_level = handler.setStream(buffer), powertools.log_level
    powertools.setLevel("DEBUG")
    try:
        yield Captured(buffer, caplog)
    finally:
        handler.setStream(old_stream)
        powertools.setLevel(old_level)


def call(
    api: Api,
    seen: Captured,
    method: str,
    path: str,
    token: str | None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, dict[str, str]]:
    status, data, response_headers = api.call(method, path, token, body, headers)
    seen.responses.append(f"{status} {json.dumps(data)} {json.dumps(response_headers)}")
    assert status < 500, (method, path, data)
    return status, data, response_headers


def scan_all(table: str) -> list[dict[str, Any]]:
    ddb = aws_client("dynamodb")
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = ddb.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def key_attributes(table: str) -> set[str]:
    described = aws_client("dynamodb").describe_table(TableName=table)["Table"]
    schemas = [described["KeySchema"]]
    for index in described.get("GlobalSecondaryIndexes", []) + described.get(
        "LocalSecondaryIndexes", []
    ):
        schemas.append(index["KeySchema"])
    return {k["AttributeName"] for schema in schemas for k in schema}


def all_s3_keys(bucket: str | None = None) -> list[str]:
    s3, bucket = aws_client("s3"), bucket or get_settings().documents_bucket
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys
