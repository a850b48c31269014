"""Base models every feature's schemas build on."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from chalicelib.core.clock import iso_utc, to_wib

UtcTime = Annotated[
    datetime,
    PlainSerializer(iso_utc, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def wib_text(value: datetime) -> str:
    return to_wib(value).strftime("%d-%m-%Y %H:%M WIB")


class Input(BaseModel):
    """Request bodies: unknown fields are refused (422), strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class Output(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ActionInput(Input):
    reason: str = Field(default="", max_length=1000)
    version: int | None = Field(
        default=None, ge=1, le=1_000_000, description="Versi yang dilihat klien (opsional)"
    )
