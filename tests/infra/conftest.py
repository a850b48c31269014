"""The packaged deployment template, built once per test session (it is slow: chalice package
downloads manylinux wheels) and shared by test_package.py and test_checkov.py, which run in the
same xdist group ("package") so one worker builds it. Built like `make package`: chalice package,
then infra/layers.py (the Lambda layers, and the slimmer AWS SDK in deployment.zip)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """(template, folder) of `chalice package --stage prod --merge-template infra/resources.json`
    + `python infra/layers.py` (the folder holds deployment.zip and the layer-<name>.zip)."""
    if not (ROOT / "app.py").exists():
        pytest.skip("app.py does not exist yet: nothing to package")
    out = tmp_path_factory.mktemp("package") / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env["AWS_DEFAULT_REGION"] = "ap-southeast-3"
    command = [str(BIN / "chalice"), "package", "--stage", "prod",
               "--merge-template", "infra/resources.json", str(out)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=840)
    assert done.returncode == 0, done.stdout + done.stderr
    command = [str(BIN / "python"), "infra/layers.py", str(out)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=840)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((out / "sam.json").read_text()), out
