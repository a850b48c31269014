"""Health and the API contract (OpenAPI 3.1, generated from routes and models, committed)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from chalice import Blueprint

from chalicelib.core.http import Reply, Req, endpoint
from chalicelib.core.schemas import Output

bp = Blueprint(__name__)
OPENAPI_FILE = Path(__file__).resolve().parent.parent / "openapi.json"


class Health(Output):
    status: str
    service: str


class Document(Output):
    model_config = {"extra": "allow"}


@lru_cache(maxsize=1)
def _openapi() -> dict[str, Any]:
    return dict(json.loads(OPENAPI_FILE.read_text()))


@endpoint(bp, "/v1/health", public=True)
def health(req: Req) -> Reply:
    return Reply(Health(status="ok", service="tangerang-live-edu"))


@endpoint(bp, "/v1/openapi.json", public=True)
def openapi(req: Req) -> Reply:
    return Reply(Document.model_validate(_openapi()))
