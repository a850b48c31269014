"""The API contract: an OpenAPI 3.1 document built from the app's routes and what each route
declares on ``chalicelib.core.http.endpoint`` (``ROUTE_DOCS``), plus the roles of
``chalicelib.access_policy`` (as ``x-roles``).

    python -m chalicelib.openapi            print the document (sorted keys, indent 2)
    python -m chalicelib.openapi --write    write chalicelib/openapi.json

chalicelib/openapi.json is committed and served at GET /v1/openapi.json;
tests/unit/test_openapi.py fails when it differs from ``build()``. Build time only: nothing in
the deployed app imports this module.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from chalicelib.access_policy import allowed_roles
from chalicelib.core.http import (
    MAX_BODY_BYTES,
    MAX_DEPTH,
    PROBLEM_TYPE,
    ROUTE_DOCS,
    EmptyBody,
    RouteDoc,
)
from chalicelib.core.idempotency import MAX_KEY_LENGTH
from chalicelib.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from chalicelib.transfers.domain import State

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = Path(__file__).resolve().parent / "openapi.json"
OPENAPI_VERSION = "3.1.0"
TITLE = "Tangerang Live — Layanan Pendidikan API"
API_VERSION = "0.1.0"
REF = "#/components/schemas/{model}"
SECURITY_SCHEME = "bearerAuth"
_PATH_PARAM = re.compile(r"\{([^}]+)\}")

DESCRIPTION = f"""\
Layanan pendidikan Tangerang Live (Kota Tangerang), dimulai dari Pindah Sekolah.

* Autentikasi: access token Amazon Cognito di header `Authorization: Bearer <token>`; token
  di query string ditolak (401). Peran dari grup Cognito; peran yang diizinkan per operasi
  tercantum di `x-roles`. Pemeriksaan per objek (permohonan, sekolah) tetap berlaku.
* Kesalahan: RFC 9457 `application/problem+json` (skema `Problem`) dengan `code` yang stabil
  untuk mesin dan `detail` berbahasa Indonesia untuk manusia.
* POST dengan header `Idempotency-Key` dijalankan sekali; pengulangan mengembalikan respons
  pertama dengan header `Idempotent-Replayed: true`.
* Daftar memakai `limit` dan `cursor`; kirim `next_cursor` dari respons sebelumnya sebagai
  `cursor`. `next_cursor` bernilai null di halaman terakhir.
* Query string: hanya parameter yang tercantum pada operasi, masing-masing sekali, dan hanya
  oleh peran di `x-roles` parameter itu; selain itu 400 (`unknown_parameter`,
  `repeated_parameter`, `parameter_not_allowed`) dengan nama parameter di `parameter`.
* Isi POST/PUT/PATCH: `application/json` (selain itu 415), paling besar 64 KB (413),
  bersarang paling dalam {MAX_DEPTH} tingkat dan tanpa nama anggota ganda (400 `invalid_json`);
  field yang tidak dikenal 422. Operasi tanpa isian menerima isi kosong atau `{{}}`. GET
  mengabaikan isi dan jenis kontennya.
* Setiap perubahan (POST/PUT/PATCH/DELETE) dihitung per pemanggil: lewat batas per menit
  (orang tua dan petugas berbeda) jawabannya 429 `rate_limited` dengan `Retry-After`.
  Pengulangan dengan Idempotency-Key yang sama tidak dihitung lagi.
* Setiap problem membawa `request_id`; setiap isi respons diakhiri baris baru.
"""

SERVERS = [
    {"url": "https://api.tangerangkota.go.id/edu", "description": "Produksi"},
    {"url": "https://api-dev.tangerangkota.go.id/edu", "description": "Pengembangan"},
]

TAGS = {
    "transfers": "Pindah Sekolah: permohonan, dokumen, surat rekomendasi dan audit.",
    "schools": "Direktori sekolah dan kursi kosong per kelas.",
    "notifications": "Kotak masuk notifikasi pemanggil.",
    "meta": "Kesehatan layanan dan kontrak API ini.",
    "admissions": "PPDB/SPMB: periode, pra-pendaftaran, dokumen, verifikasi, pendaftaran jalur.",
    "admission_imports": "PPDB: impor data sekolah (CSV/XLSX) per periode.",
    "admission_results": "PPDB: peringkat sementara, alokasi final, pengumuman, ekspor.",
    "admission_enrolment": "PPDB: daftar ulang, pelepasan kursi (tahap 2) dan statistik.",
}

PATH_PARAMS = {
    "transfer_id": "ID permohonan pindah sekolah.",
    "document_id": "ID dokumen permohonan.",
    "code": "Kode verifikasi surat rekomendasi (dari kode QR pada surat).",
    "npsn": "NPSN sekolah (8 angka).",
    "grade": "Kelas (SD 1-6, SMP 7-9).",
    "notification_id": "ID notifikasi.",
    "period_id": "ID periode PPDB.",
    "application_id": "ID pendaftaran PPDB.",
    "import_id": "ID impor data sekolah.",
}

QUERY_SCHEMAS: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
    "side": {"type": "string", "enum": ["incoming", "outgoing"], "default": "incoming"},
    "state": {"type": "string", "enum": [s.value for s in State]},
    "kabkota": {"type": "string", "pattern": "^[0-9]{4}$"},
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. Extra members depend on `code` "
    "(mis. `errors` untuk 422, `allowed` untuk 409, `current_version` untuk 412).",
    "type": "object",
    "properties": {
        "type": {"type": "string", "format": "uri", "examples": [PROBLEM_TYPE + "forbidden_role"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "Kode stabil untuk mesin (bahasa Inggris)."},
        "detail": {"type": "string", "description": "Penjelasan untuk manusia."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
        "retry_after": {"type": "integer"},
        "request_id": {"type": "string", "description": "Id permintaan (untuk laporan ke CS)."},
        "parameter": {"type": "string", "description": "Parameter query yang ditolak."},
    },
    "required": ["type", "title", "status", "code", "detail", "request_id"],
    "additionalProperties": True,
}

# status -> (components/responses name, description)
PROBLEMS: dict[str, tuple[str, str]] = {
    "400": (
        "BadRequest",
        "Permintaan tidak valid (parameter query tidak dikenal, berulang atau bukan untuk peran "
        "ini; nilai parameter, cursor, JSON, Idempotency-Key).",
    ),
    "401": (
        "Unauthorized",
        "Belum masuk: token tidak ada, tidak valid atau kedaluwarsa, atau dikirim di query.",
    ),
    "403": ("Forbidden", "Peran atau objek ini tidak diizinkan untuk pemanggil."),
    "404": ("NotFound", "Tidak ditemukan (atau tidak terlihat oleh pemanggil)."),
    "409": (
        "Conflict",
        "Konflik dengan keadaan saat ini: langkah tidak diizinkan, kursi habis, atau "
        "permintaan yang sama masih diproses.",
    ),
    "412": ("PreconditionFailed", "Data sudah berubah: `version` yang dikirim sudah usang."),
    "413": ("PayloadTooLarge", f"Isi permintaan lebih dari {MAX_BODY_BYTES // 1024} KB."),
    "415": ("UnsupportedMediaType", "Isi permintaan harus application/json."),
    "422": (
        "UnprocessableContent",
        "Isian tidak valid (lihat `errors`) atau Idempotency-Key dipakai untuk isi lain.",
    ),
    "429": (
        "TooManyRequests",
        "Terlalu banyak permintaan (batas API atau batas perubahan per pemanggil); "
        "coba lagi setelah `Retry-After` detik.",
    ),
    "5XX": ("ServerError", "Kesalahan server atau layanan sedang sibuk; coba lagi."),
}


class SchemaConflictError(RuntimeError):
    """Two different JSON schemas want the same components/schemas name."""


def _feature(doc: RouteDoc) -> str:
    parts = doc.module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "chalicelib" else parts[0]


def _add_schema(schemas: dict[str, Any], name: str, schema: dict[str, Any]) -> None:
    if name in schemas and schemas[name] != schema:
        raise SchemaConflictError(
            f"two models map to components/schemas/{name}; rename one of them"
        )
    schemas[name] = schema


def _model_ref(
    schemas: dict[str, Any],
    model: type[BaseModel],
    mode: Literal["validation", "serialization"],
) -> dict[str, str]:
    schema = model.model_json_schema(ref_template=REF, mode=mode)
    for name, definition in schema.pop("$defs", {}).items():
        _add_schema(schemas, name, definition)
    _add_schema(schemas, model.__name__, schema)
    return {"$ref": REF.format(model=model.__name__)}


def _path_params(path: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "description": PATH_PARAMS.get(name, name),
            "schema": {"type": "string"},
        }
        for name in _PATH_PARAM.findall(path)
    ]


def _query_params(doc: RouteDoc) -> list[dict[str, Any]]:
    params = []
    for name, spec in doc.params.items():
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": False,
            "description": spec.description,
            "schema": QUERY_SCHEMAS.get(name, {"type": "string"}),
        }
        if spec.roles:
            param["x-roles"] = sorted(str(role) for role in spec.roles)
        params.append(param)
    return params


def _idempotent(doc: RouteDoc) -> bool:
    return doc.method == "POST" and not doc.public


def _idempotency_header() -> dict[str, Any]:
    return {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "Kunci unik (disarankan UUID) agar POST yang diulang dijalankan sekali; "
        "berlaku 24 jam per pemanggil dan route.",
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    }


def problem_statuses(doc: RouteDoc) -> list[str]:
    """The problem responses a route can give, from its shape (see core.http and the services)."""
    has_params = bool(_PATH_PARAM.search(doc.path))
    body_fields = doc.body.model_fields if doc.body is not None else {}
    checks = {
        "400": True,  # an unknown or repeated query parameter, on every route
        "401": True,  # missing/invalid token; a token in the query string, even on public routes
        "403": not doc.public,
        "404": has_params,
        "409": _idempotent(doc) or doc.method in ("PATCH", "PUT") or 409 in doc.errors,
        "412": "version" in body_fields,
        "413": doc.body is not None,
        "415": doc.body is not None,
        "422": doc.body is not None or _idempotent(doc),
        "429": True,  # API Gateway throttling
        "5XX": True,
    }
    listed = [status for status, applies in checks.items() if applies]
    extra = [str(code) for code in doc.errors if str(code) not in listed]
    return sorted(listed + extra, key=lambda s: (s == "5XX", s))


def _success(doc: RouteDoc, schemas: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = {"description": doc.summary or "Berhasil."}
    if doc.returns is not None:
        schema = _model_ref(schemas, doc.returns, "serialization")
        response["content"] = {"application/json": {"schema": schema}}
    if _idempotent(doc):
        response["headers"] = {
            "Idempotent-Replayed": {
                "description": "Ada jika Idempotency-Key dikirim: true bila respons ini ulangan.",
                "schema": {"type": "string", "enum": ["true", "false"]},
            }
        }
    return response


def _operation(doc: RouteDoc, view_name: str, schemas: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": view_name,
        "tags": [_feature(doc)],
        "summary": doc.summary,
        "security": [] if doc.public else [{SECURITY_SCHEME: []}],
    }
    parameters = _path_params(doc.path) + _query_params(doc)
    if _idempotent(doc):
        parameters.append(_idempotency_header())
    if parameters:
        operation["parameters"] = parameters
    if doc.body is not None:
        schema = _model_ref(schemas, doc.body, "validation")
        operation["requestBody"] = {
            "required": doc.body is not EmptyBody,
            "content": {"application/json": {"schema": schema}},
        }
    responses = {str(doc.status): _success(doc, schemas)}
    for status in problem_statuses(doc):
        responses[status] = {"$ref": f"#/components/responses/{PROBLEMS[status][0]}"}
    operation["responses"] = responses
    if not doc.public:
        operation["x-roles"] = sorted(role.value for role in allowed_roles(doc.method, doc.path))
    return operation


def _problem_responses() -> dict[str, Any]:
    content = {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}
    responses: dict[str, Any] = {}
    for status, (name, description) in PROBLEMS.items():
        responses[name] = {"description": description, "content": content}
        if status in ("409", "429"):
            responses[name]["headers"] = {
                "Retry-After": {
                    "description": "Detik sebelum mencoba lagi (bila diketahui).",
                    "schema": {"type": "integer"},
                }
            }
    return responses


def app_routes() -> list[tuple[str, str, str]]:
    """(method, path, view name) of every HTTP route registered on the Chalice app."""
    from app import app

    return [
        (method, path, entry.view_name)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
    ]


def build() -> dict[str, Any]:
    schemas: dict[str, Any] = {"Problem": PROBLEM_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for method, path, view_name in sorted(app_routes(), key=lambda r: (r[1], r[0])):
        doc = ROUTE_DOCS.get((method, path))
        if doc is None:
            raise LookupError(f"{method} {path} is not declared through core.http.endpoint")
        paths.setdefault(path, {})[method.lower()] = _operation(doc, view_name, schemas)
    used_tags = {op["tags"][0] for ops in paths.values() for op in ops.values()}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": API_VERSION, "description": DESCRIPTION},
        "servers": SERVERS,
        "tags": [
            {"name": name, "description": text} for name, text in TAGS.items() if name in used_tags
        ],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "responses": _problem_responses(),
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Access token Amazon Cognito (user pool Tangerang Live). "
                    "Peran dari grup: parent, school_operator, education_staff, admin.",
                }
            },
        },
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", action="store_true", help=f"write {OUTPUT.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    text = render(build())
    if args.write:
        OUTPUT.write_text(text, encoding="utf-8")
        print(f"wrote {OUTPUT.relative_to(ROOT)}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
