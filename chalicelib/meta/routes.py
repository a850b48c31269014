"""Health and the API contract (OpenAPI 3.1, generated from routes and models, committed)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from chalice import Blueprint
from pydantic import ConfigDict

from chalicelib.core.http import Reply, Req, endpoint
from chalicelib.core.schemas import Output

bp = Blueprint(__name__)
OPENAPI_FILE = Path(__file__).resolve().parent.parent / "openapi.json"


class Health(Output):
    status: str
    service: str


class OpenApiDocument(Output):
    """The OpenAPI document, served as committed (chalicelib/openapi.json)."""

    model_config = ConfigDict(extra="allow", defer_build=True)


@lru_cache(maxsize=1)
def _openapi() -> dict[str, Any]:
    return dict(json.loads(OPENAPI_FILE.read_text(encoding="utf-8")))


@endpoint(bp, "/v1/health", public=True, returns=Health, summary="Cek kesehatan layanan")
def health(req: Req) -> Reply:
    return Reply(Health(status="ok", service="tangerang-live-edu"))


@endpoint(
    bp,
    "/v1/openapi.json",
    public=True,
    returns=OpenApiDocument,
    summary="Kontrak API ini (OpenAPI 3.1)",
)
def openapi(req: Req) -> Reply:
    return Reply(OpenApiDocument.model_validate(_openapi()))
