"""PPDB test builders: a period with Kota Tangerang-like routes around a base time, schools of a
period, and applications in any status, written straight through the repository.

Shared by every PPDB test package; change with care (add parameters, keep the defaults).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.admissions.application import (
    Application,
    AppStatus,
    Child,
    Home,
    Outcome,
    Registration,
)
from chalicelib.admissions.domain import Criterion, Family, Period, Route, split_seats
from chalicelib.admissions.records import PeriodRecord, PeriodSchool
from chalicelib.admissions.repository import AppChange, DynamoAdmissionRepository
from chalicelib.core.crypto import encrypt_field, keyed_hash
from chalicelib.core.ids import new_id
from chalicelib.schools.domain import Level

T0 = datetime(2027, 6, 1, 1, 0, tzinfo=UTC)  # 08:00 WIB
HMAC_KEY = "h" * 32
PII_KEY = "p" * 32


def smp_routes(base: datetime = T0) -> tuple[Route, ...]:
    """afirmasi (spills to domisili), mutasi (to domisili), domisili, prestasi; each window one
    day, one after the other; announcement at the end of the last window, daftar ulang 3 days."""

    def window(i: int) -> tuple[datetime, datetime]:
        return base + timedelta(days=2 * i), base + timedelta(days=2 * i + 1)

    end = base + timedelta(days=7)
    announce, rereg = end + timedelta(hours=12), end + timedelta(days=3)
    spec = [
        ("afirmasi", Family.AFIRMASI, "25", "domisili",
         [("zone_score", "desc"), ("age_days", "desc"), ("registration_seq", "asc")],
         ("kip_pkh_kks",)),
        ("mutasi", Family.MUTASI, "5", "domisili",
         [("distance_m", "asc"), ("registration_seq", "asc")], ("surat_tugas_orang_tua",)),
        ("domisili", Family.DOMISILI, "40", "prestasi",
         [("domicile_score", "desc"), ("age_days", "desc"), ("registration_seq", "asc")], ()),
        ("prestasi", Family.PRESTASI, "30", None,
         [("rapor_avg", "desc"), ("age_days", "desc"), ("registration_seq", "asc")], ("rapor",)),
    ]  # fmt: skip
    routes = []
    for i, (rid, family, quota, spill, criteria, docs) in enumerate(spec):
        opens, closes = window(i)
        routes.append(
            Route(
                id=rid,
                family=family,
                quota_percent=Decimal(quota),
                opens_at=opens,
                closes_at=closes,
                announce_at=announce,
                reregister_by=rereg,
                criteria=tuple(Criterion(f, o) for f, o in criteria),
                spill_to=spill,
                documents=docs,
            )
        )
    return tuple(routes)


def period_record(
    *,
    base: datetime = T0,
    pid: str | None = None,
    level: Level = Level.SMP,
    max_choices: int = 1,
    changes_per_day: int = 3,
    **overrides: Any,
) -> PeriodRecord:
    config = Period(
        level=level,
        school_year="2027/2028",
        stage=1,
        routes=smp_routes(base),
        max_choices=max_choices,
        changes_per_day=changes_per_day,
    )
    record = PeriodRecord(
        id=pid or new_id(),
        name="SPMB SMP Kota Tangerang 2027 Tahap 1",
        config=config,
        prereg_opens_at=base - timedelta(days=30),
        prereg_closes_at=base + timedelta(days=6),
        created_at=base - timedelta(days=40),
        created_by="test-staff",
    )
    return replace(record, **overrides)


def period_school(
    npsn: str, period: PeriodRecord, *, capacity: int = 32, **kw: Any
) -> PeriodSchool:
    values: dict[str, Any] = {
        "npsn": npsn,
        "name": f"SMP Negeri {npsn[-2:]} Tangerang",
        "level": period.config.level.value,
        "address": "Jl. Contoh No. 1",
        "rt": "001",
        "rw": "002",
        "kelurahan": "SUKASARI",
        "kecamatan": "TANGERANG",
        "zone": "WILAYAH 1",
        "latitude": -6.178 + random.uniform(-0.02, 0.02),
        "longitude": 106.63 + random.uniform(-0.02, 0.02),
        "capacity": capacity,
        "seats": split_seats(capacity, period.config),
        "neighbours": (("SUKASARI", "002", "002"),),
    }
    values.update(kw)
    return PeriodSchool(**values)


def store_period(
    repo: DynamoAdmissionRepository, period: PeriodRecord, schools: list[PeriodSchool]
) -> PeriodRecord:
    """Write the period and make ``schools`` its live import."""
    created = repo.create_period(period, [])
    import_id = new_id()
    repo.put_schools(period.id, import_id, schools)
    return repo.save_period(
        replace(created, schools_import=import_id, school_count=len(schools)), created.version, []
    )


def application(
    period: PeriodRecord,
    *,
    parent_sub: str | None = None,
    status: AppStatus = AppStatus.VERIFIED,
    verifier_npsn: str = "20606901",
    name: str = "Siti Aminah",
    birth: date | None = None,
    route: str | None = None,
    choices: tuple[str, ...] = (),
    seq: int | None = None,
    attrs: dict[str, float] | None = None,
    choice_attrs: tuple[dict[str, float], ...] | None = None,
    outcome: Outcome | None = None,
    at: datetime | None = None,
) -> Application:
    at = at or period.prereg_opens_at + timedelta(days=1)
    aid = new_id()
    birth = birth or date(2014, 3, 1) + timedelta(days=random.randint(0, 600))
    nik = f"3671{random.randint(10**11, 10**12 - 1)}"
    registration = None
    if route is not None:
        seq = seq if seq is not None else random.randint(1, 10**6)
        registration = Registration(
            route=route,
            choices=choices,
            seq=seq,
            registered_at=at,
            attrs=attrs or {"age_days": float((date(2027, 7, 1) - birth).days),
                            "registration_seq": float(seq), "rapor_avg": 85.0},
            choice_attrs=choice_attrs
            or tuple({"distance_m": 1000.0, "domicile_score": 3.0, "zone_score": 1.0}
                     for _ in choices),
        )  # fmt: skip
    return Application(
        id=aid,
        period_id=period.id,
        parent_sub=parent_sub or f"parent-{aid[-8:].lower()}",
        status=status,
        created_at=at,
        updated_at=at,
        child=Child(
            name=name,
            birth_date=birth,
            gender="P",
            nik_hmac=keyed_hash(HMAC_KEY, nik, "nik"),
            nik_cipher=encrypt_field(PII_KEY, nik, aid),
            nik_last4=nik[-4:],
            nisn=f"{random.randint(0, 10**10 - 1):010d}",
        ),
        kk_number_cipher=encrypt_field(PII_KEY, "3671010101010001", aid),
        kk_issued_on=date(2020, 1, 1),
        home=Home("Jl. Mawar 3", "001", "002", "SUKASARI", "TANGERANG", -6.18, 106.63),
        verifier_npsn=verifier_npsn,
        rapor_avg=85.0,
        registration=registration,
        outcome=outcome,
    )


def store_application(repo: DynamoAdmissionRepository, app: Application) -> Application:
    return repo.commit(AppChange(after=app, expected_version=None))


def take_allocation_messages(pid: str) -> list[dict[str, Any]]:
    """The allocations-queue messages of period ``pid`` (deleted); other periods' stay."""
    import json

    from chalicelib.core.aws import client as aws_client
    from chalicelib.core.settings import get_settings

    sqs = aws_client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().allocations_queue_name)["QueueUrl"]
    mine: list[dict[str, Any]] = []
    for _ in range(50):
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, VisibilityTimeout=2
        ).get("Messages", [])
        if not messages:
            break
        for m in messages:
            body = json.loads(m["Body"])
            if body.get("period_id") == pid:
                mine.append(body)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return mine
