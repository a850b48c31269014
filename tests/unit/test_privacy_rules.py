"""Data-subject rights rules (chalicelib.privacy.domain): what may be deleted, what is kept and
why, the 3 x 24 h deadline, and what a data subject sees of the people who processed the data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.core.errors import InvalidTransition
from chalicelib.privacy.domain import (
    Disposition,
    Kind,
    PrivacyRequest,
    RefusalGround,
    Status,
    SubjectType,
    actor_view,
    application_disposition,
    check_received,
    due_at,
    ensure_open,
    is_overdue,
    transfer_disposition,
)
from chalicelib.transfers.domain import State

T = datetime(2027, 6, 1, 3, 0, tzinfo=UTC)


def _kind(state: str, submitted: bool) -> tuple[Disposition, str]:
    disposition, why = transfer_disposition(state, submitted)
    return disposition, why.code


def test_transfers_that_never_reached_a_school_are_deleted() -> None:
    assert _kind("draft", False) == (Disposition.DELETE, "never_submitted")
    assert _kind("cancelled", False) == (Disposition.DELETE, "never_submitted")


def test_a_transfer_in_process_is_kept_until_it_is_closed() -> None:
    for state in ("submitted", "accepted_by_destination", "released_by_origin", "under_review",
                  "needs_revision"):  # fmt: skip
        assert _kind(state, True) == (Disposition.KEEP, "in_process")


def test_an_issued_letter_is_an_archive_record_and_a_closed_case_a_decision_record() -> None:
    assert _kind("approved", True) == (Disposition.KEEP, "archive_transfer_decision")
    assert _kind("completed", True) == (Disposition.KEEP, "archive_transfer_decision")
    assert _kind("rejected", True) == (Disposition.KEEP, "administrative_decision")
    assert _kind("cancelled", True) == (Disposition.KEEP, "administrative_decision")


def test_every_transfer_state_has_a_disposition_with_a_reason_and_a_period() -> None:
    for state in State:
        for submitted in (False, True):
            _, why = transfer_disposition(state.value, submitted)
            assert why.reason and why.period


def test_a_preregistration_is_deleted_and_a_selection_record_kept() -> None:
    for status in ("draft", "submitted", "needs_fix", "verified"):
        assert application_disposition(status, False)[0] is Disposition.DELETE
        assert application_disposition(status, True)[1].code == "selection_record"
    for status in ("registered", "admitted", "not_admitted", "confirmed", "released"):
        disposition, why = application_disposition(status, True)
        assert (disposition, why.code) == (Disposition.KEEP, "selection_record")


def test_the_answer_is_due_72_hours_after_receipt_and_overdue_only_after_that() -> None:
    assert due_at(T) == T + timedelta(hours=72)
    assert not is_overdue(Status.OPEN, T, None, T + timedelta(hours=72))
    assert is_overdue(Status.OPEN, T, None, T + timedelta(hours=72, seconds=1))
    # an answer given in time stays in time, one given late stays late
    assert not is_overdue(Status.COMPLETED, T, T + timedelta(hours=70), T + timedelta(days=30))
    assert is_overdue(Status.REFUSED, T, T + timedelta(hours=73), T + timedelta(hours=73))


def test_a_request_cannot_be_received_in_the_future_or_long_before_it_is_recorded() -> None:
    assert check_received(T - timedelta(hours=5), T) is None
    assert check_received(T + timedelta(minutes=4), T) is None  # clock skew
    assert check_received(T + timedelta(hours=1), T) == "received_in_future"
    assert check_received(T - timedelta(days=31), T) == "received_too_long_ago"


def test_an_answered_request_cannot_be_answered_again() -> None:
    req = PrivacyRequest("r", Kind.DELETION, SubjectType.PARENT, "p", "p", "d", T, T)
    ensure_open(req)
    refused = req.closed(Status.REFUSED, T, "alasan", ground=RefusalGround.NOT_HELD)
    with pytest.raises(InvalidTransition):
        ensure_open(refused)
    assert refused.overdue(T + timedelta(days=9)) is False


def test_staff_are_shown_by_role_and_unit_never_by_account() -> None:
    operator = actor_view("op-sub", "school_operator", "school#20606901", "parent-sub")
    assert (operator.unit_type, operator.unit_id, operator.by_you) == ("school", "20606901", False)
    staff = actor_view("staff-sub", "education_staff", "office#disdik", "parent-sub")
    assert (staff.unit_type, staff.unit_id) == ("office", None)
    old_entry = actor_view("staff-sub", "education_staff", "", "parent-sub")  # before units
    assert old_entry.unit_type == "office"
    assert actor_view("parent-sub", "parent", "", "parent-sub").by_you
    assert not actor_view("other", "parent", "", "parent-sub").by_you
    assert actor_view("system", "system", "", "parent-sub").unit_type is None
    for view in (operator, staff):
        assert "sub" not in repr(view)
