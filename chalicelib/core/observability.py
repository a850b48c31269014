"""Powertools Logger (JSON, request id) and Metrics (EMF), with a redacting formatter.

Every emitted log line passes through ``redact``: any run of exactly 16 digits (NIK, No. KK)
and any bearer token are replaced, whatever field or traceback they hide in.
"""

from __future__ import annotations

import logging
import re
import warnings
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

SERVICE = "tangerang-live-edu"
_SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
_BEARER = re.compile(r"(?i)bearer\s+[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    text = _SIXTEEN_DIGITS.sub("[REDACTED]", text)
    text = _BEARER.sub("Bearer [REDACTED]", text)
    return _JWT.sub("[REDACTED-JWT]", text)


def scrub(value: Any) -> Any:
    """Redact inside a structured log record: strings, and 16-digit integers (a NIK as number)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and len(str(abs(value))) == 16:
        return "[REDACTED]"
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Scrubs the structured record, then the serialised line once more (valid JSON either way)."""

    def serialize(self, log: Any) -> str:
        return redact(super().serialize(scrub(log)))


class RedactingFilter(logging.Filter):
    """For handlers that do not use our formatter (library debug logs, the Lambda runtime's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def install_root_redaction() -> None:
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


@lru_cache(maxsize=1)
def logger() -> Logger:
    install_root_redaction()
    return Logger(
        service=SERVICE, logger_formatter=RedactingFormatter(), log_uncaught_exceptions=False
    )


# Most invocations add no metric (a GET, a job with nothing to do); Powertools then warns on every
# flush, which reads like an error in `make run` / `make job` and in every Lambda log. Ignored the
# way its documentation suggests, this message only: every other warning still shows.
EMPTY_METRICS_WARNING = "No application metrics to publish"


@lru_cache(maxsize=1)
def metrics() -> Metrics:
    warnings.filterwarnings("ignore", message=EMPTY_METRICS_WARNING, category=UserWarning)
    return Metrics(service=SERVICE, namespace="TangerangLiveEdu")


def count(name: str, **dimensions: Any) -> None:
    """Add one to a metric; dimensions must never hold personal data."""
    m = metrics()
    m.add_metric(name=name, unit="Count", value=1)
    for key, value in dimensions.items():
        m.add_metadata(key=key, value=str(value))
