"""Seat allocation: student-proposing deferred acceptance per route, with spillover.

``instance`` parses and validates an instance into plain data, ``engine`` is the fast
(numpy) implementation, ``reference`` the plain heap-based one used as baseline and oracle.
Nothing here imports numpy or orjson at import time; the CLI is ``python -m`` this package.
"""

from chalicelib.admissions.allocation.instance import InvalidInstance

__all__ = ["InvalidInstance"]
