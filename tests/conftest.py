"""Test session: one embedded moto server per worker, resources created from the deployment
template (local.resources), settings in the environment BEFORE the app is imported."""

from __future__ import annotations

import logging
import os
import secrets

from moto.server import ThreadedMotoServer

from local import devauth

logging.getLogger("werkzeug").setLevel(logging.ERROR)
_server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
_server.start()
_host, _port = _server.get_host_and_port()
ENDPOINT = f"http://{_host}:{_port}"
KEYS = devauth.generate()

os.environ.update(
    {
        "AWS_ENDPOINT_URL": ENDPOINT,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-3",
        "AWS_REGION": "ap-southeast-3",
        "STAGE": "test",
        "JWT_ISSUER": KEYS.issuer,
        "JWT_CLIENT_ID": KEYS.client_id,
        "JWKS_JSON": KEYS.jwks_json,
        "SIGNING_SECRET": secrets.token_hex(32),
        "NIK_HMAC_KEY": secrets.token_hex(32),
        "PII_KEY": secrets.token_hex(32),
        "PUBLIC_BASE_URL": "https://edu.example.test",
        "POWERTOOLS_SERVICE_NAME": "tangerang-live-edu",
        "POWERTOOLS_METRICS_NAMESPACE": "TangerangLiveEdu",
        "POWERTOOLS_DEV": "false",
    }
)

from local.resources import create_resources  # noqa: E402

os.environ.update(create_resources(endpoint_url=ENDPOINT, stage="test"))

pytest_plugins = ["tests.support.fixtures"]
