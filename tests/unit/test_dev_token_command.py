"""The dev token command signs with the running stack's key, and nothing else accepts it."""

from __future__ import annotations

import shlex
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
