"""Schools table: npsn (hash) + sk (range): ``profile`` or ``seats#<grade>``.

GSI ``by_region`` (kabkota_code, name) lists a city's schools with a Query; only profiles carry
``kabkota_code``, so seat items stay out of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.core.dynamo import BaseMeta, Model
from chalicelib.core.tablenames import SettingName
from chalicelib.schools.domain import Level, School, Seats

PROFILE = "profile"


def seats_key(grade: int) -> str:
    return f"seats#{grade}"


class ByRegion(GlobalSecondaryIndex["SchoolModel"]):
    class Meta:
        index_name = "by_region"
        projection = AllProjection()

    kabkota_code = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute(range_key=True)


class SchoolModel(Model):
    class Meta(BaseMeta):
        table_name = SettingName("schools_table")

    npsn = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    name = UnicodeAttribute(null=True)
    level = UnicodeAttribute(null=True)
    kabkota_code = UnicodeAttribute(null=True)
    kabkota_name = UnicodeAttribute(null=True)
    kecamatan = UnicodeAttribute(null=True)
    address = UnicodeAttribute(null=True)
    grade = NumberAttribute(null=True)
    free_seats = NumberAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    updated_by = UnicodeAttribute(null=True)
    by_region = ByRegion()


def _school(m: SchoolModel) -> School:
    return School(
        m.npsn,
        m.name or "",
        Level(m.level),
        m.kabkota_code or "",
        m.kabkota_name or "",
        m.kecamatan or "",
        m.address or "",
    )


class SchoolRepository(Protocol):
    def get(self, npsn: str) -> School | None: ...

    def put(self, school: School) -> None: ...

    def in_region(
        self, kabkota_code: str, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[School], dict[str, Any] | None]: ...

    def seats(self, npsn: str) -> list[Seats]: ...

    def set_seats(self, npsn: str, grade: int, free: int, by: str, at: datetime) -> Seats: ...


class DynamoSchoolRepository:
    def get(self, npsn: str) -> School | None:
        try:
            return _school(SchoolModel.get(npsn, PROFILE))
        except SchoolModel.DoesNotExist:
            return None

    def put(self, school: School) -> None:
        SchoolModel(
            npsn=school.npsn,
            sk=PROFILE,
            name=school.name,
            level=school.level.value,
            kabkota_code=school.kabkota_code,
            kabkota_name=school.kabkota_name,
            kecamatan=school.kecamatan,
            address=school.address,
        ).save()

    def in_region(
        self, kabkota_code: str, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[School], dict[str, Any] | None]:
        result = SchoolModel.by_region.query(kabkota_code, limit=limit, last_evaluated_key=after)
        return [_school(m) for m in result], result.last_evaluated_key

    def seats(self, npsn: str) -> list[Seats]:
        query = SchoolModel.query(npsn, SchoolModel.sk.startswith("seats#"))
        return [
            Seats(m.npsn, int(m.grade or 0), int(m.free_seats or 0), m.updated_at) for m in query
        ]

    def set_seats(self, npsn: str, grade: int, free: int, by: str, at: datetime) -> Seats:
        SchoolModel(
            npsn=npsn,
            sk=seats_key(grade),
            grade=grade,
            free_seats=free,
            updated_at=at,
            updated_by=by,
        ).save()
        return Seats(npsn, grade, free, at)
