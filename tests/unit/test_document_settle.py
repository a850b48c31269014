"""Settling an upload keeps exactly the bytes it checked: a re-upload with the same ticket while
(or after) the handler reads cannot put unchecked bytes into clean/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.core.storage import ObjectInfo
from chalicelib.documents.domain import DocStatus, Document, clean_key, quarantine_key
from chalicelib.documents.service import settle_upload
from tests.support import documents, factories
from tests.support.fakes import FakeDocuments, FakeStorage, fake_settings

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
REF, DOC_ID = "transfer#01JTRANSFER0000000000000000", "01JDOC0000000000000000000000"


class RaceStorage(FakeStorage):
    """A re-upload of ``swap`` lands at the key right after the handler has read its bytes."""

    swap: bytes = b""

    def _overwrite(self, key: str) -> None:
        if self.swap and key in self.objects:
            self.objects[key] = (self.swap, "application/pdf")
            self.swap = b""

    def fetch(self, key: str, max_bytes: int) -> ObjectInfo | None:
        info = super().fetch(key, max_bytes)
        self._overwrite(key)
        return info

    def read(self, key: str) -> bytes:
        data = super().read(key)
        self._overwrite(key)
        return data


def pending() -> tuple[FakeDocuments, Document]:
    docs = FakeDocuments()
    doc = Document(REF, DOC_ID, "kartu_keluarga", "application/pdf", DocStatus.PENDING_UPLOAD,
                   "parent-1", "parent", T0, T0 + timedelta(minutes=10),
                   quarantine_key(REF, DOC_ID))  # fmt: skip
    docs.create(doc)
    return docs, doc


def test_the_clean_object_is_the_checked_one_even_if_the_key_is_overwritten_meanwhile() -> None:
    docs, doc = pending()
    storage = RaceStorage()
    storage.put(doc.quarantine_key, factories.PDF, "application/pdf")
    storage.swap = documents.JAVASCRIPT_OPEN_ACTION

    outcome, _ = settle_upload(doc.quarantine_key, T0, docs=docs, storage=storage,
                               settings=fake_settings())  # fmt: skip

    assert outcome == "clean"
    assert storage.read(clean_key(REF, DOC_ID)) == factories.PDF
    assert storage.objects[clean_key(REF, DOC_ID)][1] == "application/pdf"


def test_an_upload_after_the_document_was_settled_is_dropped() -> None:
    docs, doc = pending()
    storage = FakeStorage()
    storage.put(doc.quarantine_key, factories.PDF, "application/pdf")
    settings = fake_settings()
    assert settle_upload(doc.quarantine_key, T0, docs=docs, storage=storage,
                         settings=settings)[0] == "clean"  # fmt: skip
    storage.put(doc.quarantine_key, documents.POLYGLOT, "application/pdf")  # same ticket again

    outcome, _ = settle_upload(doc.quarantine_key, T0, docs=docs, storage=storage,
                               settings=settings)  # fmt: skip

    assert outcome == "already_settled"
    assert not storage.exists(doc.quarantine_key)
    assert storage.read(clean_key(REF, DOC_ID)) == factories.PDF
