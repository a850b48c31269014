"""The README's route x role tables come from the one policy table (chalicelib/access_policy.py):
a route added, a role granted or withdrawn, and the README is stale until `make openapi`."""

from __future__ import annotations

import pytest

from chalicelib import route_table
from chalicelib.access_policy import PUBLIC_ROUTES, ROUTE_ROLES
from chalicelib.core.principal import Role


def test_the_readme_tables_are_the_generated_ones() -> None:
    current = route_table.README.read_text(encoding="utf-8")
    assert route_table.render(current) == current, "run `make openapi` to regenerate"


def test_every_route_of_the_policy_is_in_exactly_one_table_row() -> None:
    rows = [r for block in route_table.BLOCKS for r in route_table.rows(block)]
    for method, path in [*ROUTE_ROLES, *PUBLIC_ROUTES]:
        assert sum(r.startswith(f"| `{method} {path}` |") for r in rows) == 1, (method, path)


def test_a_role_change_in_the_policy_changes_the_readme(monkeypatch: pytest.MonkeyPatch) -> None:
    key = ("GET", "/v1/admissions/periods/{period_id}/leftover-seats")
    before = route_table.table("ppdb")
    monkeypatch.setitem(ROUTE_ROLES, key, frozenset({Role.EDUCATION_STAFF}))
    assert route_table.table("ppdb") != before


def test_a_route_without_a_named_scope_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ROUTE_ROLES, ("GET", "/v1/unheard-of"), frozenset({Role.PARENT}))
    with pytest.raises(KeyError, match="name its scope"):
        route_table.table("core")
