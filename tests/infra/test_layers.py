"""The Lambda layers on the merge template (fast: no packaging): every heavy library is in exactly
one layer and left out of requirements.txt, every import of one is attributed to the functions
that run it (tests/infra/layering.py USES), and those functions get the layer. The packaged
zips are checked in test_package.py."""

from __future__ import annotations

import pytest

from tests.infra import layering
from tests.infra.layering import ROOT, USES, infra_layers

TEMPLATE = layering.template()
RESOURCES = TEMPLATE["Resources"]
LAYERS = infra_layers.layers(TEMPLATE)
LIBRARIES = layering.layer_libraries()


def attached(function: str) -> set[str]:
    return {ref["Ref"] for ref in RESOURCES[function]["Properties"].get("Layers", [])}


def test_every_layer_has_its_requirements_and_dev_installs_them() -> None:
    assert LAYERS, "no AWS::Serverless::LayerVersion in infra/resources.json"
    runtime = set(layering.requirement_names(ROOT / "requirements.txt"))
    everything = (ROOT / "requirements-layers.txt").read_text()
    seen: set[str] = set()
    for layer, zip_name in LAYERS.items():
        assert zip_name == f"layer-{infra_layers.layer_name(zip_name)}.zip", layer
        requirements = infra_layers.requirements_file(zip_name)
        assert requirements.exists(), f"{layer}: {requirements.name} is missing"
        names = set(layering.requirement_names(requirements))
        assert names and not names & runtime, (
            f"{layer}: also in requirements.txt: {names & runtime}"
        )
        assert not names & seen, f"{layer}: in two layers: {names & seen}"
        seen |= names
        assert f"-r {requirements.name}" in everything, f"{layer}: not in requirements-layers.txt"
        assert LIBRARIES[layer], f"{layer}: its libraries are not installed in .venv"
    assert "-r requirements-layers.txt" in (ROOT / "requirements-dev.txt").read_text()


def test_layer_libraries_are_imported_only_by_attributed_modules() -> None:
    """A new import of a layer library must say which functions run it (USES): otherwise a
    function could miss its layer and fail only in Lambda."""
    heavy = set().union(*LIBRARIES.values())
    unattributed = sorted(
        f"{module}: {statement}"
        for module in layering.chalicelib_modules()
        for statement, top in layering.third_party_imports(module)
        if top in heavy and module not in USES
    )
    assert unattributed == [], "add these modules to USES in tests/infra/layering.py"
    assert all((ROOT / layering.module_path(m)).exists() for m in USES)


@pytest.mark.parametrize("function", layering.FUNCTIONS)
def test_each_function_gets_the_layers_of_what_it_imports(function: str) -> None:
    needed = layering.needed_libraries(function)
    want = {layer for layer, libraries in LIBRARIES.items() if libraries & needed}
    assert attached(function) == want, f"{function}: needs {sorted(needed)}"


def test_only_the_functions_that_need_a_layer_get_it() -> None:
    functions = {n for n, r in RESOURCES.items() if "Layers" in r.get("Properties", {})}
    users = {f for fns in USES.values() for f in fns}
    assert functions == users
    # the layers of the API handler: none of numpy (the reason the package was 49 MB)
    assert "NumpyLayer" not in attached("APIHandler")
