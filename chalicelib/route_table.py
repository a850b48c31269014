"""The README's route x role tables, generated from the one policy table.

``python -m chalicelib.route_table --write`` (also run by ``make openapi``) rewrites the blocks
between ``<!-- routes:NAME -->`` and ``<!-- /routes:NAME -->`` in README.md; a test fails when
the README differs from what the policy (chalicelib/access_policy.py) and the routes say, so the
documentation cannot drift from what the API enforces.

Roles come only from the policy. The "scope" column says which objects a role reaches among
those it may call (the object-level checks every service makes); it is derived from the path's
id parameter unless a route names its own below.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from chalicelib.access_policy import PUBLIC_ROUTES, ROUTE_ROLES
from chalicelib.core.principal import Role

README = Path(__file__).resolve().parent.parent / "README.md"
ROLES = (Role.PARENT, Role.SCHOOL_OPERATOR, Role.EDUCATION_STAFF, Role.ADMIN)
HEADER = "| route | parent | operator | staff | admin | scope |\n|---|:-:|:-:|:-:|:-:|---|"

BLOCKS: dict[str, tuple[str, ...]] = {
    "ppdb": ("/v1/admissions", "/v1/public/admissions"),
    "core": ("",),  # every route not in another block
}

P, OP, S, A = Role.PARENT, Role.SCHOOL_OPERATOR, Role.EDUCATION_STAFF, Role.ADMIN
Scope = dict[Role, str]
BY_PARAM: dict[str, Scope] = {
    "{transfer_id}": {P: "own requests", OP: "origin or destination school", S: "all", A: "all"},
    "{application_id}": {P: "own applications", OP: "the schools involved", S: "all"},
    "{notification_id}": {P: "own inbox", OP: "own school's inbox", S: "the office inbox"},
    "{npsn}": {OP: "own school only", S: "every school"},
    "{privacy_id}": {S: "all"},
}
DIRECTORY: Scope = {P: "all (public directory)", OP: "all", S: "all", A: "all"}
CONFIG: Scope = {P: "all (configuration, no child data)", OP: "all", S: "all", A: "all"}
LISTS: dict[tuple[str, str], Scope] = {
    ("GET", "/v1/schools"): DIRECTORY,
    ("GET", "/v1/schools/{npsn}"): DIRECTORY,
    ("GET", "/v1/schools/{npsn}/seats"): DIRECTORY,
    ("POST", "/v1/transfers"): {P: "creates own request"},
    ("GET", "/v1/me/data-export"): {P: "own data and own children's"},
    ("POST", "/v1/privacy-requests"): {S: "every data subject"},
    ("GET", "/v1/privacy-requests"): {S: "all (by status)"},
    ("GET", "/v1/admissions/periods"): CONFIG,
    ("GET", "/v1/admissions/periods/{period_id}"): CONFIG,
    ("GET", "/v1/admissions/periods/{period_id}/schools"): CONFIG,
    ("POST", "/v1/admissions/periods"): CONFIG,
    ("PUT", "/v1/admissions/periods/{period_id}"): CONFIG,
    ("POST", "/v1/admissions/periods/{period_id}/applications"): {P: "creates own application"},
    ("POST", "/v1/admissions/periods/{period_id}/allocations"): {S: "every school"},
    ("GET", "/v1/admissions/periods/{period_id}/allocations/latest"): {S: "every school"},
    ("POST", "/v1/admissions/periods/{period_id}/school-imports"): {S: "every school"},
    ("GET", "/v1/admissions/periods/{period_id}/school-imports/{import_id}"): {S: "every school"},
    ("GET", "/v1/transfers"): {P: "own", OP: "own school", S: "all (filters)"},
    ("GET", "/v1/worklist"): {OP: "waiting on own school", S: "under review"},
    ("GET", "/v1/notifications"): {P: "own inbox", OP: "own school's inbox", S: "office inbox"},
    ("GET", "/v1/notifications/unread-count"): {
        P: "own inbox",
        OP: "own school's inbox",
        S: "office inbox",
    },
    ("GET", "/v1/admissions/applications"): {P: "own applications"},
    ("GET", "/v1/admissions/periods/{period_id}/verification-queue"): {
        OP: "own school's queue",
        S: "any school (`?school=`)",
    },
    ("GET", "/v1/admissions/periods/{period_id}/leftover-seats"): {
        OP: "own school only",
        S: "every school",
    },
    ("GET", "/v1/admissions/periods/{period_id}/statistics"): {
        OP: "own school only",
        S: "every school",
    },
    ("GET", "/v1/admissions/periods/{period_id}/schools/{npsn}/results.xlsx"): {
        OP: "own school, after the announcement",
        S: "every school",
    },
    ("POST", "/v1/admissions/applications/{application_id}/confirm"): {
        P: "own application",
        OP: "the admitting school (at the desk)",
    },
    ("POST", "/v1/admissions/applications/{application_id}/review"): {
        OP: "the verifying school",
        S: "all",
    },
}


def scope(method: str, path: str, roles: frozenset[Role]) -> str:
    """Which objects each allowed role reaches: the object-level check of the service."""
    by_role = LISTS.get((method, path))
    if by_role is None:
        by_role = next((v for k, v in BY_PARAM.items() if k in path), None)
    if by_role is None:
        raise KeyError(f"{method} {path}: name its scope in chalicelib/route_table.py LISTS")
    names = {P: "parent", OP: "operator", S: "staff", A: "admin"}
    return "; ".join(f"{names[r]}: {by_role[r]}" for r in ROLES if r in roles and r in by_role)


def _block_of(path: str) -> str:
    for name, prefixes in BLOCKS.items():
        if any(p and path.startswith(p) for p in prefixes):
            return name
    return "core"


def rows(block: str) -> list[str]:
    routes = sorted(
        [(path, method) for (method, path) in ROUTE_ROLES]
        + [(path, method) for (method, path) in PUBLIC_ROUTES],
        key=lambda r: (r[0].startswith("/v1/public"), r[0], r[1]),
    )
    out = []
    for path, method in routes:
        if _block_of(path) != block:
            continue
        if (method, path) in PUBLIC_ROUTES:
            out.append(f"| `{method} {path}` | public | public | public | public | no sign-in |")
            continue
        roles = ROUTE_ROLES[(method, path)]
        marks = " | ".join("yes" if r in roles else "-" for r in ROLES)
        out.append(f"| `{method} {path}` | {marks} | {scope(method, path, roles)} |")
    return out


def table(block: str) -> str:
    return HEADER + "\n" + "\n".join(rows(block))


def render(readme: str) -> str:
    for block in BLOCKS:
        pattern = re.compile(
            rf"(<!-- routes:{block} -->).*?(<!-- /routes:{block} -->)", flags=re.DOTALL
        )
        if not pattern.search(readme):
            raise ValueError(f"README.md has no <!-- routes:{block} --> block")
        start, end = f"<!-- routes:{block} -->", f"<!-- /routes:{block} -->"
        readme = pattern.sub(f"{start}\n{table(block)}\n{end}".replace("\\", "\\\\"), readme)
    return readme


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite README.md in place")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    wanted = render(current)
    if args.write:
        README.write_text(wanted, encoding="utf-8")
        return 0
    if wanted != current:
        print("README.md route tables differ from the policy; run make openapi", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
