"""Lazily created, cached boto3 clients (never at import time). Endpoints come from the standard
AWS_ENDPOINT_URL* variables, which is how the local stand-in and tests point them at moto."""

from __future__ import annotations

import os
from functools import cache
from typing import Any


@cache
def client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    from chalicelib.core.settings import get_settings

    settings = get_settings()
    custom_endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    style = "path" if custom_endpoint else "virtual"
    config = Config(
        region_name=settings.region,
        signature_version="s3v4" if service == "s3" else None,
        s3={"addressing_style": style} if service == "s3" else None,
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=3,
        read_timeout=10,
    )
    return boto3.session.Session().client(service, config=config)


def reset_clients() -> None:
    client.cache_clear()
