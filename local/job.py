"""Run one scheduled function now against the RUNNING local stack (``make job NAME=...``).

Reads ``.local/stack.env`` (written by ``python -m local.run``: moto endpoint, table names,
secrets of that run), then invokes the function the way EventBridge would, and prints what it did
in one sentence (``--json``: its counters as returned).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import urllib.error
import urllib.request
from pathlib import Path

from local.run import STATE_DIR
from local.summary import describe

NO_STACK = "No running local stack found ({reason}). Start it first: make run"


def read_stack_env(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = shlex.split(line)
        if parts and "=" in parts[0]:
            key, _, value = parts[0].partition("=")
            env[key] = value
    return env


def reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - local http only
            return bool(response.status < 500)
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except OSError:
        return False


def load_stack(state_dir: Path) -> dict[str, str]:
    path = state_dir / "stack.env"
    if not path.exists():
        raise SystemExit(NO_STACK.format(reason=f"{path} is missing"))
    env = read_stack_env(path)
    endpoint = env.get("AWS_ENDPOINT_URL", "")
    if not endpoint.startswith("http://127.0.0.1:") or not reachable(endpoint + "/moto-api/"):
        raise SystemExit(NO_STACK.format(reason=f"moto at {endpoint or '?'} does not answer"))
    return env


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.job", description=__doc__)
    parser.add_argument("name", nargs="?", help="scheduled function, e.g. transfer_reminders")
    parser.add_argument("--state-dir", type=Path, default=STATE_DIR)
    parser.add_argument("--json", action="store_true", help="print the counters as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from local.run import apply_env, invoke_scheduled, scheduled_jobs

    jobs = sorted(scheduled_jobs())
    if args.name not in jobs:
        print(f"usage: make job NAME=<one of: {', '.join(jobs)}>", file=sys.stderr)
        return 2
    env = load_stack(args.state_dir)
    apply_env(env)  # drops AWS_PROFILE, AWS_ENDPOINT_URL_<service>, ...: never real AWS
    print(f"running {args.name} against {env['AWS_ENDPOINT_URL']} ...", file=sys.stderr)
    result = invoke_scheduled(args.name)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    else:
        print(describe(args.name, result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
