"""The packaged deployment template, built once per test session (it is slow: chalice package
downloads manylinux wheels) and shared by test_package.py and test_checkov.py, which run in the
same xdist group ("package") so one worker reads it. Built like `make package`: chalice package,
then infra/layers.py (the Lambda layers, and the slimmer AWS SDK in deployment.zip).

Under xdist the build starts in the background as soon as the tests are collected (the first
worker to get there starts it, the others see its folder): it mostly waits on the package index,
so it overlaps the other tests instead of holding up the worker that runs the package group.
Without xdist the ``package`` fixture builds it in the foreground, as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PACKAGE_TESTS = ("tests/infra/test_package.py", "tests/infra/test_checkov.py")
BUILD_TIMEOUT = 840
_builder = pytest.StashKey[threading.Thread]()


def _commands(out: Path) -> list[list[str]]:
    return [
        [str(BIN / "chalice"), "package", "--stage", "prod",
         "--merge-template", "infra/resources.json", str(out)],
        [str(BIN / "python"), "infra/layers.py", str(out)],
    ]  # fmt: skip


def _build(out: Path, **output: Any) -> tuple[int, str]:
    """Run the package steps in order; (return code, output of a failed step if captured)."""
    for command in _commands(out):
        done = subprocess.run(command, cwd=ROOT, env=_env(), timeout=BUILD_TIMEOUT, **output)
        if done.returncode != 0:
            return done.returncode, (done.stdout or "") + (done.stderr or "")
    return 0, ""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env["AWS_DEFAULT_REGION"] = "ap-southeast-3"
    return env


def _shared_build(config: pytest.Config) -> Path | None:
    """The build folder shared by the workers of this run (under xdist), else None."""
    if not hasattr(config, "workerinput"):
        return None
    factory: pytest.TempPathFactory = config._tmp_path_factory  # type: ignore[attr-defined]
    return factory.getbasetemp().parent / "package-build"  # the run's folder, not a worker's


def pytest_collection_finish(session: pytest.Session) -> None:
    wanted = any(item.nodeid.split("::", 1)[0] in PACKAGE_TESTS for item in session.items)
    shared = _shared_build(session.config)
    if not wanted or shared is None or not (ROOT / "app.py").exists():
        return
    try:
        shared.mkdir()  # atomic: exactly one worker starts the build
    except FileExistsError:
        return

    def build() -> None:
        with (shared / "log").open("w") as log:
            try:
                code, _ = _build(shared / "out", stdout=log, stderr=subprocess.STDOUT)
            except subprocess.TimeoutExpired:
                code = -1
        (shared / "rc.tmp").write_text(str(code))
        (shared / "rc.tmp").rename(shared / "rc")  # readers never see a half-written code

    thread = threading.Thread(target=build, name="chalice-package", daemon=True)
    thread.start()
    session.config.stash[_builder] = thread


def pytest_sessionfinish(session: pytest.Session) -> None:
    thread = session.config.stash.get(_builder, None)
    if thread is not None:  # another worker may still be waiting for it
        thread.join(BUILD_TIMEOUT)


@pytest.fixture(scope="session")
def package(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path]:
    """(template, folder) of `chalice package --stage prod --merge-template infra/resources.json`
    + `python infra/layers.py` (the folder holds deployment.zip and the layer-<name>.zip)."""
    if not (ROOT / "app.py").exists():
        pytest.skip("app.py does not exist yet: nothing to package")
    shared = _shared_build(request.config)
    if shared is not None and shared.exists():
        deadline = time.monotonic() + BUILD_TIMEOUT + 60
        while not (shared / "rc").exists():
            assert time.monotonic() < deadline, "the background chalice package never finished"
            time.sleep(0.5)
        code = int((shared / "rc").read_text())
        assert code == 0, (shared / "log").read_text()
        out = shared / "out"
    else:
        out = tmp_path_factory.mktemp("package") / "out"
        code, output = _build(out, capture_output=True, text=True)
        assert code == 0, output
    return json.loads((out / "sam.json").read_text()), out
