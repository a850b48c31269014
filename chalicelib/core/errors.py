"""One error hierarchy for the whole service. HTTP mapping lives in core.http only.

Each error carries a stable English ``code`` for machines and an Indonesian ``detail`` for people.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every expected failure. ``status`` is the HTTP status it maps to."""

    status = 400
    title = "Permintaan tidak valid"

    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.extra = extra


class Invalid(DomainError):
    status = 400
    title = "Permintaan tidak valid"


class Unauthenticated(DomainError):
    status = 401
    title = "Belum masuk"


class Forbidden(DomainError):
    status = 403
    title = "Akses ditolak"


class NotFound(DomainError):
    status = 404
    title = "Tidak ditemukan"


class Conflict(DomainError):
    status = 409
    title = "Konflik dengan keadaan saat ini"


class InvalidTransition(Conflict):
    """A state change that the current state does not allow; ``allowed`` lists what is."""

    title = "Langkah tidak diizinkan pada status ini"


class StaleVersion(DomainError):
    """The client (or a racing request) worked on an older version of the object."""

    status = 412
    title = "Data sudah berubah"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Data terlalu besar"


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Jenis konten tidak didukung"


class Unprocessable(DomainError):
    status = 422
    title = "Data tidak dapat diproses"


class TooManyRequests(DomainError):
    status = 429
    title = "Terlalu banyak permintaan"


class Unavailable(DomainError):
    """A dependency refused us for now (throttling, transaction conflict after retries)."""

    status = 503
    title = "Layanan sedang sibuk"
