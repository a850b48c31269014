"""Daftar ulang jobs: reminders and the release of unconfirmed seats. (Being implemented.)"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.wiring import Deps


@dataclass
class ReminderRun:
    examined: int = 0
    sent: int = 0
    skipped_duplicates: int = 0


@dataclass
class ReleaseRun:
    periods: int = 0
    released: int = 0


def remind(deps: Deps) -> ReminderRun:
    raise NotImplementedError


def release(deps: Deps) -> ReleaseRun:
    raise NotImplementedError
