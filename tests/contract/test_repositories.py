"""One suite, two implementations: every repository behaves the same in memory (tests/support/
fakes.py) and on DynamoDB (moto). Tables are shared within a worker, so every test uses its own
ids, NPSNs, parents and regions, and shared partitions (by_state) are filtered to this test's items.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.audit.repository import DynamoAuditLog
from chalicelib.core.audit import AuditEntry
from chalicelib.core.errors import Conflict
from chalicelib.core.ids import new_id
from chalicelib.core.notify import Notification
from chalicelib.documents.domain import DocStatus, Document, quarantine_key
from chalicelib.documents.repository import DynamoDocumentRepository
from chalicelib.notifications.domain import InboxItem
from chalicelib.notifications.repository import DynamoInboxRepository
from chalicelib.schools.domain import Level, School, Seats
from chalicelib.schools.repository import DynamoSchoolRepository
from chalicelib.transfers.domain import Event, State, Transfer
from chalicelib.transfers.letters import Letter
from chalicelib.transfers.repository import Change, DynamoTransferRepository
from tests.support.fakes import build_transfer, fake_deps

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
GRADE = 8


@dataclass
class Stores:
    transfers: Any
    schools: Any
    documents: Any
    inbox: Any
    audit: Any


def _fake() -> Stores:
    d = fake_deps()
    return Stores(d.transfers, d.schools, d.documents, d.inbox, d.audit)


def _dynamo() -> Stores:
    return Stores(
        DynamoTransferRepository(),
        DynamoSchoolRepository(),
        DynamoDocumentRepository(),
        DynamoInboxRepository(),
        DynamoAuditLog(),
    )


@pytest.fixture(params=["fake", "dynamo"])
def stores(request: pytest.FixtureRequest) -> Stores:
    return {"fake": _fake, "dynamo": _dynamo}[request.param]()


def on_both_but_dynamo_mislabels(test: Callable[..., None]) -> Callable[..., None]:
    return pytest.mark.parametrize(
        "stores",
        ["fake", "dynamo"],
        indirect=True,
    )(test)


def uid() -> str:
    return uuid.uuid4().hex[:12]


def npsn() -> str:
    return f"{uuid.uuid4().int % 10**8:08d}"


def school(stores: Stores, free: int | None = None, *, region: str = "3671", name: str = "") -> str:
    code = npsn()
    stores.schools.put(
        School(code, name or f"SMP Uji {code}", Level.SMP, region, "Kota", "Karawaci", "Jl. 1")
    )
    if free is not None:
        stores.schools.set_seats(code, GRADE, free, "test", T0)
    return code


def free_seats(stores: Stores, code: str) -> int:
    return next(s.free for s in stores.schools.seats(code) if s.grade == GRADE)


def audit_of(t: Transfer, action: str, at: datetime = T0) -> AuditEntry:
    return AuditEntry(f"transfer#{t.id}", action, "actor-1", "school_operator", at)


def note_for(t: Transfer, version: int, at: datetime = T0) -> Notification:
    key = f"transfer#{t.id}#v{version}#user#{t.parent_sub}"
    return Notification(f"user#{t.parent_sub}", key, "transfer.x", "Judul", "Isi", t.id, at)


def create(stores: Stores, lock: str | None = None, **fields: Any) -> Transfer:
    t = build_transfer(**{"parent_sub": f"parent-{uid()}", "state": State.SUBMITTED, **fields})
    change = Change(
        after=t,
        expected_version=None,
        lock_key=lock or f"transfer-open#{uid()}",
        create_lock=True,
        audit=[audit_of(t, "create")],
    )
    return stores.transfers.commit(change)


def accept(t: Transfer, **side: Any) -> Change:
    after = replace(t, state=State.ACCEPTED_BY_DESTINATION, seat_held=True)
    return Change(after=after, expected_version=t.version, take_seat=True, **side)


def all_pages(fetch: Callable[[int, Any], tuple[list[Any], Any]], limit: int) -> list[list[Any]]:
    pages, after = [], None
    while True:
        items, after = fetch(limit, after)
        pages.append(items)
        if not after:
            return pages


def ids(items: list[Any]) -> list[str]:
    return [i.id for i in items]


# Transfers: storage of the request


def test_a_created_transfer_reads_back_with_every_field(stores: Stores) -> None:
    later = T0 + timedelta(hours=2)
    events = (
        Event(T0, "create", None, "draft", "parent", "p-1"),
        Event(later, "accept", "submitted", "accepted_by_destination", "school_operator", "op-2"),
        Event(
            later,
            "request_revision",
            "accepted_by_destination",
            "needs_revision",
            "school_operator",
            "op-1",
            "Rapor buram",
        ),
    )
    t = build_transfer(
        parent_sub=f"parent-{uid()}",
        destination_kabkota="3603",
        state=State.NEEDS_REVISION,
        state_since=later,
        seat_held=True,
        review_requested=True,
        revision_from=State.ACCEPTED_BY_DESTINATION,
        origin_confirmed=True,
        letter_code="7QK3-9ZP2-M4XT-HB8C-2RWN-F6JD",
        timeline=events,
    )

    saved = stores.transfers.commit(Change(after=t, expected_version=None))

    assert saved == replace(t, version=1)
    assert stores.transfers.get(t.id) == replace(t, version=1)
    assert stores.transfers.get(new_id()) is None


def test_each_commit_moves_the_version_on_by_one(stores: Stores) -> None:
    t = create(stores)
    moved = replace(t, state=State.CANCELLED)

    saved = stores.transfers.commit(Change(after=moved, expected_version=1))

    assert saved.version == 2
    assert stores.transfers.get(t.id) == replace(moved, version=2)


def test_a_commit_on_a_stale_version_is_refused_and_writes_nothing(stores: Stores) -> None:
    destination = school(stores, free=3)
    t = create(stores, destination=destination)
    edited = replace(t, reason="Alasan yang diperbarui oleh orang tua")
    stores.transfers.commit(Change(after=edited, expected_version=1))

    stale = accept(t, audit=[audit_of(t, "accept")], notifications=[note_for(t, 2)])
    with pytest.raises(Conflict) as refused:
        stores.transfers.commit(stale)

    assert refused.value.code == "concurrent_update"
    assert stores.transfers.get(t.id) == replace(edited, version=2)
    assert free_seats(stores, destination) == 3
    assert stores.inbox.list(f"user#{t.parent_sub}", 10, None) == ([], None)
    assert [e.action for e in stores.audit.for_subject(f"transfer#{t.id}", 10, None)[0]] == [
        "create"
    ]


@on_both_but_dynamo_mislabels
@pytest.mark.parametrize("seat_held", [True, False], ids=["reject after accept", "cancel before"])
def test_a_stale_close_is_a_concurrent_update_that_keeps_the_seat_and_the_lock(
    stores: Stores, seat_held: bool
) -> None:
    destination, lock = school(stores, free=3), f"transfer-open#{uid()}"
    t = create(stores, lock, destination=destination)
    moved = accept(t) if seat_held else Change(replace(t, reason="Alasan yang diperbarui"), 1)
    current = stores.transfers.commit(moved)

    closed = replace(current, state=State.REJECTED, seat_held=False)
    stale = Change(closed, 1, free_seat=seat_held, lock_key=lock, release_lock=True)
    with pytest.raises(Conflict) as refused:
        stores.transfers.commit(stale)

    assert refused.value.code == "concurrent_update"
    assert stores.transfers.get(t.id) == current
    assert free_seats(stores, destination) == (2 if seat_held else 3)
    with pytest.raises(Conflict) as still_locked:
        create(stores, lock)
    assert still_locked.value.code == "open_request_exists"


# Transfers: seats and the open-request lock


def test_the_last_seat_is_taken_once_and_then_no_seat_writes_nothing(stores: Stores) -> None:
    destination = school(stores, free=1)
    first, second = create(stores, destination=destination), create(stores, destination=destination)

    taken = stores.transfers.commit(accept(first))
    with pytest.raises(Conflict) as refused:
        stores.transfers.commit(accept(second))

    assert refused.value.code == "no_seat"
    assert taken.version == 2 and free_seats(stores, destination) == 0
    assert stores.transfers.get(second.id) == second


@on_both_but_dynamo_mislabels
def test_no_seat_is_reported_when_the_acceptance_also_writes_audit_and_inbox(
    stores: Stores,
) -> None:
    destination = school(stores, free=0)
    t = create(stores, destination=destination)
    change = accept(t, audit=[audit_of(t, "accept")], notifications=[note_for(t, 2)])

    with pytest.raises(Conflict) as refused:
        stores.transfers.commit(change)

    assert refused.value.code == "no_seat"
    assert stores.transfers.get(t.id) == t
    assert stores.inbox.unread_count(f"user#{t.parent_sub}") == 0


def test_a_freed_seat_goes_back_to_the_destination(stores: Stores) -> None:
    destination = school(stores, free=1)
    accepted = stores.transfers.commit(accept(create(stores, destination=destination)))

    cancelled = replace(accepted, state=State.CANCELLED, seat_held=False)
    stores.transfers.commit(Change(cancelled, expected_version=2, free_seat=True))

    assert free_seats(stores, destination) == 1


def test_one_open_request_per_child_until_the_first_is_closed(stores: Stores) -> None:
    lock = f"transfer-open#{uid()}"
    first = create(stores, lock)
    second = build_transfer(parent_sub=first.parent_sub, state=State.DRAFT)

    with pytest.raises(Conflict) as refused:
        stores.transfers.commit(Change(second, None, lock_key=lock, create_lock=True))
    assert refused.value.code == "open_request_exists"
    assert stores.transfers.get(second.id) is None

    closed = replace(first, state=State.CANCELLED)
    stores.transfers.commit(Change(closed, expected_version=1, lock_key=lock, release_lock=True))
    stores.transfers.commit(Change(second, None, lock_key=lock, create_lock=True))
    assert stores.transfers.get(second.id) == replace(second, version=1)


# Transfers: what a commit writes besides the request


def test_a_commit_writes_its_audit_inbox_item_and_letter_with_the_request(stores: Stores) -> None:
    t = create(stores)
    approved = replace(t, state=State.APPROVED, letter_code=f"CODE-{uid()}")
    letter = Letter(approved.letter_code, t.id, "valid", "A. P.", 8, "SMP 1", "SMP 5", T0)
    note, later = note_for(t, 2), T0 + timedelta(minutes=1)

    stores.transfers.commit(
        Change(
            approved, 1, audit=[audit_of(t, "approve", later)], notifications=[note], letter=letter
        )
    )

    audit = stores.audit.for_subject(f"transfer#{t.id}", 10, None)[0]
    assert [e.action for e in audit] == ["approve", "create"]
    expected = InboxItem(note.nid, "transfer.x", "Judul", "Isi", t.id, T0, None)
    assert stores.inbox.list(note.recipient, 10, None) == ([expected], None)
    assert stores.transfers.letter(letter.code) == letter
    stores.transfers.set_letter_status(letter.code, "revoked")
    assert stores.transfers.letter(letter.code) == replace(letter, status="revoked")
    assert stores.transfers.letter(f"CODE-{uid()}") is None


def test_a_letter_code_is_issued_only_once(stores: Stores) -> None:
    first, second = create(stores), create(stores)
    letter = Letter(f"CODE-{uid()}", first.id, "valid", "A. P.", 8, "SMP 1", "SMP 5", T0)
    stores.transfers.commit(Change(replace(first, state=State.APPROVED), 1, letter=letter))

    reused = replace(letter, transfer_id=second.id)
    with pytest.raises(Conflict):
        stores.transfers.commit(Change(replace(second, state=State.APPROVED), 1, letter=reused))

    assert stores.transfers.get(second.id) == second
    assert stores.transfers.letter(letter.code) == letter


# Transfers: indexes


def test_a_parents_requests_are_listed_newest_first_in_pages(stores: Stores) -> None:
    parent = f"parent-{uid()}"
    made = [
        create(stores, parent_sub=parent, created_at=T0 + timedelta(minutes=m)) for m in (0, 2, 1)
    ]
    create(stores)  # another family's

    pages = all_pages(lambda n, after: stores.transfers.query("by_parent", parent, n, after), 2)

    assert [ids(p) for p in pages] == [[made[1].id, made[2].id], [made[0].id]]


def test_a_schools_requests_are_listed_by_side_newest_first(stores: Stores) -> None:
    origin, near, far = npsn(), npsn(), npsn()
    a = create(stores, origin=origin, destination=near, created_at=T0)
    b = create(stores, origin=origin, destination=far, created_at=T0 + timedelta(minutes=1))
    c = create(stores, origin=origin, destination=near, created_at=T0 + timedelta(minutes=2))

    def listed(index: str, key: str) -> list[str]:
        pages = all_pages(lambda n, after: stores.transfers.query(index, key, n, after), 2)
        return [i for p in pages for i in ids(p)]

    assert listed("by_origin", origin) == [c.id, b.id, a.id]
    assert listed("by_destination", near) == [c.id, a.id]
    assert listed("by_destination", far) == [b.id]
    assert listed("by_origin", near) == []


def test_worklists_hold_only_requests_waiting_on_that_school(stores: Stores) -> None:
    origin, destination = npsn(), npsn()

    def made(state: State, minutes: int) -> Transfer:
        since = T0 + timedelta(minutes=minutes)
        return create(
            stores, origin=origin, destination=destination, state=state, state_since=since
        )

    submitted_early, submitted_late = made(State.SUBMITTED, 1), made(State.SUBMITTED, 3)
    accepted = made(State.ACCEPTED_BY_DESTINATION, 2)
    made(State.DRAFT, 4)
    half_confirmed = replace(made(State.APPROVED, 5), origin_confirmed=True)
    stores.transfers.commit(Change(half_confirmed, 1))

    def worklist(index: str, key: str) -> list[str]:
        return ids(stores.transfers.query(index, key, 10, None)[0])

    assert worklist("destination_queue", destination) == [
        half_confirmed.id,
        submitted_late.id,
        submitted_early.id,
    ]
    assert worklist("origin_queue", origin) == [accepted.id]


def test_requests_in_a_state_since_before_a_time_are_listed_newest_first(stores: Stores) -> None:
    base = datetime(2001, 1, 1, tzinfo=UTC) + timedelta(minutes=uuid.uuid4().int % 10**6)
    mine = [
        create(stores, state=State.UNDER_REVIEW, state_since=base + timedelta(hours=h))
        for h in (0, 1, 2, 3)
    ]

    def fetch(n: int, after: Any) -> Any:
        return stores.transfers.query(
            "by_state", "under_review", n, after, since_before=base + timedelta(hours=3)
        )

    listed = [i for p in all_pages(fetch, 2) for i in ids(p) if i in set(ids(mine))]
    assert listed == [mine[2].id, mine[1].id, mine[0].id]


# Schools


def test_a_school_profile_round_trips_and_an_unknown_npsn_is_none(stores: Stores) -> None:
    code = npsn()
    profile = School(code, "SMP Negeri 5", Level.SMP, "3671", "Kota Tangerang", "Cibodas", "Jl. 5")

    stores.schools.put(profile)

    assert stores.schools.get(code) == profile
    assert stores.schools.get(npsn()) is None


def test_putting_a_profile_again_replaces_it_and_keeps_the_seats(stores: Stores) -> None:
    code = school(stores, free=4)
    renamed = School(code, "SMP Negeri 7", Level.SMP, "3671", "Kota Tangerang", "Ciledug", "Jl. 7")

    stores.schools.put(renamed)

    assert stores.schools.get(code) == renamed
    assert stores.schools.seats(code) == [Seats(code, GRADE, 4, T0)]


def test_a_regions_schools_are_listed_by_name_in_pages(stores: Stores) -> None:
    region = f"T{uid()}"
    for name in ("SMP Beta", "SMP Alfa", "SMP Gama"):
        school(stores, free=3, region=region, name=name)
    school(stores, region=f"T{uid()}", name="SMP Aaa")

    fetch = lambda n, after: stores.schools.in_region(region, n, after)  # noqa: E731
    pages = all_pages(fetch, 2)

    assert [[s.name for s in p] for p in pages] == [["SMP Alfa", "SMP Beta"], ["SMP Gama"]]


def test_seats_are_listed_by_grade_and_setting_them_again_overwrites(stores: Stores) -> None:
    code, later = npsn(), T0 + timedelta(days=1)
    for grade in (9, 7, 8):
        stores.schools.set_seats(code, grade, grade * 2, "op-1", T0)

    returned = stores.schools.set_seats(code, 8, 0, "op-2", later)

    assert returned == Seats(code, 8, 0, later)
    assert stores.schools.seats(code) == [
        Seats(code, 7, 14, T0),
        Seats(code, 8, 0, later),
        Seats(code, 9, 18, T0),
    ]
    assert stores.schools.seats(npsn()) == []
    assert stores.schools.get(code) is None


# Documents


def document(ref: str, slot: str = "rapor_terakhir") -> Document:
    doc_id = new_id()
    return Document(
        ref,
        doc_id,
        slot,
        "application/pdf",
        DocStatus.PENDING_UPLOAD,
        "parent-1",
        "parent",
        T0,
        T0 + timedelta(minutes=10),
        quarantine_key(ref, doc_id),
    )


def test_a_document_round_trips_and_is_listed_with_its_request(stores: Stores) -> None:
    ref, other = f"transfer#{uid()}", f"transfer#{uid()}"
    docs = [document(ref, slot) for slot in ("rapor_terakhir", "kartu_keluarga", "akta_kelahiran")]
    for doc in [*docs, document(other)]:
        stores.documents.create(doc)

    assert stores.documents.get(ref, docs[0].id) == docs[0]
    assert stores.documents.get(ref, new_id()) is None
    assert stores.documents.for_ref(ref) == sorted(docs, key=lambda d: d.id)


def test_a_document_is_settled_once(stores: Stores) -> None:
    ref = f"transfer#{uid()}"
    doc = document(ref)
    stores.documents.create(doc)
    clean = f"clean/transfer/{ref}/{doc.id}"

    first = stores.documents.settle(doc, DocStatus.CLEAN, size=1234, clean_key=clean, reason=None)
    again = stores.documents.settle(
        doc, DocStatus.REJECTED, size=None, clean_key=None, reason="empty_file"
    )

    assert (first, again) == (True, False)
    assert stores.documents.get(ref, doc.id) == replace(
        doc, status=DocStatus.CLEAN, size=1234, clean_key=clean
    )


def test_a_rejected_document_keeps_its_reason_and_an_unknown_one_never_settles(
    stores: Stores,
) -> None:
    ref = f"transfer#{uid()}"
    doc = document(ref)
    stores.documents.create(doc)

    settled = stores.documents.settle(
        doc, DocStatus.REJECTED, size=0, clean_key=None, reason="empty_file"
    )
    ghost = stores.documents.settle(
        document(ref), DocStatus.CLEAN, size=1, clean_key="clean/x", reason=None
    )

    assert (settled, ghost) == (True, False)
    assert stores.documents.get(ref, doc.id) == replace(
        doc, status=DocStatus.REJECTED, size=0, reject_reason="empty_file"
    )
    assert stores.documents.for_ref(ref) == [stores.documents.get(ref, doc.id)]


# Inbox


def notice(recipient: str, key: str, at: datetime = T0, title: str = "Judul") -> Notification:
    return Notification(recipient, key, "transfer.reminder", title, "Isi", "ref-1", at)


def item(n: Notification, read_at: datetime | None = None) -> InboxItem:
    return InboxItem(n.nid, n.kind, n.title, n.body, n.ref, n.created_at, read_at)


def test_a_notification_is_put_once_per_dedupe_key(stores: Stores) -> None:
    inbox = f"user#{uid()}"
    first = notice(inbox, f"reminder#{uid()}")

    assert stores.inbox.put_once(first) is True
    assert stores.inbox.put_once(replace(first, title="Judul lain")) is False
    assert stores.inbox.list(inbox, 10, None) == ([item(first)], None)


def test_an_inbox_is_listed_newest_first_in_pages(stores: Stores) -> None:
    inbox = f"user#{uid()}"
    notes = [notice(inbox, uid(), T0 + timedelta(minutes=m)) for m in (1, 0, 2)]
    for n in notes:
        stores.inbox.put_once(n)
    stores.inbox.put_once(notice(f"user#{uid()}", uid()))

    pages = all_pages(lambda n, after: stores.inbox.list(inbox, n, after), 2)

    assert pages == [[item(notes[2]), item(notes[0])], [item(notes[1])]]


def test_marking_read_lowers_the_unread_count_only_in_its_own_inbox(stores: Stores) -> None:
    inbox, other = f"user#{uid()}", f"user#{uid()}"
    notes = [notice(inbox, uid(), T0 + timedelta(minutes=m)) for m in range(3)]
    for n in notes:
        stores.inbox.put_once(n)
    read_at = T0 + timedelta(hours=1)

    assert stores.inbox.unread_count(inbox) == 3
    assert stores.inbox.mark_read(inbox, notes[1].nid, read_at) is True
    assert stores.inbox.mark_read(other, notes[0].nid, read_at) is False
    assert stores.inbox.mark_read(inbox, "0" * 32, read_at) is False

    assert stores.inbox.unread_count(inbox) == 2
    assert stores.inbox.unread_count(other) == 0
    listed = stores.inbox.list(inbox, 10, None)[0]
    assert listed == [item(notes[2]), item(notes[1], read_at), item(notes[0])]


# Audit


def test_audit_entries_of_a_subject_are_listed_newest_first_in_pages(stores: Stores) -> None:
    subject = f"transfer#{uid()}"
    entries = [
        AuditEntry(subject, action, "op-1", "school_operator", T0 + timedelta(minutes=m))
        for action, m in (("read", 0), ("accept", 2), ("read", 1))
    ]
    for e in entries:
        stores.audit.append(e)
    stores.audit.append(AuditEntry(f"transfer#{uid()}", "read", "op-1", "school_operator", T0))

    pages = all_pages(lambda n, after: stores.audit.for_subject(subject, n, after), 2)

    assert pages == [[entries[1], entries[2]], [entries[0]]]


def test_an_expired_notification_is_neither_listed_nor_counted() -> None:
    from datetime import UTC, datetime, timedelta

    from chalicelib.core.notify import Notification
    from chalicelib.notifications.repository import DynamoInboxRepository

    repo = DynamoInboxRepository(ttl_days=1)
    recipient = f"user#ttl-{datetime.now(UTC).timestamp()}"
    old = Notification(recipient, "old", "k", "t", "b", "r", datetime.now(UTC) - timedelta(days=2))
    fresh = Notification(recipient, "fresh", "k", "t", "b", "r", datetime.now(UTC))
    assert repo.put_once(old) and repo.put_once(fresh)

    items, _ = repo.list(recipient, 10, None)

    assert [i.id for i in items] == [fresh.nid]
    assert repo.unread_count(recipient) == 1
