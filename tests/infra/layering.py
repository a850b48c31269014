"""Which function needs which Lambda layer: shared by test_layers.py (on the merge template, fast)
and test_package.py (on the packaged zips, in a clean interpreter per function).

The heavy libraries are imported lazily (inside the function that needs them) or by modules that
are imported lazily, so `import app` alone never loads them. USES names, for every module that
imports a layer library, the functions whose code path runs it. It is kept by hand (a module-level
import graph cannot tell: final.py holds both the API's enqueue and the worker's solve) and
checked both ways: every layer library import in chalicelib must be a USES module, and every
function listed must get the layers of what the module imports.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _load_infra_layers() -> ModuleType:
    """infra/layers.py (the build step of `make package`; infra/ is no package)."""
    spec = importlib.util.spec_from_file_location("infra_layers", ROOT / "infra" / "layers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


infra_layers = _load_infra_layers()

FUNCTIONS = ("APIHandler", "JwtAuth", "OnUploadEvent", "TransferReminders", "AdmissionsTick",
             "OnAllocationRequest", "AdmissionReminders", "AdmissionRelease")  # fmt: skip
API, UPLOADS, TICK, WORKER = "APIHandler", "OnUploadEvent", "AdmissionsTick", "OnAllocationRequest"
USES: dict[str, frozenset[str]] = {
    # the allocation engine: the final allocation (worker) and live rankings (tick, snapshots.py)
    "chalicelib.admissions.allocation.engine": frozenset({TICK, WORKER}),
    "chalicelib.admissions.allocation.instance": frozenset({TICK, WORKER}),
    # transfer letters: rendered when a transfer is approved and on download (transfers routes)
    "chalicelib.transfers.letter_pdf": frozenset({API}),
    # per-school XLSX result export (admission_results routes)
    "chalicelib.admission_results.export": frozenset({API}),
    # school imports are read after their upload settles (documents handler -> after_upload)
    "chalicelib.admission_imports.sheets": frozenset({UPLOADS}),
    # PDF/image checks of an upload (documents.service.settle_upload, upload handler only)
    "chalicelib.documents.content": frozenset({UPLOADS}),
}
# Libraries a layer library needs at run time although the module never names them
# (fpdf2 draws images with Pillow; it imports PIL inside a try, so `import fpdf` alone passes).
NEEDS_TOO = {"fpdf": ("PIL",)}


def template() -> dict[str, Any]:
    return dict(json.loads((ROOT / "infra" / "resources.json").read_text()))


def requirement_names(path: Path) -> list[str]:
    """Normalized distribution names of a requirements file (``-r`` lines skipped)."""
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.append(re.split(r"[=<>\[;~!]", line)[0].strip().lower().replace("-", "_"))
    return names


def layer_libraries() -> dict[str, set[str]]:
    """{layer logical id: top-level import names of its distributions}."""
    providers = importlib.metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for layer, zip_name in infra_layers.layers(template()).items():
        dists = set(requirement_names(infra_layers.requirements_file(zip_name)))
        found[layer] = {
            name
            for name, owners in providers.items()
            if {d.lower().replace("-", "_") for d in owners} & dists
        }
    return found


def module_path(module: str) -> Path:
    path = ROOT / (module.replace(".", "/") + ".py")
    return path if path.exists() else ROOT / module.replace(".", "/") / "__init__.py"


def _type_checking_only(tree: ast.Module) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            ids |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return ids


def third_party_imports(module: str) -> list[tuple[str, str]]:
    """(statement, top-level name) of every absolute import of a non-stdlib, non-project
    library in the module, at module level or inside functions (TYPE_CHECKING blocks skipped)."""
    tree = ast.parse(module_path(module).read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            tops = [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            tops = [node.module.split(".")[0]]
        else:
            continue
        for top in tops:
            if top not in sys.stdlib_module_names and top not in ("chalicelib", "__future__"):
                found.append((ast.unparse(node), top))
    return found


def chalicelib_modules() -> list[str]:
    return sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in (ROOT / "chalicelib").rglob("*.py")
    )


def needed_libraries(function: str) -> set[str]:
    """Top-level import names the function's USES modules import (plus NEEDS_TOO)."""
    names = {top for m, fns in USES.items() if function in fns for _, top in third_party_imports(m)}
    return names | {extra for n in list(names) for extra in NEEDS_TOO.get(n, ())}
