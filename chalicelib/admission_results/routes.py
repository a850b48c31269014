"""HTTP routes of admission_results."""

from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
