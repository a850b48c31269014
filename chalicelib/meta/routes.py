"""Health and the API contract (OpenAPI 3.1, generated from routes and models, committed).

The served document lists the server that serves it first (PUBLIC_BASE_URL of the stage: the
local stack's own URL under ``make run``), so a client generated from it calls the right API."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from chalice import Blueprint
from pydantic import ConfigDict

from chalicelib.core.http import Reply, Req, endpoint
from chalicelib.core.schemas import Output
from chalicelib.core.settings import get_settings

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


def with_server(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    """The document with ``base_url`` among its servers (first when it was not listed)."""
    servers = list(document.get("servers") or [])
    if any(server.get("url") == base_url for server in servers):
        return document
    this = {"url": base_url, "description": "Server yang melayani dokumen ini"}
    return document | {"servers": [this, *servers]}


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
    document = with_server(_openapi(), get_settings().public_base_url.rstrip("/"))
    return Reply(OpenApiDocument.model_validate(document))
