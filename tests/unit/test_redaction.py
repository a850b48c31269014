"""Log lines leave the process without NIKs, No. KKs, bearer tokens or JWTs, wherever they hide."""

from __future__ import annotations

import io
import json
import logging
import uuid
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.core import observability
from chalicelib.core.observability import RedactingFormatter
from local.devauth import generate

NIK = "3671011705120001"
KK = "3671010101200003"
JWT = generate().token("parent-1", "parent")


def emitted(log: Any) -> list[dict[str, Any]]:
    """Log with a real Powertools logger and the service's formatter; the JSON lines it wrote."""
    stream = io.StringIO()
    logger = Logger(
        service=f"redaction-{uuid.uuid4().hex[:8]}",
        level="INFO",
        stream=stream,
        logger_formatter=RedactingFormatter(),
    )
    log(logger)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_nik_in_the_message_is_redacted_and_the_rest_kept() -> None:
    [line] = emitted(lambda log: log.info(f"NIK {NIK} tidak cocok dengan KK {KK}"))

    assert line["message"] == "NIK [REDACTED] tidak cocok dengan KK [REDACTED]"
    assert line["level"] == "INFO"


def test_sixteen_digits_in_extra_fields_are_redacted() -> None:
    [line] = emitted(lambda log: log.warning("lookup", extra={"nik": NIK, "query": f"nik={NIK}"}))

    assert (line["nik"], line["query"]) == ("[REDACTED]", "nik=[REDACTED]")


def test_a_bearer_token_is_redacted() -> None:
    [line] = emitted(lambda log: log.info("Authorization: bearer abc.DEF-123_~+/="))

    assert line["message"] == "Authorization: Bearer [REDACTED]"


def test_a_jwt_is_redacted_with_or_without_bearer() -> None:
    lines = emitted(
        lambda log: (
            log.info("token", extra={"token": JWT}),
            log.info(f"Authorization: Bearer {JWT}"),
        )
    )

    assert lines[0]["token"] == "[REDACTED-JWT]"
    assert lines[1]["message"] == "Authorization: Bearer [REDACTED]"
    assert all(part not in json.dumps(lines) for part in JWT.split("."))


def test_a_nik_in_an_exception_traceback_is_redacted() -> None:
    def fail(log: Logger) -> None:
        try:
            raise ValueError(f"NIK {NIK} ditolak")
        except ValueError:
            log.exception("validation failed")

    [line] = emitted(fail)

    assert "ValueError: NIK [REDACTED] ditolak" in line["exception"]
    assert NIK not in json.dumps(line)


def test_numbers_that_are_not_sixteen_digits_are_kept() -> None:
    text = "NPSN 20606123, HP +6281234567890, 15 digit 367101170512000, 17 digit 36710117051200012"
    [line] = emitted(lambda log: log.info(text))

    assert line["message"] == text


def test_the_service_logger_formats_through_the_redacting_formatter() -> None:
    formatter = observability.logger().registered_formatter
    record = logging.LogRecord("svc", logging.INFO, __file__, 1, f"NIK {NIK}", None, None)

    assert isinstance(formatter, RedactingFormatter)
    assert json.loads(formatter.format(record))["message"] == "NIK [REDACTED]"


def test_a_numeric_nik_is_redacted_and_the_line_stays_json() -> None:
    [line] = emitted(lambda log: log.info("lookup", extra={"nik": int(NIK)}))

    assert NIK not in json.dumps(line)
