"""Test session. Settings go into the environment BEFORE the app is imported; moto is NOT started
here. Tests that talk to AWS get the session fixture ``aws`` (autouse in tests/api/conftest.py
and tests/contract/conftest.py, a module mark in the infra modules that need it): one embedded
moto server per worker, started on first use, with the resources of the deployment template
(local.resources). Until then AWS_ENDPOINT_URL points at a closed port and the resource names
are placeholders, so a unit test that reached for AWS would fail at once instead of passing
thanks to a server another test of the same worker started.

Scheduling (``-n 2 --dist loadgroup``): tests marked ``xdist_group`` run on one worker, the
longest work first (SLOW_FIRST), so that both workers finish together.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterator

import jwt.algorithms
import pytest
from _pytest.nodeid import NodeId  # pytest 9: see _group_nodeids

from chalicelib.core.settings import Settings, env_names
from local import devauth
from local.run import reset_caches, settings_env, start_moto

KEYS = devauth.generate()
NO_AWS = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused

# The same settings the local stack uses (local.run.settings_env), with metrics left on.
_env = settings_env(NO_AWS, "https://edu.example.test", KEYS) | {"STAGE": "test"}
_env.pop("POWERTOOLS_METRICS_DISABLED", None)
os.environ.update(_env)
# Resource names (tables, buckets, queues, topic) come from local.resources once moto runs;
# until then placeholders, so that the settings load and tests without AWS can use the app.
for _field, _var in env_names().items():
    if Settings.model_fields[_field].is_required() and _var not in os.environ:
        os.environ[_var] = f"no-aws-{_field.replace('_', '-')}"

# PyJWT parses the PEM of the signing key for every token it signs, and cryptography checks the
# RSA key each time (~45 ms): the ``world`` fixture alone mints eight tokens per test. Loading
# the same bytes gives the same immutable key, so the tests load each key once; signing,
# claims and verification are untouched.
jwt.algorithms.load_pem_private_key = functools.lru_cache(maxsize=32)(  # type: ignore[attr-defined]
    jwt.algorithms.load_pem_private_key  # type: ignore[attr-defined]
)

pytest_plugins = ["tests.support.fixtures", "tests.support.ppdb_api", "tests.support.privacy"]


@pytest.fixture(scope="session")
def aws() -> Iterator[str]:
    """The worker's moto server (started once, on first use) with the template's resources;
    returns its URL. Settings, clients and connections built before are forgotten."""
    from local.resources import create_resources

    server, endpoint = start_moto()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ.update(create_resources(endpoint_url=endpoint, stage="test"))
    reset_caches()
    yield endpoint
    server.stop()


# Longest work first: xdist hands out work units in collection order (with loadscope reorder
# off, see pytest_configure), so the two workers start on the longest units and share the
# rest as they free up.
SLOW_FIRST = (
    "tests/e2e/test_ppdb_season.py",
    "tests/e2e/test_fuzz.py",
    "tests/infra/test_checkov.py",
    "tests/infra/test_package.py",
    "tests/e2e/test_local_concurrency.py",
)


def _rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return SLOW_FIRST.index(path) if path in SLOW_FIRST else len(SLOW_FIRST)


def _group_nodeids(items: list[pytest.Item]) -> None:
    """What pytest-xdist does on a worker for --dist loadgroup (suffix each nodeid with
    ``@<group>``; the controller puts one suffix on one worker). xdist 3.8 assigns
    ``item._nodeid``, which pytest 9 no longer reads (the id lives in ``item._id``): without
    this every xdist_group mark would be silently ignored. Skipped where xdist's own took."""
    for item in items:
        names = {str(m.args[0] if m.args else m.kwargs.get("name", "default"))
                 for m in item.iter_markers("xdist_group")}  # fmt: skip
        if names and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(sorted(names))}")


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "loadscopereorder"):  # xdist's controller schedules
        config.option.loadscopereorder = False  # in collection order: SLOW_FIRST first


@pytest.hookimpl(trylast=True)  # after xdist's own hook
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: the rest keeps its order
    if getattr(config.option, "loadgroup", False):
        _group_nodeids(items)
