"""Uploaded documents: judged by their real bytes, found from server-chosen keys only."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.documents.domain import (
    DocStatus,
    Document,
    clean_key,
    inspect,
    latest_clean,
    parse_quarantine_key,
    quarantine_key,
)
from tests.support.factories import JPEG, PDF, PNG

MAX = 5 * 1024 * 1024
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("declared", "head"),
    [("application/pdf", PDF), ("image/png", PNG), ("image/jpeg", JPEG)],
)
def test_a_file_whose_bytes_match_its_declared_type_is_clean(declared: str, head: bytes) -> None:
    assert inspect(declared, len(head), head[:16], MAX) is None


def test_a_file_of_exactly_the_maximum_size_is_clean() -> None:
    assert inspect("application/pdf", MAX, PDF[:16], MAX) is None


@pytest.mark.parametrize(
    ("declared", "size", "head", "why"),
    [
        ("application/pdf", 0, b"", "empty_file"),
        ("application/pdf", MAX + 1, PDF, "file_too_large"),
        ("image/gif", 100, b"GIF89a", "type_not_allowed"),
        ("text/html", 100, b"<html>", "type_not_allowed"),
        ("application/pdf", len(PNG), PNG, "content_does_not_match_type"),
        ("image/png", len(JPEG), JPEG, "content_does_not_match_type"),
        ("image/jpeg", 100, b"MZ\x90\x00", "content_does_not_match_type"),
        ("application/pdf", 100, b" %PDF-1.4", "content_does_not_match_type"),
    ],
    ids=["empty", "too large", "gif", "html", "png as pdf", "jpeg as png", "exe", "offset pdf"],
)
def test_a_file_that_is_not_what_it_claims_is_rejected_with_the_reason(
    declared: str, size: int, head: bytes, why: str
) -> None:
    assert inspect(declared, size, head[:16], MAX) == why


def test_a_quarantine_key_leads_back_to_its_request_and_document() -> None:
    key = quarantine_key("transfer#01JTRANSFER", "01JDOC")

    assert key == "quarantine/transfer/01JTRANSFER/01JDOC"
    assert parse_quarantine_key(key) == ("transfer#01JTRANSFER", "01JDOC")
    assert clean_key("transfer#01JTRANSFER", "01JDOC") == "clean/transfer/01JTRANSFER/01JDOC"


@pytest.mark.parametrize(
    "key",
    [
        "clean/transfer/01J/02J",
        "letters/transfer/01J/code.pdf",
        "quarantine/transfer/01J",
        "quarantine/transfer/01J/02J/extra",
        "quarantine/transfer//02J",
        "quarantine//01J/02J",
        "quarantine/transfer/01J/",
        "",
    ],
)
def test_a_key_the_server_never_issued_is_ignored(key: str) -> None:
    assert parse_quarantine_key(key) is None


def doc(slot: str, status: DocStatus, minutes: int, doc_id: str) -> Document:
    at = T0 + timedelta(minutes=minutes)
    return Document(
        "transfer#01J",
        doc_id,
        slot,
        "application/pdf",
        status,
        "parent-1",
        "parent",
        at,
        at + timedelta(minutes=10),
        quarantine_key("transfer#01J", doc_id),
    )


def test_a_slot_is_filled_by_its_newest_clean_upload() -> None:
    older = doc("rapor_terakhir", DocStatus.CLEAN, 0, "A")
    newer = doc("rapor_terakhir", DocStatus.CLEAN, 5, "B")
    docs = [
        newer,
        older,
        doc("rapor_terakhir", DocStatus.REJECTED, 9, "C"),
        doc("rapor_terakhir", DocStatus.PENDING_UPLOAD, 10, "D"),
        doc("kartu_keluarga", DocStatus.CLEAN, 20, "E"),
    ]

    assert latest_clean(docs, "rapor_terakhir") == newer


def test_uploads_in_the_same_instant_are_ordered_by_id() -> None:
    first = doc("rapor_terakhir", DocStatus.CLEAN, 0, "01A")
    second = replace(first, id="01B")
    assert latest_clean([second, first], "rapor_terakhir") == second


def test_a_slot_with_no_clean_upload_is_empty() -> None:
    docs = [
        doc("akta_kelahiran", DocStatus.REJECTED, 0, "A"),
        doc("akta_kelahiran", DocStatus.PENDING_UPLOAD, 1, "B"),
    ]
    assert latest_clean(docs, "akta_kelahiran") is None
    assert latest_clean([], "akta_kelahiran") is None
