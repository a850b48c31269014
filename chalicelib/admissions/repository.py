"""Admissions table (single table, ``pk`` + ``sk``) and the transactions of the PPDB season.

Items (pk / sk):
- ``period#<pid>`` / ``config``: a period (body JSON, version); GSI by_owner ``periods``.
- ``period#<pid>`` / ``seq``: the registration sequence counter (atomic ADD).
- ``period#<pid>`` / ``seats#<npsn>``: daftar ulang counter: ``seats``, ``confirmed``; a
  confirmation is a transaction with ``confirmed < seats``.
- ``period#<pid>`` / ``run#<n>``: a final allocation run (status, S3 key of its result).
- ``pschools#<pid>#<import id>`` / ``<npsn>``: a school of a period as imported. The period points
  at ONE import; an import becomes live with one conditional update of the period, so readers never
  see half an import.
- ``import#<id>`` / ``import``: a school import job and its per-row error report.
- ``app#<aid>`` / ``app``: an application. GSIs: by_owner ``parent#<sub>`` / created_at;
  queue ``verify#<pid>#<npsn>`` (waiting for verification) or ``school#<pid>#<npsn>`` (admitted,
  confirmed, released: the school's result list) / time or route#rank; by_route
  ``reg#<pid>#<route>`` / zero-padded registration sequence (every registration of a route), or
  ``prereg#<pid>#<npsn>`` / created_at while not registered (pre-registrations per school).
- ``nik#<pid>#<nik hmac>`` / ``lock``: one application per child per period (a keyed hash of the
  NIK, never the NIK).
"""

from __future__ import annotations

import base64
import json
import random
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.transactions import TransactWrite

from chalicelib.admissions import codec
from chalicelib.admissions.application import Application, AppStatus
from chalicelib.admissions.records import (
    AllocationRun,
    ImportJob,
    PeriodRecord,
    PeriodSchool,
    SeatCounter,
)
from chalicelib.audit.repository import to_model as audit_model
from chalicelib.core.audit import AuditEntry
from chalicelib.core.cache import TTLCache
from chalicelib.core.clock import iso_utc
from chalicelib.core.dynamo import (
    BaseMeta,
    Model,
    cancellation_codes,
    connection,
    is_condition_failure,
    raise_unavailable,
)
from chalicelib.core.errors import Conflict
from chalicelib.core.notify import Notification
from chalicelib.core.tablenames import SettingName
from chalicelib.notifications.repository import to_model as inbox_model

CONFIG, SEQ, LOCK, APP, IMPORT = "config", "seq", "lock", "app", "import"
PERIODS = "periods"
STATS = "stats"  # period#<pid> / stats: the statistics snapshot (admission_enrolment)
# In-function caches (docs/capacity.md): every registration, application view and result reads
# its period, and a registration reads the period's whole school list.
PERIOD_CACHE_SECONDS = 5.0  # a changed period is seen by every instance within 5 s
SCHOOLS_CACHE_SECONDS = 60.0  # the schools of one import never change once the period uses it


def _gsi(name: str, hash_attr: str, range_attr: str, keys_only: bool = False) -> Any:
    projection = KeysOnlyProjection() if keys_only else AllProjection()
    meta = type("Meta", (), {"index_name": name, "projection": projection})
    attrs = {
        "Meta": meta,
        hash_attr: UnicodeAttribute(hash_key=True),
        range_attr: UnicodeAttribute(range_key=True),
    }
    return type(f"Index_{name}", (GlobalSecondaryIndex,), attrs)()


class AdmissionModel(Model):
    class Meta(BaseMeta):
        table_name = SettingName("admissions_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    owner_id = UnicodeAttribute(null=True)
    body = UnicodeAttribute(null=True)
    counter = NumberAttribute(null=True)
    seats = NumberAttribute(null=True)
    confirmed = NumberAttribute(null=True)
    version = VersionAttribute(null=True)
    by_owner = _gsi("by_owner", "gsi1pk", "gsi1sk")
    queue = _gsi("queue", "gsi2pk", "gsi2sk")
    by_route = _gsi("by_route", "gsi3pk", "gsi3sk")


class CounterModel(Model):
    """The same table seen without a version attribute, for counters and locks (a
    VersionAttribute would add its own condition to every write)."""

    class Meta(BaseMeta):
        table_name = SettingName("admissions_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    owner_id = UnicodeAttribute(null=True)
    counter = NumberAttribute(null=True)
    seats = NumberAttribute(null=True)
    confirmed = NumberAttribute(null=True)
    body = UnicodeAttribute(null=True)


def period_pk(pid: str) -> str:
    return f"period#{pid}"


def nik_lock_pk(pid: str, nik_hmac: str) -> str:
    return f"nik#{pid}#{nik_hmac}"


def seats_sk(npsn: str) -> str:
    return f"seats#{npsn}"


def run_sk(n: int) -> str:
    return f"run#{n:06d}"


SCHOOL_LIST_STATES = frozenset({AppStatus.ADMITTED, AppStatus.CONFIRMED, AppStatus.RELEASED})


def app_keys(a: Application) -> dict[str, str | None]:
    """The index keys an application carries in its current status."""
    keys: dict[str, str | None] = {
        "gsi1pk": f"parent#{a.parent_sub}",
        "gsi1sk": iso_utc(a.created_at) + "#" + a.id,
        "gsi2pk": None,
        "gsi2sk": None,
        "gsi3pk": None,
        "gsi3sk": None,
    }
    if a.status is AppStatus.SUBMITTED:
        keys["gsi2pk"] = f"verify#{a.period_id}#{a.verifier_npsn}"
        keys["gsi2sk"] = iso_utc(a.submitted_at or a.updated_at) + "#" + a.id
    if a.status in SCHOOL_LIST_STATES and a.outcome is not None and a.outcome.school:
        choices = a.registration.choices if a.registration is not None else ()
        at = choices.index(a.outcome.school) if a.outcome.school in choices else -1
        rank = (a.outcome.ranks[at] if 0 <= at < len(a.outcome.ranks) else None) or 0
        keys["gsi2pk"] = f"school#{a.period_id}#{a.outcome.school}"
        keys["gsi2sk"] = f"{a.outcome.route}#{rank:07d}#{a.id}"
    if a.registration is not None:
        keys["gsi3pk"] = f"reg#{a.period_id}#{a.registration.route}"
        keys["gsi3sk"] = f"{a.registration.seq:010d}#{a.id}"
    else:  # pre-registrations of a verifying school (statistics), until the child registers
        keys["gsi3pk"] = f"prereg#{a.period_id}#{a.verifier_npsn}"
        keys["gsi3sk"] = iso_utc(a.created_at) + "#" + a.id
    return keys


def app_model(a: Application, expected_version: int | None) -> AdmissionModel:
    m = AdmissionModel(
        pk=f"app#{a.id}",
        sk=APP,
        status=a.status.value,
        body=json.dumps(codec.dump_application(a), separators=(",", ":")),
    )
    for name, value in app_keys(a).items():
        setattr(m, name, value)
    if expected_version is not None:
        m.version = expected_version
    return m


def period_model(p: PeriodRecord, expected_version: int | None) -> AdmissionModel:
    m = AdmissionModel(
        pk=period_pk(p.id),
        sk=CONFIG,
        gsi1pk=PERIODS,
        gsi1sk=iso_utc(p.created_at) + "#" + p.id,
        body=json.dumps(codec.dump_period(p), separators=(",", ":")),
    )
    if expected_version is not None:
        m.version = expected_version
    return m


def _version(m: AdmissionModel) -> int:
    return int(m.version or 1)


@dataclass
class AppChange:
    """Everything one application step writes, atomically."""

    after: Application
    expected_version: int | None  # None = create (and take the child's lock for the period)
    audit: list[AuditEntry] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    take_seat: str | None = None  # NPSN whose daftar ulang counter this step increments


class AdmissionRepository(Protocol):
    def create_period(self, p: PeriodRecord, audit: list[AuditEntry]) -> PeriodRecord: ...

    def save_period(
        self, p: PeriodRecord, expected_version: int, audit: list[AuditEntry]
    ) -> PeriodRecord: ...

    def get_period(self, pid: str, cached: bool = False) -> PeriodRecord | None: ...

    def list_periods(
        self, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[PeriodRecord], dict[str, Any] | None]: ...

    def put_schools(self, pid: str, import_id: str, schools: list[PeriodSchool]) -> None: ...

    def schools(self, pid: str, import_id: str, cached: bool = False) -> list[PeriodSchool]: ...

    def school(
        self, pid: str, import_id: str, npsn: str, cached: bool = False
    ) -> PeriodSchool | None: ...

    def put_import(self, job: ImportJob) -> None: ...

    def get_import(self, import_id: str) -> ImportJob | None: ...

    def commit(self, change: AppChange) -> Application: ...

    def get_application(self, aid: str) -> Application | None: ...

    def delete_application(self, a: Application, audit: list[AuditEntry]) -> None: ...

    def by_parent(
        self, sub: str, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[Application], dict[str, Any] | None]: ...

    def queue(
        self, key: str, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[Application], dict[str, Any] | None]: ...

    def registered(self, pid: str, route: str) -> Iterator[Application]: ...

    def next_seq(self, pid: str) -> int: ...

    def create_run(self, run: AllocationRun) -> bool: ...

    def save_run(self, run: AllocationRun) -> None: ...

    def get_run(self, pid: str, n: int) -> AllocationRun | None: ...

    def put_seat_counter(self, counter: SeatCounter) -> None: ...

    def seat_counters(self, pid: str) -> list[SeatCounter]: ...

    def correct_seats(self, pid: str, npsn: str, seats: int) -> SeatCounter | None: ...

    # -- admission_enrolment (daftar ulang, statistics) --

    def preregistered(self, pid: str, npsn: str) -> Iterator[Application]: ...

    def put_statistics(self, pid: str, data: dict[str, Any]) -> None: ...

    def get_statistics(self, pid: str) -> dict[str, Any] | None: ...


class DynamoAdmissionRepository:
    """``cached=True`` reads (periods, a period's schools) may serve a value loaded by this
    instance up to PERIOD_CACHE_SECONDS / SCHOOLS_CACHE_SECONDS ago; only read-only request paths
    ask for them (never a read that is written back: those go to the table). Every period write
    through this repository drops its cached copy."""

    def __init__(
        self,
        inbox_ttl_days: int = 180,
        periods_cache: TTLCache[str, PeriodRecord] | None = None,
        schools_cache: TTLCache[tuple[str, str], tuple[PeriodSchool, ...]] | None = None,
    ) -> None:
        self.inbox_ttl_days = inbox_ttl_days
        if periods_cache is None:
            periods_cache = TTLCache(PERIOD_CACHE_SECONDS, max_size=64)
        if schools_cache is None:
            schools_cache = TTLCache(SCHOOLS_CACHE_SECONDS, max_size=8)
        self._periods = periods_cache
        self._schools = schools_cache

    # -- periods ---------------------------------------------------------------------------

    def create_period(self, p: PeriodRecord, audit: list[AuditEntry]) -> PeriodRecord:
        self._transact(
            [("period", "put", period_model(p, None), AdmissionModel.pk.does_not_exist())]
            + [("audit", "put", audit_model(a), None) for a in audit],
            on_fail={"period": Conflict("period_exists", "Periode dengan kode ini sudah ada.")},
        )
        self._periods.invalidate(p.id)
        return _with_version(p, 1)

    def save_period(
        self, p: PeriodRecord, expected_version: int, audit: list[AuditEntry]
    ) -> PeriodRecord:
        self._periods.invalidate(p.id)
        self._transact(
            [("period", "put", period_model(p, expected_version), None)]
            + [("audit", "put", audit_model(a), None) for a in audit],
            on_fail={"period": _stale()},
        )
        self._periods.invalidate(p.id)
        return _with_version(p, expected_version + 1)

    def get_period(self, pid: str, cached: bool = False) -> PeriodRecord | None:
        """The period; ``cached``: possibly as this instance read it up to
        PERIOD_CACHE_SECONDS ago. An uncached read refreshes the cached copy."""
        if cached:
            return self._periods.get_or_load(pid, lambda: self._read_period(pid))
        period = self._read_period(pid)
        if period is not None:
            self._periods.put(pid, period)
        return period

    def _read_period(self, pid: str) -> PeriodRecord | None:
        try:
            m = AdmissionModel.get(period_pk(pid), CONFIG)
        except AdmissionModel.DoesNotExist:
            return None
        return codec.load_period(json.loads(m.body or "{}"), _version(m))

    def list_periods(
        self, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[PeriodRecord], dict[str, Any] | None]:
        result = AdmissionModel.by_owner.query(
            PERIODS, scan_index_forward=False, limit=limit, last_evaluated_key=after
        )
        items = [codec.load_period(json.loads(m.body or "{}"), _version(m)) for m in result]
        return items, result.last_evaluated_key

    # -- schools of a period and imports ---------------------------------------------------

    def put_schools(self, pid: str, import_id: str, schools: list[PeriodSchool]) -> None:
        with CounterModel.batch_write() as batch:
            for s in schools:
                batch.save(
                    CounterModel(
                        pk=f"pschools#{pid}#{import_id}",
                        sk=s.npsn,
                        body=json.dumps(codec.dump_school(s), separators=(",", ":")),
                    )
                )

    def schools(self, pid: str, import_id: str, cached: bool = False) -> list[PeriodSchool]:
        """The schools of one import; ``cached``: possibly as read up to SCHOOLS_CACHE_SECONDS
        ago (an import's rows are written before the period points at it, then never change)."""
        if cached:
            found = self._schools.get_or_load(
                (pid, import_id), lambda: self._read_schools(pid, import_id)
            )
            return list(found or ())
        return list(self._read_schools(pid, import_id))

    def _read_schools(self, pid: str, import_id: str) -> tuple[PeriodSchool, ...]:
        return tuple(
            codec.load_school(json.loads(m.body or "{}"))
            for m in CounterModel.query(f"pschools#{pid}#{import_id}")
        )

    def school(
        self, pid: str, import_id: str, npsn: str, cached: bool = False
    ) -> PeriodSchool | None:
        """One school of an import; ``cached``: looked up in the cached list of the import (one
        Query per SCHOOLS_CACHE_SECONDS per instance instead of a GetItem per lookup)."""
        if cached:
            return next(
                (s for s in self.schools(pid, import_id, cached=True) if s.npsn == npsn), None
            )
        try:
            m = CounterModel.get(f"pschools#{pid}#{import_id}", npsn)
        except CounterModel.DoesNotExist:
            return None
        return codec.load_school(json.loads(m.body or "{}"))

    def put_import(self, job: ImportJob) -> None:
        CounterModel(
            pk=f"import#{job.id}",
            sk=IMPORT,
            body=json.dumps(codec.dump_import(job), separators=(",", ":")),
        ).save()

    def get_import(self, import_id: str) -> ImportJob | None:
        try:
            m = CounterModel.get(f"import#{import_id}", IMPORT)
        except CounterModel.DoesNotExist:
            return None
        return codec.load_import(json.loads(m.body or "{}"))

    # -- applications ----------------------------------------------------------------------

    def commit(self, change: AppChange) -> Application:
        a = change.after
        ops: list[tuple[str, str, Any, Any]] = []
        if change.expected_version is None:
            ops.append(("app", "put", app_model(a, None), AdmissionModel.pk.does_not_exist()))
            lock = CounterModel(pk=nik_lock_pk(a.period_id, a.child.nik_hmac), sk=LOCK)
            lock.owner_id = a.id
            ops.append(("lock", "put", lock, CounterModel.pk.does_not_exist()))
        else:
            ops.append(("app", "put", app_model(a, change.expected_version), None))
        ops += [("audit", "put", audit_model(e), None) for e in change.audit]
        ops += [
            ("inbox", "put", inbox_model(n, ttl_days=self.inbox_ttl_days), None)
            for n in change.notifications
        ]
        if change.take_seat is not None:
            counter = CounterModel(pk=period_pk(a.period_id), sk=seats_sk(change.take_seat))
            ops.append(
                (
                    "seat",
                    "update",
                    (counter, [CounterModel.confirmed.add(1)]),
                    CounterModel.confirmed < CounterModel.seats,
                )
            )
        self._transact(
            ops,
            on_fail={
                "app": _stale()
                if change.expected_version is not None
                else Conflict("application_exists", "Pendaftaran ini sudah ada."),
                "lock": Conflict(
                    "child_already_registered",
                    "Anak ini sudah memiliki pendaftaran pada periode ini.",
                ),
                "seat": Conflict("no_seat", "Kursi daftar ulang di sekolah ini sudah penuh."),
            },
        )
        version = 1 if change.expected_version is None else change.expected_version + 1
        return _with_version(a, version)

    def get_application(self, aid: str) -> Application | None:
        try:
            m = AdmissionModel.get(f"app#{aid}", APP)
        except AdmissionModel.DoesNotExist:
            return None
        return codec.load_application(json.loads(m.body or "{}"), _version(m))

    def delete_application(self, a: Application, audit: list[AuditEntry]) -> None:
        """Erase a pre-registration (chalicelib.privacy): the application, only at the version
        and status read; the child's lock for the period (so the child may apply again); and the
        audit entries, in one transaction. Raises Conflict when it changed meanwhile."""
        model = AdmissionModel(pk=f"app#{a.id}", sk=APP)
        model.version = a.version  # PynamoDB adds "version = read version" to the delete
        lock = CounterModel(pk=nik_lock_pk(a.period_id, a.child.nik_hmac), sk=LOCK)
        try:
            with TransactWrite(connection=connection()) as tx:
                tx.delete(model, condition=AdmissionModel.status == a.status.value)
                tx.delete(lock, condition=CounterModel.owner_id == a.id)
                for item in audit:
                    tx.save(audit_model(item))
        except TransactWriteError as exc:
            if "ConditionalCheckFailed" in cancellation_codes(exc):
                raise _stale() from exc
            raise_unavailable(exc)

    def by_parent(
        self, sub: str, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[Application], dict[str, Any] | None]:
        result = AdmissionModel.by_owner.query(
            f"parent#{sub}", scan_index_forward=False, limit=limit, last_evaluated_key=after
        )
        return [_app(m) for m in result], result.last_evaluated_key

    def queue(
        self, key: str, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[Application], dict[str, Any] | None]:
        """Oldest first: a verification queue (``verify#..``) or a school's results
        (``school#..``, by route and rank)."""
        result = AdmissionModel.queue.query(
            key, scan_index_forward=True, limit=limit, last_evaluated_key=after
        )
        return [_app(m) for m in result], result.last_evaluated_key

    def registered(self, pid: str, route: str) -> Iterator[Application]:
        for m in AdmissionModel.by_route.query(f"reg#{pid}#{route}", scan_index_forward=True):
            yield _app(m)

    def next_seq(self, pid: str) -> int:
        """The next registration number of the period (gaps are possible, order is not broken)."""
        item = CounterModel(pk=period_pk(pid), sk=SEQ)
        item.update(actions=[CounterModel.counter.add(1)])
        return int(item.counter or 0)

    # -- allocation runs and daftar ulang counters -----------------------------------------

    def create_run(self, run: AllocationRun) -> bool:
        """False when this run number exists (a duplicate request or message)."""
        try:
            CounterModel(
                pk=period_pk(run.period_id),
                sk=run_sk(run.run),
                body=json.dumps(codec.dump_run(run)),
            ).save(condition=CounterModel.pk.does_not_exist())
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def save_run(self, run: AllocationRun) -> None:
        CounterModel(
            pk=period_pk(run.period_id), sk=run_sk(run.run), body=json.dumps(codec.dump_run(run))
        ).save()

    def get_run(self, pid: str, n: int) -> AllocationRun | None:
        try:
            m = CounterModel.get(period_pk(pid), run_sk(n))
        except CounterModel.DoesNotExist:
            return None
        return codec.load_run(json.loads(m.body or "{}"))

    def put_seat_counter(self, counter: SeatCounter) -> None:
        """Set a school's seats; never below what is already confirmed."""
        item = CounterModel(pk=period_pk(counter.period_id), sk=seats_sk(counter.npsn))
        item.update(
            actions=[
                CounterModel.seats.set(counter.seats),
                CounterModel.confirmed.set(CounterModel.confirmed | 0),
            ],
            condition=CounterModel.confirmed.does_not_exist()
            | (CounterModel.confirmed <= counter.seats),
        )

    def correct_seats(self, pid: str, npsn: str, seats: int) -> SeatCounter | None:
        """Change an existing counter's seats, never below its confirmations; None when there
        is no counter or it already has more confirmations than ``seats``."""
        item = CounterModel(pk=period_pk(pid), sk=seats_sk(npsn))
        try:
            item.update(
                actions=[CounterModel.seats.set(seats)],
                condition=CounterModel.confirmed.exists() & (CounterModel.confirmed <= seats),
            )
        except Exception as exc:
            if is_condition_failure(exc):
                return None
            raise
        return SeatCounter(pid, npsn, int(item.seats or 0), int(item.confirmed or 0))

    def seat_counters(self, pid: str) -> list[SeatCounter]:
        return [
            SeatCounter(pid, m.sk.split("#", 1)[1], int(m.seats or 0), int(m.confirmed or 0))
            for m in CounterModel.query(period_pk(pid), CounterModel.sk.startswith("seats#"))
        ]

    # -- the one transaction helper --------------------------------------------------------

    def _transact(
        self, ops: list[tuple[str, str, Any, Any]], on_fail: dict[str, Exception]
    ) -> None:
        for attempt in range(4):
            try:
                with TransactWrite(connection=connection()) as tx:
                    for _label, kind, target, condition in ops:
                        if kind == "put":
                            tx.save(target, condition=condition)
                        else:
                            model, actions = target
                            tx.update(model, actions=actions, condition=condition)
                return
            except TransactWriteError as exc:
                codes = cancellation_codes(exc)
                if "ConditionalCheckFailed" in codes:
                    # PynamoDB sends puts before updates (transact_write_items argument order).
                    order = [o for o in ops if o[1] == "put"] + [o for o in ops if o[1] != "put"]
                    failed = [
                        label
                        for (label, *_), code in zip(order, codes, strict=False)
                        if code == "ConditionalCheckFailed"
                    ]
                    for label in failed:
                        if label in on_fail:
                            raise on_fail[label] from exc
                    raise _stale() from exc
                if attempt == 3:
                    raise_unavailable(exc)
                time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))  # noqa: S311 - jitter

    # -- admission_enrolment (daftar ulang, statistics) ------------------------------------

    def preregistered(self, pid: str, npsn: str) -> Iterator[Application]:
        """Applications of the period that ``npsn`` verifies and that are not registered in a
        route yet (by_route index, key ``prereg#<pid>#<npsn>``). Returns nothing until
        ``app_keys`` sets that key for applications without a registration (see the
        admission_enrolment report); registered ones are read through ``registered``."""
        for m in AdmissionModel.by_route.query(f"prereg#{pid}#{npsn}", scan_index_forward=True):
            yield _app(m)

    def put_statistics(self, pid: str, data: dict[str, Any]) -> None:
        """Replace the period's statistics snapshot (one item, zlib-compressed JSON: a few KB
        for hundreds of schools, far below the 400 KB item limit)."""
        packed = zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 6)
        CounterModel(
            pk=period_pk(pid), sk=STATS, body=base64.b64encode(packed).decode("ascii")
        ).save()

    def get_statistics(self, pid: str) -> dict[str, Any] | None:
        try:
            m = CounterModel.get(period_pk(pid), STATS)
        except CounterModel.DoesNotExist:
            return None
        data = json.loads(zlib.decompress(base64.b64decode(m.body or "")))
        return data if isinstance(data, dict) else None


def _app(m: AdmissionModel) -> Application:
    return codec.load_application(json.loads(m.body or "{}"), _version(m))


def _stale() -> Conflict:
    return Conflict(
        "concurrent_update", "Data baru saja diubah oleh orang lain. Muat ulang lalu coba lagi."
    )


def _with_version(obj: Any, version: int) -> Any:
    from dataclasses import replace

    return replace(obj, version=version)
