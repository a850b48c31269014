"""Size of the Lambda deployment package that ``chalice package`` builds for prod.

Runs ``chalice package --stage prod --merge-template infra/resources.json <tmpdir>`` (what
``make package`` runs) and prints the zipped and unzipped size of deployment.zip and its ten
largest top-level entries. Lambda's limit is 50 MB zipped (direct upload) / 250 MB unzipped.

    python -m benchmarks.package_size [--keep DIR]
"""

from __future__ import annotations

import argparse
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
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"chalice package failed ({result.returncode})")
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


def report(zip_path: Path, seconds: float) -> None:
    zipped = zip_path.stat().st_size
    with zipfile.ZipFile(zip_path) as archive:
        sizes = top_level_sizes(archive)
        files = sum(1 for i in archive.infolist() if not i.is_dir())
    unzipped = sum(sizes.values())
    print(f"chalice package --stage prod (built in {seconds:.1f} s)")
    print(f"  deployment.zip zipped:   {zipped / MB:7.2f} MB  (limit {LAMBDA_ZIPPED_LIMIT_MB} MB)")
    print(
        f"  deployment.zip unzipped: {unzipped / MB:7.2f} MB  "
        f"(limit {LAMBDA_UNZIPPED_LIMIT_MB} MB), {files} files"
    )
    print("  largest top-level entries (unzipped):")
    for name, size in sizes.most_common(10):
        print(f"    {size / MB:7.2f} MB  {name}")


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
