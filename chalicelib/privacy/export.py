"""The data export of Pasal 32 UU PDP: everything the system holds about a parent and their
children, and the processing trail, in one JSON response (answered at once, not in 3 x 24 h).

Only GetItem and Query: the parent's transfers (GSI by_parent), applications (GSI by_owner),
the documents of each (one Query per record), the inbox (one Query), privacy requests (GSI
by_parent) and the audit trail of each record and of the person (one Query each). Bounded:
the constants below cap every list, and a list that reached its cap is named in ``truncated``.
Measured: a transfer with 4 documents and 200 trail entries exports as about 50 KB, so at the
caps the response stays near 2.2 MB, under Lambda's 6 MB response limit (docs/retention.md).
"""

from __future__ import annotations

from chalicelib.admissions import service as admissions
from chalicelib.admissions.records import PeriodRecord
from chalicelib.core.audit import AuditEntry, entry
from chalicelib.core.principal import Principal
from chalicelib.core.schemas import wib_text
from chalicelib.documents.domain import DocStatus, Document
from chalicelib.documents.schemas import present as present_document
from chalicelib.documents.service import download_url
from chalicelib.notifications.service import inbox as read_inbox
from chalicelib.privacy import service
from chalicelib.privacy.domain import actor_view
from chalicelib.privacy.erasure import application_ref, transfer_ref
from chalicelib.privacy.repository import PrivacyRepository
from chalicelib.privacy.schemas import (
    ApplicationExport,
    DataExport,
    DocumentExport,
    ExportLimits,
    SchoolUnit,
    TrailEntry,
    TransferExport,
)
from chalicelib.transfers import presenters as transfer_presenters
from chalicelib.wiring import Deps

RECORDS, NOTIFICATIONS, TRAIL, REQUESTS = 20, 100, 200, 50
OFFICE = "Dinas Pendidikan Kota Tangerang"
RETENTION = (
    "Masa simpan setiap jenis data dan alasannya: lihat tabel retensi (docs/retention.md). "
    "Permintaan perbaikan atau penghapusan data dapat diajukan ke Dinas Pendidikan dan dijawab "
    "paling lambat 3 x 24 jam."
)


class _Export:
    """One export: the caller, the dependencies, and the school names read so far."""

    def __init__(self, actor: Principal, deps: Deps) -> None:
        self.actor, self.deps = actor, deps
        self.schools: dict[str, str | None] = {}
        self.truncated: list[str] = []

    def school(self, npsn: str) -> SchoolUnit:
        if npsn not in self.schools:
            found = self.deps.schools.get(npsn)
            self.schools[npsn] = found.name if found else None
        return SchoolUnit(npsn=npsn, name=self.schools[npsn])

    def trail(self, subject: str, label: str) -> list[TrailEntry]:
        items, more = self.deps.audit.for_subject(subject, TRAIL, None)
        if more:
            self.truncated.append(label)
        return [self.trail_entry(e) for e in items]

    def trail_entry(self, e: AuditEntry) -> TrailEntry:
        who = actor_view(e.actor_sub, e.actor_role, e.actor_unit, self.actor.sub)
        return TrailEntry(
            at=e.at,
            at_wib=wib_text(e.at),
            action=e.action,
            outcome=e.outcome,
            actor_role=who.role,
            actor_school=self.school(who.unit_id) if who.unit_type == "school" and who.unit_id
            else None,
            actor_office=OFFICE if who.unit_type == "office" else None,
            by_you=who.by_you,
        )  # fmt: skip

    def documents(self, ref: str) -> list[DocumentExport]:
        s = self.deps.settings
        out = []
        for doc in sorted(self.deps.documents.for_ref(ref), key=lambda d: (d.created_at, d.id)):
            url = self.link(doc)
            out.append(
                DocumentExport(
                    **present_document(doc).model_dump(),
                    download_url=url,
                    download_expires_in=s.download_url_ttl_seconds if url else None,
                )
            )
        return out

    def link(self, doc: Document) -> str | None:
        if doc.status is not DocStatus.CLEAN or not doc.clean_key:
            return None
        return download_url(doc, storage=self.deps.storage, settings=self.deps.settings)


def _transfers(x: _Export) -> list[TransferExport]:
    items, more = x.deps.transfers.query("by_parent", x.actor.sub, RECORDS, None)
    if more:
        x.truncated.append("transfers")
    return [
        TransferExport(
            transfer=transfer_presenters.public(t, x.actor),
            timeline=transfer_presenters.timeline(t).entries,
            documents=x.documents(transfer_ref(t.id)),
            processing=x.trail(transfer_ref(t.id), f"processing:{t.id}"),
        )
        for t in items
        if t.parent_sub == x.actor.sub
    ]


def _applications(x: _Export) -> list[ApplicationExport]:
    items, more = x.deps.admissions.by_parent(x.actor.sub, RECORDS, None)
    if more:
        x.truncated.append("applications")
    periods: dict[str, PeriodRecord] = {}
    out = []
    for a in items:
        if a.parent_sub != x.actor.sub:
            continue
        if a.period_id not in periods:
            periods[a.period_id] = admissions.load_period(a.period_id, x.deps)
        ref = application_ref(a.id)
        docs = x.deps.documents.for_ref(ref)
        out.append(
            ApplicationExport(
                application=admissions.view(
                    a, periods[a.period_id], x.actor, x.deps, admissions.current_docs(docs)
                ),
                documents=x.documents(ref),
                processing=x.trail(ref, f"processing:{a.id}"),
            )
        )
    return out


def export(
    *, actor: Principal, deps: Deps, requests: PrivacyRepository, request_id: str = ""
) -> DataExport:
    """Everything held about the caller (a parent) and their children; audited."""
    x = _Export(actor, deps)
    now = deps.clock.now()
    transfers, applications = _transfers(x), _applications(x)
    inbox = read_inbox({"limit": str(NOTIFICATIONS)}, actor=actor, deps=deps)
    if inbox.next_cursor:
        x.truncated.append("notifications")
    own = requests.by_parent(actor.sub, REQUESTS + 1)
    if len(own) > REQUESTS:
        x.truncated.append("privacy_requests")
    person = service.person_subject(actor.sub)
    account_trail = x.trail(person, "account_trail")
    detail = f"transfers={len(transfers)} applications={len(applications)}"
    deps.audit.append(entry(person, "data_export", actor, now, detail=detail,
                            request_id=request_id))  # fmt: skip
    return DataExport(
        generated_at=now,
        generated_at_wib=wib_text(now),
        subject=actor.sub,
        transfers=transfers,
        applications=applications,
        notifications=inbox.items,
        privacy_requests=[service.present(r, deps) for r in own[:REQUESTS]],
        account_trail=account_trail,
        limits=ExportLimits(
            records_per_kind=RECORDS,
            notifications=NOTIFICATIONS,
            trail_entries_per_record=TRAIL,
            privacy_requests=REQUESTS,
            download_link_seconds=deps.settings.download_url_ttl_seconds,
        ),
        truncated=x.truncated,
        retention=RETENTION,
    )
