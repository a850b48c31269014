"""Mint a dev access token for the running local stack (`make token ROLE=parent SUB=me`).

Signs with the per-run key that `make run` left in .local/dev-signing-key.pem; the token is
shaped like a Cognito access token and is accepted only by that local run. Prints the token and
nothing else on stdout (``T=$(make token ROLE=parent SUB=me)``). LOCAL_STATE_DIR, when set, names
another state directory (tests).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

from local.devauth import DevKeys

STATE_DIR = Path(__file__).resolve().parent.parent / ".local"
ROLES = ("parent", "school_operator", "education_staff", "admin")


def read_env(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key:
            env[key] = shlex.split(value)[0] if value else ""
    return env


def keys_from_state(state_dir: Path | None = None) -> DevKeys:
    state_dir = state_dir or Path(os.environ.get("LOCAL_STATE_DIR") or STATE_DIR)
    env = read_env(state_dir / "stack.env")
    pem = (state_dir / "dev-signing-key.pem").read_text(encoding="utf-8")
    kid = json.loads(env["JWKS_JSON"])["keys"][0]["kid"]
    return DevKeys(pem, env["JWKS_JSON"], env["JWT_ISSUER"], env["JWT_CLIENT_ID"], kid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", choices=ROLES, required=True)
    parser.add_argument("--sub", required=True, help="user id (Cognito sub)")
    parser.add_argument("--npsn", help="school NPSN, required for school_operator")
    parser.add_argument("--name", default="")
    parser.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    args = parser.parse_args(argv)
    if args.role == "school_operator" and not args.npsn:
        parser.error("--npsn is required for school_operator")
    try:
        keys = keys_from_state()
    except FileNotFoundError:
        print("No running local stack: start it with `make run`.", file=sys.stderr)
        return 2
    print(keys.token(args.sub, args.role, npsn=args.npsn, name=args.name, ttl_seconds=args.ttl))
    return 0


if __name__ == "__main__":
    sys.exit(main())
