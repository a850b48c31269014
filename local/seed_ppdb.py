"""PPDB demo data for the local stack: two SMP periods around the time the stack starts.

- "open": pre-registration and every route window are open now, so the README walk-through can
  pre-register, upload, verify, register and see a live snapshot
  (``make job NAME=admissions_tick``).
- "closed": every window closed yesterday, the announcement time has passed and daftar ulang
  is open for three days; 40 invented applicants are registered (two belong to demo-parent-1), so
  staff can run the final allocation and parents can read their result and confirm.

All names, NIKs and NISNs are invented; the NPSNs are the invented demo ones of local.seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.admissions.application import Application, AppStatus, Child, Home, Registration
from chalicelib.admissions.domain import Criterion, Family, Period, Route, split_seats
from chalicelib.admissions.records import PeriodRecord, PeriodSchool
from chalicelib.admissions.registration import derive
from chalicelib.admissions.repository import AppChange
from chalicelib.core.crypto import encrypt_field, keyed_hash
from chalicelib.core.ids import new_id
from chalicelib.schools.domain import Level
from chalicelib.wiring import Deps


@dataclass(frozen=True)
class DemoPlace:
    npsn: str
    name: str
    kelurahan: str
    kecamatan: str
    zone: str
    rw: str
    rt: str
    lat: float
    lon: float
    capacity: int


SMP_PLACES = (
    DemoPlace("20606901", "SMP Negeri 1 Tangerang", "SUKARASA", "TANGERANG", "WILAYAH 1",
              "002", "001", -6.1783, 106.6319, 10),
    DemoPlace("20606905", "SMP Negeri 5 Tangerang", "KARAWACI", "KARAWACI", "WILAYAH 2",
              "004", "003", -6.1867, 106.6117, 8),
    DemoPlace("20606910", "SMP Negeri 10 Tangerang", "CIBODAS", "CIBODAS", "WILAYAH 3",
              "006", "002", -6.2031, 106.6009, 8),
)  # fmt: skip
FIRST = (
    "Adit",
    "Bima",
    "Citra",
    "Dewi",
    "Eka",
    "Fajar",
    "Gita",
    "Hadi",
    "Intan",
    "Joko",
    "Kirana",
    "Lutfi",
    "Maya",
    "Nanda",
    "Oki",
    "Putri",
    "Rizki",
    "Salsa",
    "Tegar",
    "Wulan",
)
LAST = ("Pratama", "Lestari", "Saputra", "Wijaya", "Nugroho", "Rahayu", "Hidayat", "Permata")
DEMO_PARENT = "demo-parent-1"


def _routes(opens: datetime, closes: datetime, announce: datetime, rereg: datetime
            ) -> tuple[Route, ...]:  # fmt: skip
    spec = [
        ("afirmasi", Family.AFIRMASI, "25", "domisili", ("kip_pkh_kks",),
         [("zone_score", "desc"), ("age_days", "desc"), ("registration_seq", "asc")]),
        ("mutasi", Family.MUTASI, "5", "domisili", ("surat_tugas_orang_tua",),
         [("distance_m", "asc"), ("registration_seq", "asc")]),
        ("domisili", Family.DOMISILI, "40", "prestasi", (),
         [("domicile_score", "desc"), ("age_days", "desc"), ("registration_seq", "asc")]),
        ("prestasi", Family.PRESTASI, "30", None, (),
         [("rapor_avg", "desc"), ("age_days", "desc"), ("registration_seq", "asc")]),
    ]  # fmt: skip
    return tuple(
        Route(
            rid,
            family,
            Decimal(q),
            opens,
            closes,
            announce,
            rereg,
            tuple(Criterion(f, o) for f, o in crit),
            spill,
            docs,
        )
        for rid, family, q, spill, docs, crit in spec
    )


def _period(name: str, now: datetime, routes: tuple[Route, ...], prereg: tuple[datetime, datetime]
            ) -> PeriodRecord:  # fmt: skip
    config = Period(Level.SMP, f"{now.year}/{now.year + 1}", 1, routes, max_choices=2)
    return PeriodRecord(
        id=new_id(),
        name=name,
        config=config,
        prereg_opens_at=prereg[0],
        prereg_closes_at=prereg[1],
        created_at=now,
        created_by="seed",
    )


def _schools(period: PeriodRecord) -> list[PeriodSchool]:
    return [
        PeriodSchool(
            npsn=p.npsn,
            name=p.name,
            level="SMP",
            address=f"Kel. {p.kelurahan.title()}",
            rt=p.rt,
            rw=p.rw,
            kelurahan=p.kelurahan,
            kecamatan=p.kecamatan,
            zone=p.zone,
            latitude=p.lat,
            longitude=p.lon,
            capacity=p.capacity,
            seats=split_seats(p.capacity, period.config),
        )
        for p in SMP_PLACES
    ]


def _store(deps: Deps, period: PeriodRecord) -> PeriodRecord:
    """The period with its schools live (one import)."""
    import_id = new_id()
    schools = _schools(period)
    deps.admissions.put_schools(period.id, import_id, schools)
    return deps.admissions.create_period(
        replace(period, schools_import=import_id, school_count=len(schools)), []
    )


def _applicant(deps: Deps, period: PeriodRecord, schools: list[PeriodSchool], i: int,
               rng: random.Random, parent: str) -> Application:  # fmt: skip
    aid = new_id()
    birth = date(int(period.config.school_year[:4]) - 13, 1, 1) + timedelta(
        days=rng.randint(0, 700)
    )
    gender = rng.choice("LP")
    day = birth.day + (40 if gender == "P" else 0)
    nik = f"367101{day:02d}{birth.month:02d}{birth.year % 100:02d}{9000 + i:04d}"
    home_place = rng.choice(SMP_PLACES)
    s = deps.settings
    route = rng.choices(["afirmasi", "mutasi", "domisili", "prestasi"], [3, 1, 5, 3])[0]
    picks = rng.sample(SMP_PLACES, 2)
    at = period.config.routes[0].opens_at + timedelta(minutes=i)
    app = Application(
        id=aid,
        period_id=period.id,
        parent_sub=parent,
        status=AppStatus.REGISTERED,
        created_at=at - timedelta(days=3),
        updated_at=at,
        child=Child(
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            birth_date=birth,
            gender=gender,
            nik_hmac=keyed_hash(s.nik_hmac_key, nik, "nik"),
            nik_cipher=encrypt_field(s.pii_key, nik, aid),
            nik_last4=nik[-4:],
            nisn=f"{rng.randint(0, 10**10 - 1):010d}",
        ),
        kk_number_cipher=encrypt_field(s.pii_key, f"36710101{rng.randint(0, 10**8 - 1):08d}", aid),
        kk_issued_on=date(2019, 1, 1),
        home=Home(
            address="Alamat demo",
            rt=f"{rng.randint(1, 6):03d}",
            rw=home_place.rw if rng.random() < 0.5 else f"{rng.randint(1, 9):03d}",
            kelurahan=home_place.kelurahan,
            kecamatan=home_place.kecamatan,
            latitude=home_place.lat + rng.uniform(-0.01, 0.01),
            longitude=home_place.lon + rng.uniform(-0.01, 0.01),
        ),
        verifier_npsn=picks[0].npsn,
        rapor_avg=round(rng.uniform(70, 98), 2),
    )
    chosen = [next(x for x in schools if x.npsn == p.npsn) for p in picks]
    zones = {x.kelurahan: x.zone for x in schools}
    attrs, choice_attrs = derive(app, period, chosen, zones, seq=i + 1)
    registration = Registration(route, tuple(p.npsn for p in picks), i + 1, at, attrs=attrs,
                                choice_attrs=choice_attrs)  # fmt: skip
    return replace(app, registration=registration)


def seed_ppdb(deps: Deps) -> dict[str, Any]:
    now = deps.clock.now().replace(microsecond=0)
    open_period = _store(
        deps,
        _period(
            "SPMB SMP Kota Tangerang (demo, pendaftaran dibuka)",
            now,
            _routes(
                now - timedelta(hours=1),
                now + timedelta(days=2),
                now + timedelta(days=3),
                now + timedelta(days=5),
            ),
            (now - timedelta(days=7), now + timedelta(days=2)),
        ),
    )
    closed = _period(
        "SPMB SMP Kota Tangerang (demo, sudah ditutup)",
        now - timedelta(days=10),
        _routes(
            now - timedelta(days=3),
            now - timedelta(days=1),
            now - timedelta(hours=1),
            now + timedelta(days=3),
        ),
        (now - timedelta(days=10), now - timedelta(days=1)),
    )
    closed = _store(deps, closed)
    schools = _schools(closed)
    rng = random.Random(2027)  # noqa: S311 - demo data
    registered = 0
    for i in range(40):
        parent = DEMO_PARENT if i in (0, 1) else f"demo-ppdb-parent-{i:02d}"
        app = _applicant(deps, closed, schools, i, rng, parent)
        deps.admissions.commit(AppChange(after=app, expected_version=None))
        registered += 1
    return {"ppdb_open_period": open_period.id, "ppdb_closed_period": closed.id,
            "ppdb_registered": registered}  # fmt: skip
