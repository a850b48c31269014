"""The documents subsystem names no feature: owners register their kinds in their own package
(``document_kinds.py``), found on the first lookup; ``import app`` pays for none of them."""

from __future__ import annotations

import subprocess
import sys

from chalicelib.documents import kinds, registry
from chalicelib.documents.domain import inspect
from tests.test_architecture import MODULES, ROOT, rel


def chalicelib_imports(path: object) -> set[str]:
    import ast
    from pathlib import Path

    assert isinstance(path, Path)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m.startswith("chalicelib.")}


def test_the_documents_package_imports_no_feature() -> None:
    allowed = ("chalicelib.core", "chalicelib.documents", "chalicelib.wiring")
    offenders = {
        rel(p): sorted(m for m in chalicelib_imports(p) if not m.startswith(allowed))
        for p in MODULES
        if rel(p).startswith("chalicelib/documents/")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_document_kind_modules_declare_data_only() -> None:
    """An owner's document_kinds imports no service, repository, schema or route module."""
    heavy = ("service", "repository", "schemas", "routes", "handlers", "codec")
    for p in MODULES:
        if p.name == "document_kinds.py":
            assert not [m for m in chalicelib_imports(p) if m.rsplit(".", 1)[-1] in heavy], rel(p)


def test_every_owner_of_today_is_found_by_its_ref_kind() -> None:
    found = {ref: registry.kind_of(f"{ref}#01J") for ref in ("transfer", "ppdb", "ppdbimport")}
    assert {ref: kind.owner for ref, kind in found.items() if kind} == {
        "transfer": "transfer",
        "ppdb": "ppdb",
        "ppdbimport": "ppdbimport",
    }
    assert found["transfer"].content_types == ("application/pdf", "image/jpeg", "image/png")
    assert found["ppdbimport"].listener is not None and found["transfer"].listener is None
    assert registry.kind_of("nobody#01J") is None


def test_limits_are_per_kind() -> None:
    video = kinds.DocumentKind(owner="clip", max_bytes=2 * kinds.GIB)
    assert video.limit(5 * kinds.MIB) == 2 * kinds.GIB
    assert kinds.PAPERS_KIND.limit(5 * kinds.MIB) == 5 * kinds.MIB
    assert inspect("application/pdf", 6 * kinds.MIB, b"%PDF-1.7", 5 * kinds.MIB) == "file_too_large"


def test_importing_the_app_imports_no_document_kind() -> None:
    probe = "import sys, app\nprint('\\n'.join(m for m in sys.modules if 'document_kinds' in m))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    assert out == []


def test_every_registered_listener_and_guard_resolves_to_a_function() -> None:
    """Dotted paths are imported only when called: a moved module must fail here, not in S3."""
    registry.discover()
    for owner in ("transfer", "ppdb", "ppdbimport"):
        kind = registry.kind_of(f"{owner}#01J")
        assert kind is not None
        for path in (kind.listener, kind.guard):
            assert path is None or callable(registry.resolve(path)), (owner, path)
