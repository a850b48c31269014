"""Boundaries the style guide asks for, checked on the import statements of every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted((ROOT / "chalicelib").rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Top-level package names imported anywhere in the module (also inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


ALLOWED = {
    "chalice": lambda p: (
        p.name in ("routes.py", "handlers.py")
        or rel(p) in ("chalicelib/core/http.py", "chalicelib/core/auth.py")
    ),
    "pynamodb": lambda p: p.name == "repository.py" or rel(p) == "chalicelib/core/dynamo.py",
    "boto3": lambda p: rel(p) == "chalicelib/core/aws.py",
    "botocore": lambda p: rel(p) == "chalicelib/core/aws.py",
}


@pytest.mark.parametrize("library", sorted(ALLOWED))
def test_only_the_designated_modules_import_the_library(library: str) -> None:
    offenders = [rel(p) for p in MODULES if library in imported(p) and not ALLOWED[library](p)]
    assert offenders == []


def test_domain_modules_are_pure() -> None:
    """Rules import only the standard library, pydantic and other pure chalicelib modules."""
    impure = {"chalice", "pynamodb", "boto3", "botocore", "requests", "fpdf", "segno"}
    offenders = [rel(p) for p in MODULES if p.name == "domain.py" and imported(p) & impure]
    assert offenders == []


def test_heavy_libraries_are_imported_lazily() -> None:
    """fpdf/segno only inside functions, so the API path never pays for them at cold start."""
    for path in MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {
            alias.name.split(".")[0]
            for node in tree.body
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        top |= {
            node.module.split(".")[0]
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not top & {"fpdf", "segno", "openpyxl", "PIL"}, rel(path)


def test_importing_the_app_imports_no_feature_code() -> None:
    """Route and handler modules import their feature (services, repositories, schemas) inside
    the views, so a Lambda instance pays only for the features it serves (cold start)."""
    import subprocess
    import sys

    probe = (
        "import sys, app\nprint('\\n'.join(m for m in sys.modules if m.startswith('chalicelib.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    heavy = [m for m in out if m.rsplit(".", 1)[-1] in ("repository", "service", "codec")]
    feature_schemas = [m for m in out if m.endswith(".schemas") and m != "chalicelib.core.schemas"]
    assert heavy == [] and feature_schemas == []
