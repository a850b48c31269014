"""Second step of `make package`: the Lambda layers, and a slimmer AWS SDK in deployment.zip.

`chalice package` vendors `requirements.txt` into ONE deployment.zip shared by every function.
The heavy libraries are left out of it and shipped as layers, each attached only to the
functions that import it (`infra/resources.json`: an `AWS::Serverless::LayerVersion` per layer,
`ContentUri: ./layer-<name>.zip`, and the `Layers` merged into each generated function):

* every `AWS::Serverless::LayerVersion` of the merge template is built from
  `requirements-layer-<name>.txt` (pinned, dependencies listed too: installed with `--no-deps`
  so that no library ships twice) with manylinux wheels for CPython 3.11 x86_64, into
  `<out>/layer-<name>.zip` (`python/...`, the layout Lambda puts on `sys.path`);
* botocore's service models (~15 MB of the ~25 MB left) are cut down to the services the code
  creates clients for (`client("<service>")` in chalicelib, DynamoDB for PynamoDB) plus the
  credential services; boto3/botocore stay the pinned versions.

    python infra/layers.py out        # after chalice package ... out
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "resources.json"
LAYER_TYPE = "AWS::Serverless::LayerVersion"
PLATFORM = "manylinux2014_x86_64"  # what chalice package accepts for python3.11 (glibc 2.17)
# Every layer takes manylinux2014 wheels only: Lambda's python3.11 runs on Amazon Linux 2
# (glibc 2.26), so a manylinux_2_28 wheel (Pillow 13) would not load there; Pillow is pinned to
# 12.2.0, the last release with manylinux2014 wheels.
PLATFORMS: dict[str, str] = {}
# botocore services kept besides those the code names: credentials and endpoint discovery
SDK_ALWAYS = frozenset({"sts", "sso", "sso-oidc"})
PINNED_DATE = (1980, 1, 1, 0, 0, 0)


def layers(template: dict[str, Any] | None = None) -> dict[str, str]:
    """{logical id: zip file name} of the layers the merge template declares."""
    resources = (template or json.loads(TEMPLATE.read_text()))["Resources"]
    return {
        name: Path(res["Properties"]["ContentUri"]).name
        for name, res in resources.items()
        if res.get("Type") == LAYER_TYPE
    }


def layer_name(zip_name: str) -> str:
    """``layer-numpy.zip`` -> ``numpy``."""
    return zip_name.removeprefix("layer-").removesuffix(".zip")


def requirements_file(zip_name: str) -> Path:
    return ROOT / f"requirements-layer-{layer_name(zip_name)}.txt"


def sdk_services() -> set[str]:
    """AWS services the code creates clients for: the literal argument of every
    ``client("...")`` call in chalicelib, and DynamoDB (PynamoDB makes its own client)."""
    found = {"dynamodb"}
    for path in (ROOT / "chalicelib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name | ast.Attribute)
                and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "client"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def _zip_tree(folder: Path, target: Path, prefix: str) -> None:
    """Zip ``folder`` as ``prefix/...``, sorted, with fixed timestamps (reproducible)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_dir() or "__pycache__" in path.parts:
                continue
            info = zipfile.ZipInfo(f"{prefix}/{path.relative_to(folder).as_posix()}", PINNED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o755 if path.stat().st_mode & 0o111 else 0o644) << 16
            archive.writestr(info, path.read_bytes())


def build_layer(zip_name: str, out: Path) -> Path:
    """pip-install the layer's requirements for Lambda into a temp dir; zip it into ``out``."""
    requirements = requirements_file(zip_name)
    with tempfile.TemporaryDirectory(prefix="tl-edu-layer-") as tmp:
        target = Path(tmp) / "python"
        platform = PLATFORMS.get(layer_name(zip_name), PLATFORM)
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                   "--no-compile", "--only-binary=:all:", "--platform", platform,
                   "--implementation", "cp", "--python-version", "3.11",
                   "--target", str(target), "-r", str(requirements)]  # fmt: skip
        subprocess.run(command, check=True)  # noqa: S603 - our interpreter, our files
        shutil.rmtree(target / "bin", ignore_errors=True)  # console scripts: not importable
        _zip_tree(target, out / zip_name, "python")
    return out / zip_name


def slim_sdk(deployment: Path, keep: set[str]) -> None:
    """Drop ``botocore/data/<service>/`` from the zip for every service not in ``keep``."""
    slim = deployment.with_suffix(".slim")
    with zipfile.ZipFile(deployment) as src, zipfile.ZipFile(slim, "w") as dst:
        for info in src.infolist():
            parts = info.filename.split("/")
            if parts[:2] == ["botocore", "data"] and len(parts) > 3 and parts[2] not in keep:
                continue
            dst.writestr(info, src.read(info), compress_type=info.compress_type)
    slim.replace(deployment)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python infra/layers.py OUT_DIR (the chalice package output)")
    out = Path(args[0])
    for zip_name in sorted(layers().values()):
        built = build_layer(zip_name, out)
        print(f"{built}: {built.stat().st_size / 2**20:.2f} MiB")
    slim_sdk(out / "deployment.zip", sdk_services() | SDK_ALWAYS)
    print(f"{out / 'deployment.zip'}: {(out / 'deployment.zip').stat().st_size / 2**20:.2f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
