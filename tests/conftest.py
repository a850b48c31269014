"""Test session: one embedded moto server per worker, resources created from the deployment
template (local.resources), settings in the environment BEFORE the app is imported."""

from __future__ import annotations

import logging
import os

from local import devauth
from local.run import settings_env, start_moto

_server, ENDPOINT = start_moto()
logging.getLogger("werkzeug").setLevel(logging.ERROR)
KEYS = devauth.generate()

# The same settings the local stack uses (local.run.settings_env), with metrics left on.
_env = settings_env(ENDPOINT, "https://edu.example.test", KEYS) | {"STAGE": "test"}
_env.pop("POWERTOOLS_METRICS_DISABLED", None)
os.environ.update(_env)

from local.resources import create_resources  # noqa: E402

os.environ.update(create_resources(endpoint_url=ENDPOINT, stage="test"))

pytest_plugins = ["tests.support.fixtures", "tests.support.ppdb_api", "tests.support.privacy"]
