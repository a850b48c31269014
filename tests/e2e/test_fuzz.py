"""Schemathesis against the embedded stack over real HTTP, from the committed OpenAPI document:
for every operation and every role (and no token), generated requests never get a 5xx, every
response matches the documented status codes, content types and schemas, and every request
generated to break the schema (``--mode all``: negative data too) is refused with a 4xx
(``negative_data_rejection``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.run import Stack, start_stack

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e-fuzz")]
ROOT = Path(__file__).resolve().parent.parent.parent
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance," \
         "response_schema_conformance,negative_data_rejection"  # fmt: skip


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(api_port=0, seed=True, scheduler=False,
                          state_dir=tmp_path_factory.mktemp("fuzz-state"))  # fmt: skip
    yield running
    running.stop()


@pytest.mark.parametrize("caller", ["parent", "op_20606905", "staff", "admin", None])
def test_generated_requests_never_get_a_server_error_or_an_undocumented_answer(
    stack: Stack, caller: str | None
) -> None:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(ROOT / "chalicelib" / "openapi.json"),
        "--url", stack.api_url, "--checks", CHECKS, "--max-examples", "8",
        "--phases", "examples,fuzzing", "--mode", "all", "--seed", "20261128", "--no-color",
    ]  # fmt: skip
    if caller is not None:
        command += ["-H", f"Authorization: Bearer {stack.tokens[caller]}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    assert result.returncode == 0, result.stdout[-4000:]
