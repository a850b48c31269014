"""Who is calling: the verified identity that every service function receives."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    PARENT = "parent"
    SCHOOL_OPERATOR = "school_operator"
    EDUCATION_STAFF = "education_staff"
    ADMIN = "admin"


# When a user is in several groups, the most privileged data role wins; admin is last on
# purpose: a platform admin is not a reader of children's data.
ROLE_PRECEDENCE = (Role.EDUCATION_STAFF, Role.SCHOOL_OPERATOR, Role.PARENT, Role.ADMIN)


@dataclass(frozen=True)
class Principal:
    sub: str
    role: Role
    npsn: str | None = None
    name: str = ""

    @property
    def is_staff(self) -> bool:
        return self.role is Role.EDUCATION_STAFF

    def operates(self, npsn: str) -> bool:
        return self.role is Role.SCHOOL_OPERATOR and self.npsn == npsn

    @property
    def inbox(self) -> str:
        """The inbox this principal reads: operators share their school's, staff the office's."""
        if self.role is Role.SCHOOL_OPERATOR:
            return f"school#{self.npsn}"
        if self.role is Role.EDUCATION_STAFF:
            return "office#disdik"
        return f"user#{self.sub}"
