"""Size of the Lambda packages that ``make package`` builds for prod, per function.

Runs ``chalice package --stage prod --merge-template infra/resources.json <tmpdir>`` and then
``python infra/layers.py <tmpdir>`` (what ``make package`` runs) and prints the zipped and
unzipped size of deployment.zip (shared by every function) and its ten largest top-level
entries, of each layer, and per function: its zip + the layers attached to it in the template.
Lambda's limits are 50 MB zipped (direct upload) and 250 MB unzipped, function + layers.

    python -m benchmarks.package_size [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
LAMBDA_ZIPPED_LIMIT_MB = 50
LAMBDA_UNZIPPED_LIMIT_MB = 250


def chalice_command() -> list[str]:
    local = Path(sys.executable).parent / "chalice"
    if local.exists():
        return [str(local)]
    found = shutil.which("chalice")
    if found is None:
        raise SystemExit("chalice is not installed (make install)")
    return [found]


def package(out_dir: Path) -> float:
    """Build the package into ``out_dir``; return seconds taken."""
    env = {**os.environ, "AWS_DEFAULT_REGION": "ap-southeast-3"}
    command = [
        *chalice_command(),
        "package",
        "--stage",
        "prod",
        "--merge-template",
        "infra/resources.json",
        str(out_dir),
    ]
    start = time.perf_counter()
    layers = [sys.executable, str(ROOT / "infra" / "layers.py"), str(out_dir)]
    for step in (command, layers):
        result = subprocess.run(step, cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            raise SystemExit(f"{' '.join(step[:2])} failed ({result.returncode})")
    return time.perf_counter() - start


def top_level_sizes(archive: zipfile.ZipFile) -> Counter[str]:
    sizes: Counter[str] = Counter()
    for info in archive.infolist():
        if info.is_dir():
            continue
        name = info.filename.split("/", 1)[0]
        if "/" in info.filename:
            name += "/"
        sizes[name] += info.file_size
    return sizes


def sizes_of(zip_path: Path) -> tuple[int, int]:
    """(zipped, unzipped) bytes."""
    with zipfile.ZipFile(zip_path) as archive:
        return zip_path.stat().st_size, sum(i.file_size for i in archive.infolist())


def per_function(out: Path) -> None:
    """Each function's zip + its layers (the template's ``CodeUri`` and ``Layers``)."""
    resources = json.loads((out / "sam.json").read_text())["Resources"]
    layers = {
        name: Path(r["Properties"]["ContentUri"]).name
        for name, r in resources.items()
        if r["Type"] == "AWS::Serverless::LayerVersion"
    }
    print("  layers:")
    for name, file in sorted(layers.items()):
        zipped, unzipped = sizes_of(out / file)
        print(f"    {name:<13} {zipped / MB:7.2f} MB zipped  {unzipped / MB:7.2f} MB unzipped")
    print("  per function (own zip + attached layers):")
    print(f"    {'function':<20} {'zip':>7} {'+layers':>8} {'zipped':>8} {'unzipped':>9}  layers")
    for name, r in sorted(resources.items()):
        if r["Type"] != "AWS::Serverless::Function":
            continue
        props = r["Properties"]
        own = sizes_of(out / Path(props["CodeUri"]).name)
        attached = [ref["Ref"] for ref in props.get("Layers", [])]
        extra = [sizes_of(out / layers[layer]) for layer in attached]
        zipped = own[0] + sum(z for z, _ in extra)
        unzipped = own[1] + sum(u for _, u in extra)
        print(
            f"    {name:<20} {own[0] / MB:7.2f} {(zipped - own[0]) / MB:8.2f} {zipped / MB:8.2f}"
            f" {unzipped / MB:9.2f}  {', '.join(attached) or '-'}"
        )


def report(zip_path: Path, seconds: float) -> None:
    zipped = zip_path.stat().st_size
    with zipfile.ZipFile(zip_path) as archive:
        sizes = top_level_sizes(archive)
        files = sum(1 for i in archive.infolist() if not i.is_dir())
    unzipped = sum(sizes.values())
    print(f"make package: chalice package --stage prod + infra/layers.py ({seconds:.1f} s)")
    print(f"  deployment.zip zipped:   {zipped / MB:7.2f} MB  (limit {LAMBDA_ZIPPED_LIMIT_MB} MB)")
    print(
        f"  deployment.zip unzipped: {unzipped / MB:7.2f} MB  "
        f"(limit {LAMBDA_UNZIPPED_LIMIT_MB} MB), {files} files"
    )
    print("  largest top-level entries (unzipped):")
    for name, size in sizes.most_common(10):
        print(f"    {size / MB:7.2f} MB  {name}")
    per_function(zip_path.parent)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="size of the prod deployment package")
    parser.add_argument("--keep", type=Path, help="package into this directory and keep it")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        report(args.keep / "deployment.zip", package(args.keep))
        return 0
    with tempfile.TemporaryDirectory(prefix="tl-edu-package-") as tmp:
        out = Path(tmp) / "out"
        report(out / "deployment.zip", package(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
