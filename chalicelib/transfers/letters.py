"""The surat rekomendasi pindah sekolah: its verification record (public facts only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.core.clock import iso_utc, parse_utc
from chalicelib.core.validators import initials
from chalicelib.transfers.domain import Transfer

VALID = "valid"
REVOKED = "revoked"


@dataclass(frozen=True)
class Letter:
    code: str
    transfer_id: str
    status: str
    student_initials: str
    grade: int
    origin_name: str
    destination_name: str
    issued_at: datetime

    def public_facts(self) -> dict[str, Any]:
        return {
            "student_initials": self.student_initials,
            "grade": self.grade,
            "origin_name": self.origin_name,
            "destination_name": self.destination_name,
            "issued_at": iso_utc(self.issued_at),
        }

    @classmethod
    def from_facts(cls, code: str, transfer_id: str, status: str, facts: dict[str, Any]) -> Letter:
        return cls(
            code,
            transfer_id,
            status,
            facts["student_initials"],
            int(facts["grade"]),
            facts["origin_name"],
            facts["destination_name"],
            parse_utc(facts["issued_at"]),
        )


def letter_for(t: Transfer, code: str, at: datetime) -> Letter:
    return Letter(
        code,
        t.id,
        VALID,
        initials(t.student.name),
        t.student.grade,
        t.origin.name,
        t.destination.name,
        at,
    )


def pdf_key(transfer_id: str, code: str) -> str:
    return f"letters/transfer/{transfer_id}/{code}.pdf"
