"""The committed OpenAPI document is the one the code builds, is valid 3.1, covers every route
with its roles, and is what GET /v1/openapi.json serves."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice.test import Client
from openapi_spec_validator import validate
from openapi_spec_validator.validation.validators import OpenAPIV31SpecValidator

from chalicelib import openapi
from chalicelib.access_policy import PUBLIC_ROUTES, ROUTE_ROLES
from chalicelib.core.http import ROUTE_DOCS
from chalicelib.core.settings import get_settings

REGENERATE = "chalicelib/openapi.json is stale: run `python -m chalicelib.openapi --write`"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi.build()


def _operation(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return dict(document["paths"][path][method.lower()])


def test_the_committed_document_is_the_built_one(document: dict[str, Any]) -> None:
    committed = json.loads(openapi.OUTPUT.read_text(encoding="utf-8"))
    assert committed == document, REGENERATE
    assert openapi.OUTPUT.read_text(encoding="utf-8") == openapi.render(document), REGENERATE


def test_every_app_route_is_declared_and_documented(document: dict[str, Any]) -> None:
    routes = {(method, path): view for method, path, view in openapi.app_routes()}
    assert set(routes) == set(ROUTE_DOCS)
    documented = {
        (method.upper(), path): op["operationId"]
        for path, ops in document["paths"].items()
        for method, op in ops.items()
    }
    assert documented == routes
    for (method, path), doc in ROUTE_DOCS.items():
        op = _operation(document, method, path)
        assert doc.summary and op["summary"] == doc.summary, (method, path)
        assert doc.returns is not None, f"{method} {path} declares no response model"
        assert str(doc.status) in op["responses"], (method, path)


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document, cls=OpenAPIV31SpecValidator)
    validate(document)


def test_every_policed_route_lists_its_roles_and_needs_a_bearer_token(
    document: dict[str, Any],
) -> None:
    for (method, path), roles in ROUTE_ROLES.items():
        op = _operation(document, method, path)
        assert op["x-roles"] == sorted(r.value for r in roles), (method, path)
        assert op["x-roles"], (method, path)
        assert op["security"] == [{"bearerAuth": []}], (method, path)
        assert {"401", "403"} <= set(op["responses"]), (method, path)
    for method, path in PUBLIC_ROUTES:
        op = _operation(document, method, path)
        assert op["security"] == [] and "x-roles" not in op, (method, path)


def test_lists_take_limit_and_cursor(document: dict[str, Any]) -> None:
    for (method, path), doc in ROUTE_DOCS.items():
        if doc.returns is None or "next_cursor" not in doc.returns.model_fields:
            continue
        names = {p["name"] for p in _operation(document, method, path).get("parameters", [])}
        assert {"limit", "cursor"} <= names, (method, path)


def test_bodies_and_problems_point_at_components(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    problem = schemas["Problem"]
    assert {"type", "title", "status", "code", "detail"} <= set(problem["required"])
    assert problem["additionalProperties"] is True
    refs = json.dumps(document)
    for name in schemas:
        assert f'"#/components/schemas/{name}"' in refs or name == "Problem"
    for (method, path), doc in ROUTE_DOCS.items():
        op = _operation(document, method, path)
        if doc.body is None:
            assert "requestBody" not in op, (method, path)
        else:
            ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref == f"#/components/schemas/{doc.body.__name__}"
            assert {"413", "415", "422"} <= set(op["responses"]), (method, path)


def test_the_app_serves_the_committed_document(
    chalice_client: Client, document: dict[str, Any]
) -> None:
    response = chalice_client.http.get("/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    served = json.loads(response.body)
    this = served["servers"].pop(0)  # the server of this stage comes first when not listed
    assert this["url"] == get_settings().public_base_url.rstrip("/")
    assert served == document, REGENERATE
