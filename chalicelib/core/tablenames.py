"""Lazy table names and region for PynamoDB ``Meta`` classes.

PynamoDB reads ``Meta.table_name`` when it first connects, not at import, if the attribute is a
descriptor. That keeps settings (and the environment of the Chalice test client) out of import time.
"""

from __future__ import annotations

import os
from typing import Any


class SettingName:
    def __init__(self, field: str) -> None:
        self.field = field

    def __get__(self, obj: Any, owner: Any) -> str:
        from chalicelib.core.settings import get_settings

        return str(getattr(get_settings(), self.field))


class EnvRegion:
    def __get__(self, obj: Any, owner: Any) -> str:
        return (
            os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-southeast-3"
        )
