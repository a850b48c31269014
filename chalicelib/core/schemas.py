"""Base models every feature's schemas build on."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from chalicelib.core.clock import iso_utc, to_wib
from chalicelib.core.validators import mask_nik_like

UtcTime = Annotated[
    datetime,
    PlainSerializer(iso_utc, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


Prose = Annotated[str, AfterValidator(mask_nik_like)]
"""Every free-text input (a reason, a note, a name, an address line): NIK/No. KK-like digit runs
are masked at the input edge, before anything is stored, shown, pushed or logged. Every ``str``
field of an ``Input`` model is either constrained (pattern, enum, an id type) or ``Prose``:
tests/unit/test_free_text.py walks every input model and fails otherwise."""


ObjectId = Annotated[
    str, Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{26}$", description="Id objek (ULID, 26 karakter)")
]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
"""A short machine code chosen from a list (a route, a document slot)."""


def wib_text(value: datetime) -> str:
    return to_wib(value).strftime("%d-%m-%Y %H:%M WIB")


class Input(BaseModel):
    """Request bodies: unknown fields are refused (422), strings trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class Output(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class ActionInput(Input):
    reason: Prose = Field(default="", max_length=1000)
    version: int | None = Field(
        default=None, ge=1, le=1_000_000, description="Versi yang dilihat klien (opsional)"
    )
