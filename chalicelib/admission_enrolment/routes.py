"""HTTP routes of admission_enrolment."""

from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
