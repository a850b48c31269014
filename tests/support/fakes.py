"""In-memory stand-ins for repositories, object storage and push sender; a Transfer builder.

Same semantics as the DynamoDB versions (tests/contract runs one suite against both): a commit
checks every condition before it writes anything; conditions fail with the same Conflict codes;
lists are newest first and paginate with JSON-safe ``last_key`` dicts; times go through the same
text forms the tables store, so they round-trip with the same precision.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, TypeVar

from chalicelib.admissions.repository import DynamoAdmissionRepository
from chalicelib.core.audit import AuditEntry
from chalicelib.core.clock import Clock, FixedClock, iso_utc, parse_utc
from chalicelib.core.errors import Conflict
from chalicelib.core.ids import new_id
from chalicelib.core.notify import Notification, RecordingSender
from chalicelib.core.settings import Settings
from chalicelib.core.storage import ObjectInfo, PresignedPost
from chalicelib.documents.domain import DocStatus, Document
from chalicelib.notifications.domain import InboxItem
from chalicelib.schools.domain import School, Seats
from chalicelib.transfers import codec
from chalicelib.transfers.domain import Event, SchoolRef, Student, Transfer
from chalicelib.transfers.letters import Letter
from chalicelib.transfers.repository import INDEXES, Change
from chalicelib.wiring import Deps

T = TypeVar("T")
SortKey = tuple[str, ...]


def page(
    items: Sequence[T],
    sort_key: Callable[[T], SortKey],
    limit: int,
    after: dict[str, Any] | None,
    *,
    newest_first: bool = True,
) -> tuple[list[T], dict[str, Any] | None]:
    """One page of ``items`` in key order, resuming strictly after the key in ``after``."""
    ordered = sorted(items, key=sort_key, reverse=newest_first)
    if after is not None:
        mark = tuple(after["position"])
        ordered = [
            i for i in ordered if (sort_key(i) < mark if newest_first else sort_key(i) > mark)
        ]
    chosen = ordered[:limit]
    more = len(ordered) > limit
    return chosen, ({"position": list(sort_key(chosen[-1]))} if more else None)


def _seconds(value: datetime) -> datetime:
    """The precision of a time stored as ISO text (what the Dynamo tables keep)."""
    return parse_utc(iso_utc(value))


class FakeSchools:
    def __init__(self) -> None:
        self.profiles: dict[str, School] = {}
        self.free_seats: dict[tuple[str, int], Seats] = {}

    def get(self, npsn: str) -> School | None:
        return self.profiles.get(npsn)

    def put(self, school: School) -> None:
        self.profiles[school.npsn] = school

    def in_region(
        self, kabkota_code: str, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[School], dict[str, Any] | None]:
        found = [s for s in self.profiles.values() if s.kabkota_code == kabkota_code]
        return page(found, lambda s: (s.name, s.npsn), limit, after, newest_first=False)

    def seats(self, npsn: str) -> list[Seats]:
        return sorted(
            (s for s in self.free_seats.values() if s.npsn == npsn), key=lambda s: s.grade
        )

    def set_seats(self, npsn: str, grade: int, free: int, by: str, at: datetime) -> Seats:
        self.free_seats[(npsn, grade)] = Seats(npsn, grade, free, at)
        return self.free_seats[(npsn, grade)]

    def free(self, npsn: str, grade: int) -> int | None:
        seats = self.free_seats.get((npsn, grade))
        return None if seats is None else seats.free

    def add_free(self, npsn: str, grade: int, delta: int) -> None:
        seats = self.free_seats[(npsn, grade)]
        self.free_seats[(npsn, grade)] = replace(seats, free=seats.free + delta)


class FakeDocuments:
    def __init__(self) -> None:
        self.docs: dict[tuple[str, str], Document] = {}

    def create(self, doc: Document) -> None:
        if (doc.ref, doc.id) in self.docs:
            raise Conflict("conflict", "Dokumen dengan id ini sudah ada.")
        # Like the table: only the upload facts are written at creation.
        self.docs[(doc.ref, doc.id)] = replace(doc, clean_key=None, size=None, reject_reason=None)

    def get(self, ref: str, doc_id: str) -> Document | None:
        return self.docs.get((ref, doc_id))

    def for_ref(self, ref: str) -> list[Document]:
        return sorted((d for d in self.docs.values() if d.ref == ref), key=lambda d: d.id)

    def settle(
        self,
        doc: Document,
        status: DocStatus,
        *,
        size: int | None,
        clean_key: str | None,
        reason: str | None,
    ) -> bool:
        current = self.docs.get((doc.ref, doc.id))
        if current is None or current.status is not DocStatus.PENDING_UPLOAD:
            return False
        self.docs[(doc.ref, doc.id)] = replace(
            current,
            status=status,
            size=current.size if size is None else size,
            clean_key=clean_key or current.clean_key,
            reject_reason=reason or current.reject_reason,
        )
        return True


class FakeInbox:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], InboxItem] = {}

    def write(self, n: Notification) -> None:
        """An unconditional write, as a transition's transaction does."""
        self.items[(n.recipient, n.nid)] = InboxItem(
            n.nid, n.kind, n.title, n.body, n.ref, _seconds(n.created_at), None
        )

    def put_once(self, n: Notification) -> bool:
        if (n.recipient, n.nid) in self.items:
            return False
        self.write(n)
        return True

    def list(
        self, recipient: str, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[InboxItem], dict[str, Any] | None]:
        mine = [item for (who, _), item in self.items.items() if who == recipient]
        return page(mine, lambda i: (iso_utc(i.created_at), i.id), limit, after)

    def unread_count(self, recipient: str) -> int:
        return sum(1 for (who, _), i in self.items.items() if who == recipient and not i.read_at)

    def mark_read(self, recipient: str, nid: str, at: datetime) -> bool:
        item = self.items.get((recipient, nid))
        if item is None:
            return False
        self.items[(recipient, nid)] = replace(item, read_at=_seconds(at))
        return True


class FakeAuditLog:
    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def append(self, item: AuditEntry) -> None:
        self.entries.append(item)

    def for_subject(
        self, subject: str, limit: int, after: dict[str, Any] | None
    ) -> tuple[list[AuditEntry], dict[str, Any] | None]:
        mine = [e for e in self.entries if e.subject == subject]
        return page(mine, lambda e: (iso_utc(e.at), e.entry_id), limit, after)


def _index_entry(t: Transfer, index: str) -> tuple[str | None, str]:
    """(partition value, sort value) of a transfer in one of the table's GSIs."""
    created, since = iso_utc(t.created_at), iso_utc(t.state_since or t.created_at)
    origin_queue, destination_queue = codec.queues(t)
    return {
        "by_parent": (t.parent_sub, created),
        "by_state": (t.state.value, since),
        "by_origin": (t.origin.npsn, created),
        "by_destination": (t.destination.npsn, created),
        "origin_queue": (origin_queue, since),
        "destination_queue": (destination_queue, since),
    }[index]


class FakeTransfers:
    """Transfers, locks and letters; a commit also writes seats, audit and inbox of its fakes."""

    def __init__(self, schools: FakeSchools, inbox: FakeInbox, audit: FakeAuditLog) -> None:
        self.schools, self.inbox, self.audit = schools, inbox, audit
        self.rows: dict[str, tuple[dict[str, Any], int]] = {}  # id -> (stored body, version)
        self.locks: dict[str, str] = {}  # lock key -> owning transfer id
        self.letters: dict[str, Letter] = {}

    def get(self, transfer_id: str) -> Transfer | None:
        row = self.rows.get(transfer_id)
        return None if row is None else codec.load(row[0], row[1])

    def commit(self, change: Change) -> Transfer:
        self._check(change)
        t = change.after
        version = 1 if change.expected_version is None else change.expected_version + 1
        self.rows[t.id] = (codec.dump(t), version)
        if change.take_seat or change.free_seat:
            self.schools.add_free(
                t.destination.npsn, t.student.grade, -1 if change.take_seat else 1
            )
        if change.lock_key is not None and change.create_lock:
            self.locks[change.lock_key] = t.id
        if change.lock_key is not None and change.release_lock:
            del self.locks[change.lock_key]
        for item in change.audit:
            self.audit.append(item)
        for note in change.notifications:
            self.inbox.write(note)
        if change.letter is not None:
            self.letters[change.letter.code] = change.letter
        return codec.with_version(t, version)

    def _check(self, change: Change) -> None:
        """Every condition of the transaction; the first failing one (request, seat, lock) wins."""
        t, row = change.after, self.rows.get(change.after.id)
        if change.expected_version is None and row is not None:
            raise Conflict("conflict", "Permohonan dengan id ini sudah ada.")
        if change.expected_version is not None and (
            row is None or row[1] != change.expected_version
        ):
            raise Conflict("concurrent_update", "Permohonan baru saja diubah oleh orang lain.")
        free = self.schools.free(t.destination.npsn, t.student.grade)
        if change.take_seat and (free is None or free <= 0):
            raise Conflict("no_seat", "Kursi kosong di sekolah tujuan untuk kelas ini sudah habis.")
        if change.free_seat and free is None:
            raise Conflict("conflict", "Data kursi sekolah tujuan tidak ada.")
        if change.lock_key is not None:
            owner = self.locks.get(change.lock_key)
            if (change.create_lock and owner is not None) or (
                change.release_lock and owner != t.id
            ):
                raise Conflict("open_request_exists", "Anak ini masih punya permohonan terbuka.")
        if change.letter is not None and change.letter.code in self.letters:
            raise Conflict("conflict", "Kode surat sudah dipakai.")

    def query(
        self,
        index: str,
        key: str,
        limit: int,
        after: dict[str, Any] | None,
        since_before: datetime | None = None,
    ) -> tuple[list[Transfer], dict[str, Any] | None]:
        if index not in INDEXES:
            raise ValueError(index)
        found: list[tuple[str, Transfer]] = []
        for body, version in self.rows.values():
            t = codec.load(body, version)
            partition, sort_value = _index_entry(t, index)
            if partition == key and (since_before is None or sort_value < iso_utc(since_before)):
                found.append((sort_value, t))
        chosen, last = page(found, lambda pair: (pair[0], pair[1].id), limit, after)
        return [t for _, t in chosen], last

    def letter(self, code: str) -> Letter | None:
        letter = self.letters.get(code)
        return None if letter is None else replace(letter, issued_at=_seconds(letter.issued_at))

    def set_letter_status(self, code: str, status: str) -> None:
        self.letters[code] = replace(self.letters[code], status=status)


@dataclass
class FakeStorage:
    """Objects as ``key -> (bytes, content type)``; presigned URLs point nowhere real."""

    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def presign_post(
        self, key: str, content_type: str, max_bytes: int, ttl_seconds: int
    ) -> PresignedPost:
        return PresignedPost(
            "https://storage.fake.test/upload", {"key": key, "Content-Type": content_type}
        )

    def presign_get(
        self, key: str, ttl_seconds: int, filename: str, content_type: str | None = None
    ) -> str:
        return f"https://storage.fake.test/{key}?filename={filename}&expires={ttl_seconds}"

    def inspect(self, key: str, head_bytes: int) -> ObjectInfo | None:
        if key not in self.objects:
            return None
        data, content_type = self.objects[key]
        return ObjectInfo(len(data), data[:head_bytes], content_type)

    def fetch(self, key: str, max_bytes: int) -> ObjectInfo | None:
        if key not in self.objects:
            return None
        data, content_type = self.objects[key]
        return ObjectInfo(len(data), data if len(data) <= max_bytes else data[:4096], content_type)

    def move(self, source: str, target: str) -> None:
        self.objects[target] = self.objects.pop(source)

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def put(
        self, key: str, data: bytes, content_type: str, cache_control: str | None = None
    ) -> None:
        self.objects[key] = (data, content_type)

    def exists(self, key: str) -> bool:
        return key in self.objects

    def read(self, key: str) -> bytes:
        return self.objects[key][0]


def fake_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "stage": "unit",
        "transfers_table": "transfers",
        "schools_table": "schools",
        "documents_table": "documents",
        "notifications_table": "notifications",
        "audit_table": "audit",
        "locks_table": "locks",
        "letters_table": "letters",
        "idempotency_table": "idempotency",
        "admissions_table": "admissions",
        "privacy_requests_table": "privacy-requests",
        "documents_bucket": "documents",
        "snapshots_bucket": "snapshots",
        "uploads_queue_name": "uploads",
        "allocations_queue_name": "allocations",
        "jwt_issuer": "https://issuer.fake.test",
        "jwt_client_id": "fake-client",
        "signing_secret": "s" * 32,
        "nik_hmac_key": "h" * 32,
        "pii_key": "p" * 32,
        **overrides,
    }
    return Settings(**values)


def fake_deps(clock: Clock | None = None, **settings: Any) -> Deps:
    """A complete dependency set on fakes; the transfers fake shares seats, inbox and audit."""
    schools, inbox, audit = FakeSchools(), FakeInbox(), FakeAuditLog()
    return Deps(
        settings=fake_settings(**settings),
        clock=clock or FixedClock(datetime.fromisoformat("2026-11-02T01:00:00+00:00")),
        transfers=FakeTransfers(schools, inbox, audit),
        schools=schools,
        documents=FakeDocuments(),
        inbox=inbox,
        audit=audit,
        storage=FakeStorage(),
        sender=RecordingSender(),
        admissions=DynamoAdmissionRepository(),
        snapshots=FakeStorage(),
    )


def build_transfer(
    *,
    origin: str = "20601001",
    destination: str = "20601002",
    destination_kabkota: str = "3671",
    at: datetime | None = None,
    **changes: Any,
) -> Transfer:
    """A grade-8 draft inside Kota Tangerang; ``changes`` replace any Transfer field."""
    at = at or datetime.fromisoformat("2026-11-02T01:00:00+00:00")
    student = Student(
        "Andi Pratama", "a" * 64, "c2VhbGVk", "0001", "0012345678", date(2012, 5, 17), "L", 8
    )
    draft = Transfer(
        id=new_id(),
        parent_sub="parent-1",
        student=student,
        origin=SchoolRef(origin, "SMP Negeri 1 Tangerang", "3671"),
        destination=SchoolRef(destination, "SMP Negeri 5 Tangerang", destination_kabkota),
        reason="Orang tua pindah tugas ke Karawaci",
        wanted_start_date=date(2027, 1, 4),
        parent_name="Budi Santoso",
        parent_phone="+6281234567890",
        created_at=at,
        state_since=at,
        timeline=(Event(at, "create", None, "draft", "parent", "parent-1"),),
    )
    return replace(draft, **changes)
