"""The dev token command signs with the running stack's key, and nothing else accepts it."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from chalicelib.core.tokens import TokenError, TokenVerifier, principal_from_claims
from local import devauth, token


def write_state(directory: Path, keys: devauth.DevKeys) -> None:
    env = {"JWT_ISSUER": keys.issuer, "JWT_CLIENT_ID": keys.client_id, "JWKS_JSON": keys.jwks_json}
    lines = [f"{k}={shlex.quote(v)}" for k, v in env.items()]
    (directory / "stack.env").write_text("\n".join(lines) + "\n")
    (directory / "dev-signing-key.pem").write_text(keys.private_pem)


def test_a_minted_operator_token_verifies_with_the_stack_key(tmp_path: Path) -> None:
    keys = devauth.generate()
    write_state(tmp_path, keys)

    minted = token.keys_from_state(tmp_path).token("op-9", "school_operator", npsn="20606910")
    claims = TokenVerifier(keys.issuer, keys.client_id, keys.jwks_json).verify(minted)

    principal = principal_from_claims(claims)
    assert (principal.sub, principal.role.value, principal.npsn) == (
        "op-9",
        "school_operator",
        "20606910",
    )


def test_a_token_from_another_run_is_refused(tmp_path: Path) -> None:
    write_state(tmp_path, devauth.generate())
    other = devauth.generate()

    minted = token.keys_from_state(tmp_path).token("p-1", "parent")

    with pytest.raises(TokenError):
        TokenVerifier(other.issuer, other.client_id, other.jwks_json).verify(minted)


def test_the_command_explains_when_no_stack_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(token, "STATE_DIR", tmp_path)

    assert token.main(["--role", "parent", "--sub", "x"]) == 2
    assert "make run" in capsys.readouterr().err


# -- make token: stdout is the token and nothing else (T=$(make token ...)) ------------------

ROOT = Path(__file__).resolve().parents[2]
JWT_LINE = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n")


def make(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`make` as a newcomer's shell runs it (not inside `make test`: no MAKELEVEL, MAKEFLAGS)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")} | env
    return subprocess.run(  # noqa: S603 - fixed command
        ["make", *args],  # noqa: S607 - make from PATH, as the README uses it
        cwd=directory, capture_output=True, text=True, env=environ, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_token_prints_only_a_token_the_stack_accepts(tmp_path: Path) -> None:
    """The README's command; `-o` (assume the venv stamp is old enough) so it never installs."""
    if not (ROOT / ".venv" / "bin" / "python").exists():
        pytest.skip("no virtualenv")
    keys = devauth.generate()
    write_state(tmp_path, keys)

    done = make(ROOT, "-o", ".venv/.installed", "token", "ROLE=school_operator", "SUB=op-7",
                "NPSN=20606910", LOCAL_STATE_DIR=str(tmp_path))  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert JWT_LINE.fullmatch(done.stdout), done.stdout
    claims = TokenVerifier(keys.issuer, keys.client_id, keys.jwks_json).verify(done.stdout.strip())
    assert principal_from_claims(claims).npsn == "20606910"


FAKE_PYTHON = """#!/bin/sh
case "$*" in
  *"-m pip"*) echo "Collecting chalice (noise a token must not contain)";;
  *"-m local.token"*) echo "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln";;
  *) echo "unexpected: $*"; exit 1;;
esac
"""


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_token_keeps_the_install_step_out_of_stdout(tmp_path: Path) -> None:
    """A first `make token` (or one after requirements changed) installs first: on stderr."""
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    for name in ("requirements.txt", "requirements-dev.txt"):
        (tmp_path / name).write_text("")

    done = make(tmp_path, "token", "ROLE=parent", "SUB=me")

    assert done.returncode == 0, done.stderr
    assert "Collecting" in done.stderr  # the install ran ...
    assert done.stdout == "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln\n"  # ... and stdout is clean
