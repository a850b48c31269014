"""checkov (infrastructure-as-code scanner) on the packaged deployment template: no failed check.

Every finding is either fixed or skipped IN THE TEMPLATE (resource Metadata `checkov.skip`, merged
into Chalice's generated resources through infra/resources.json) with a written reason. checkov
lives in its own virtualenv (.venv-checkov, built by `make test` from requirements-checkov.txt)
because its pinned dependencies clash with the project's.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
VERSION = "3.3.30"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("package"), pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def report(package: tuple[dict[str, Any], Path]) -> dict[str, Any]:
    assert CHECKOV.exists(), (
        f"{CHECKOV.relative_to(ROOT)} is missing: run `make test` (it builds .venv-checkov "
        "from requirements-checkov.txt before running the tests)"
    )
    # BC_SKIP_MAPPING: no download of the vendor's guideline links (no network needed)
    env = os.environ | {"BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "ERROR"}
    command = [str(CHECKOV), "-f", str(package[1] / "sam.json"), "--framework", "cloudformation",
               "--output", "json", "--skip-download"]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode in (0, 1), done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(done.stdout)
    (cloudformation,) = result if isinstance(result, list) else [result]
    assert cloudformation["check_type"] == "cloudformation"
    return dict(cloudformation)


def test_checkov_version_is_the_pinned_one(report: dict[str, Any]) -> None:
    assert report["summary"]["checkov_version"] == VERSION
    pinned = (ROOT / "requirements-checkov.txt").read_text()
    assert f"checkov=={VERSION}" in pinned


def test_checkov_reports_no_failed_check(report: dict[str, Any]) -> None:
    failed = [f"{c['check_id']} {c['resource']}: {c['check_name']}"
              for c in report["results"]["failed_checks"]]  # fmt: skip
    assert failed == [], "fix it or skip it in infra/resources.json with a reason:\n" + "\n".join(
        failed
    )
    summary = report["summary"]
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 100  # the scan really ran over the whole template


def test_every_skipped_check_says_why(report: dict[str, Any]) -> None:
    skipped = report["results"]["skipped_checks"]
    assert skipped
    unexplained = [f"{c['check_id']} {c['resource']}" for c in skipped
                   if len((c["check_result"].get("suppress_comment") or "").split()) < 12]  # fmt: skip
    assert unexplained == []
