"""Test session: one embedded moto server per worker, resources created from the deployment
template (local.resources), settings in the environment BEFORE the app is imported."""

from __future__ import annotations

import logging
import os

from moto.server import ThreadedMotoServer

from local import devauth
from local.run import settings_env

logging.getLogger("werkzeug").setLevel(logging.ERROR)
_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
_server.start()
_host, _port = _server.get_host_and_port()
ENDPOINT = f"http://{_host}:{_port}"
KEYS = devauth.generate()

# The same settings the local stack uses (local.run.settings_env), with metrics left on.
_env = settings_env(ENDPOINT, "https://edu.example.test", KEYS) | {"STAGE": "test"}
_env.pop("POWERTOOLS_METRICS_DISABLED", None)
os.environ.update(_env)

from local.resources import create_resources  # noqa: E402

os.environ.update(create_resources(endpoint_url=ENDPOINT, stage="test"))

pytest_plugins = ["tests.support.fixtures"]
