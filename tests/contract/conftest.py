"""Every test here talks to AWS: the worker's embedded moto (tests/conftest.py ``aws``)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _moto(aws: str) -> str:
    return aws
