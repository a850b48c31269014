"""The Pindah Sekolah state machine: who may take which step, and what each step leads to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.core.errors import Invalid, InvalidTransition, NotFound
from chalicelib.core.principal import Principal, Role
from chalicelib.transfers.domain import (
    MAX_TIMELINE,
    PARENT_SLOTS,
    TERMINAL,
    Action,
    Context,
    Outcome,
    State,
    Transfer,
    allowed_actions,
    decide,
    ensure_visible,
    parties,
    revision_count,
    waiting_on,
)
from tests.support.fakes import build_transfer

ORIGIN, DESTINATION = "20601001", "20601002"
NOW = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
OWNER = Principal("parent-1", Role.PARENT)
OTHER_PARENT = Principal("parent-2", Role.PARENT)
ORIGIN_OP = Principal("op-origin", Role.SCHOOL_OPERATOR, npsn=ORIGIN)
DESTINATION_OP = Principal("op-destination", Role.SCHOOL_OPERATOR, npsn=DESTINATION)
STRANGER_OP = Principal("op-elsewhere", Role.SCHOOL_OPERATOR, npsn="20609999")
STAFF = Principal("staff-1", Role.EDUCATION_STAFF)
ADMIN = Principal("admin-1", Role.ADMIN)
EVERYONE = [OWNER, OTHER_PARENT, ORIGIN_OP, DESTINATION_OP, STRANGER_OP, STAFF, ADMIN]
OUTSIDERS = [OTHER_PARENT, STRANGER_OP, ADMIN]
DOCS = Context(parent_documents_complete=True)
RELEASE_LETTER = Context(release_letter_clean=True)


def at(state: State, **changes: object) -> Transfer:
    seat = state in (State.ACCEPTED_BY_DESTINATION, State.UNDER_REVIEW, State.APPROVED)
    fields: dict[str, object] = {"seat_held": seat, **changes}
    return build_transfer(origin=ORIGIN, destination=DESTINATION, state=state, **fields)


def step(
    t: Transfer, action: Action, actor: Principal, reason: str = "", context: Context | None = None
) -> Outcome:
    return decide(t, action, actor, now=NOW, reason=reason, context=context)


def names(actions: list[Action]) -> list[str]:
    return [a.value for a in actions]


# Who plays which part


def test_each_actor_plays_only_their_own_part() -> None:
    t = at(State.SUBMITTED)
    assert {p.sub: parties(t, p) for p in EVERYONE} == {
        "parent-1": {"owner"},
        "parent-2": set(),
        "op-origin": {"origin"},
        "op-destination": {"destination"},
        "op-elsewhere": set(),
        "staff-1": {"office"},
        "admin-1": set(),
    }


@pytest.mark.parametrize("outsider", OUTSIDERS, ids=lambda p: p.sub)
def test_an_outsider_sees_another_familys_request_as_missing(outsider: Principal) -> None:
    with pytest.raises(NotFound) as hidden:
        ensure_visible(at(State.SUBMITTED), outsider)
    assert hidden.value.code == "transfer_not_found"


def test_a_missing_request_is_not_found_for_everyone() -> None:
    with pytest.raises(NotFound):
        ensure_visible(None, STAFF)


@pytest.mark.parametrize("party", [OWNER, ORIGIN_OP, DESTINATION_OP, STAFF], ids=lambda p: p.sub)
def test_each_party_sees_the_request(party: Principal) -> None:
    t = at(State.SUBMITTED)
    assert ensure_visible(t, party) is t


# Invalid steps


def test_a_step_not_allowed_now_is_refused_with_the_steps_that_are() -> None:
    with pytest.raises(InvalidTransition) as refused:
        step(at(State.SUBMITTED), Action.APPROVE, DESTINATION_OP)
    assert refused.value.code == "invalid_transition"
    assert refused.value.extra == {
        "allowed": ["accept", "request_revision", "reject"],
        "state": "submitted",
    }


@pytest.mark.parametrize("state", list(State), ids=str)
@pytest.mark.parametrize("outsider", OUTSIDERS, ids=lambda p: p.sub)
def test_outsiders_may_take_no_step_in_any_state(state: State, outsider: Principal) -> None:
    t = at(state)
    assert allowed_actions(t, outsider) == []
    for action in Action:
        with pytest.raises(InvalidTransition) as refused:
            step(t, action, outsider, "alasan", DOCS)
        assert refused.value.extra["allowed"] == []


@pytest.mark.parametrize("state", sorted(TERMINAL), ids=str)
def test_a_finished_request_allows_no_step_to_anyone(state: State) -> None:
    t = at(state, origin_confirmed=True, destination_confirmed=True)
    assert {p.sub: allowed_actions(t, p) for p in EVERYONE} == {p.sub: [] for p in EVERYONE}


# Submitting


def test_the_owner_submits_a_draft_with_every_document_verified() -> None:
    outcome = step(at(State.DRAFT), Action.SUBMIT, OWNER, context=DOCS)

    t = outcome.transfer
    assert (t.state, t.state_since, t.seat_held) == (State.SUBMITTED, NOW, False)
    assert outcome == Outcome(t)
    last = t.timeline[-1]
    assert (last.action, last.from_state, last.to_state, last.actor_sub) == (
        "submit",
        "draft",
        "submitted",
        "parent-1",
    )


def test_submitting_without_the_documents_names_the_required_slots() -> None:
    with pytest.raises(Invalid) as refused:
        step(at(State.DRAFT), Action.SUBMIT, OWNER, context=Context())
    assert refused.value.code == "documents_incomplete"
    assert refused.value.extra["required"] == [s.value for s in PARENT_SLOTS]


@pytest.mark.parametrize("actor", [ORIGIN_OP, DESTINATION_OP, STAFF], ids=lambda p: p.sub)
def test_only_the_owner_submits(actor: Principal) -> None:
    with pytest.raises(InvalidTransition) as refused:
        step(at(State.DRAFT), Action.SUBMIT, actor, context=DOCS)
    assert "submit" not in refused.value.extra["allowed"]


# Accepting


def test_the_destination_accepts_and_takes_a_seat() -> None:
    outcome = step(at(State.SUBMITTED), Action.ACCEPT, DESTINATION_OP)

    assert outcome.take_seat and not outcome.free_seat and not outcome.close_request
    assert outcome.transfer.state is State.ACCEPTED_BY_DESTINATION
    assert outcome.transfer.seat_held


@pytest.mark.parametrize("actor", [OWNER, ORIGIN_OP, STAFF], ids=lambda p: p.sub)
def test_only_the_destination_accepts(actor: Principal) -> None:
    with pytest.raises(InvalidTransition):
        step(at(State.SUBMITTED), Action.ACCEPT, actor)


# Releasing


def test_release_needs_the_surat_keterangan_pindah() -> None:
    with pytest.raises(Invalid) as refused:
        step(at(State.ACCEPTED_BY_DESTINATION), Action.RELEASE, ORIGIN_OP, context=Context())
    assert refused.value.code == "release_letter_missing"


def test_a_release_inside_the_city_is_approved_automatically_with_a_letter() -> None:
    outcome = step(
        at(State.ACCEPTED_BY_DESTINATION), Action.RELEASE, ORIGIN_OP, context=RELEASE_LETTER
    )

    assert outcome.transfer.state is State.APPROVED and outcome.issue_letter
    assert not (outcome.take_seat or outcome.free_seat or outcome.close_request)
    assert [(e.action, e.to_state) for e in outcome.transfer.timeline[-2:]] == [
        ("release", "released_by_origin"),
        ("system", "approved"),
    ]


@pytest.mark.parametrize(
    "changes",
    [{"destination_kabkota": "3603"}, {"review_requested": True}],
    ids=["crosses the city boundary", "the office asked for a review"],
)
def test_a_release_goes_to_the_office_when(changes: dict[str, object]) -> None:
    outcome = step(
        at(State.ACCEPTED_BY_DESTINATION, **changes),
        Action.RELEASE,
        ORIGIN_OP,
        context=RELEASE_LETTER,
    )

    assert outcome.transfer.state is State.UNDER_REVIEW
    assert not outcome.issue_letter
    assert waiting_on(outcome.transfer) == ["office#disdik"]


@pytest.mark.parametrize("actor", [OWNER, DESTINATION_OP, STAFF], ids=lambda p: p.sub)
def test_only_the_origin_releases(actor: Principal) -> None:
    with pytest.raises(InvalidTransition):
        step(at(State.ACCEPTED_BY_DESTINATION), Action.RELEASE, actor, context=RELEASE_LETTER)


# The education office


@pytest.mark.parametrize("state", [State.SUBMITTED, State.ACCEPTED_BY_DESTINATION], ids=str)
def test_the_office_may_ask_for_a_review_once_with_a_reason(state: State) -> None:
    with pytest.raises(Invalid) as no_reason:
        step(at(state), Action.REQUEST_REVIEW, STAFF, "  ")
    assert no_reason.value.code == "reason_required"

    outcome = step(at(state), Action.REQUEST_REVIEW, STAFF, "Cek domisili")

    assert outcome.transfer.state is state and outcome.transfer.review_requested
    assert outcome.transfer.timeline[-1].reason == "Cek domisili"
    assert Action.REQUEST_REVIEW not in allowed_actions(outcome.transfer, STAFF)


def test_the_office_approves_a_reviewed_request_and_the_letter_is_issued() -> None:
    outcome = step(at(State.UNDER_REVIEW), Action.APPROVE, STAFF)

    assert outcome.transfer.state is State.APPROVED and outcome.issue_letter
    assert outcome.transfer.seat_held and not outcome.free_seat


@pytest.mark.parametrize("actor", [OWNER, ORIGIN_OP, DESTINATION_OP], ids=lambda p: p.sub)
def test_only_the_office_approves(actor: Principal) -> None:
    with pytest.raises(InvalidTransition):
        step(at(State.UNDER_REVIEW), Action.APPROVE, actor)


# Revision and rejection


@pytest.mark.parametrize("action", [Action.REQUEST_REVISION, Action.REJECT], ids=str)
def test_revision_and_rejection_need_a_reason(action: Action) -> None:
    t = at(State.SUBMITTED)
    with pytest.raises(Invalid) as refused:
        step(t, action, DESTINATION_OP, " \n ")
    assert refused.value.code == "reason_required"


REVIEWERS = [
    (State.SUBMITTED, DESTINATION_OP, [ORIGIN_OP]),
    (State.ACCEPTED_BY_DESTINATION, ORIGIN_OP, [DESTINATION_OP]),
    (State.UNDER_REVIEW, STAFF, [ORIGIN_OP, DESTINATION_OP]),
]
REVIEWED_STEPS = ["destination", "origin", "office"]


@pytest.mark.parametrize(("state", "reviewer", "others"), REVIEWERS, ids=REVIEWED_STEPS)
def test_only_the_step_reviewer_or_the_office_sends_back_or_rejects(
    state: State, reviewer: Principal, others: list[Principal]
) -> None:
    for actor in (reviewer, STAFF):
        assert {Action.REQUEST_REVISION, Action.REJECT} <= set(allowed_actions(at(state), actor))
    for actor in (*others, OWNER):
        assert {Action.REQUEST_REVISION, Action.REJECT}.isdisjoint(
            allowed_actions(at(state), actor)
        )


@pytest.mark.parametrize(("state", "reviewer", "others"), REVIEWERS, ids=REVIEWED_STEPS)
def test_a_resubmission_returns_to_the_step_that_asked(
    state: State, reviewer: Principal, others: list[Principal]
) -> None:
    before = at(state)
    sent_back = step(before, Action.REQUEST_REVISION, reviewer, "Rapor buram").transfer
    assert (sent_back.state, sent_back.revision_from) == (State.NEEDS_REVISION, state)
    assert waiting_on(sent_back) == ["user#parent-1"]
    assert revision_count(sent_back) == 1

    outcome = step(sent_back, Action.SUBMIT, OWNER, context=DOCS)

    back = outcome.transfer
    assert (back.state, back.revision_from, back.seat_held) == (state, None, before.seat_held)
    assert not (outcome.take_seat or outcome.free_seat)


@pytest.mark.parametrize(
    ("state", "actor", "action"),
    [
        (State.ACCEPTED_BY_DESTINATION, ORIGIN_OP, Action.REJECT),
        (State.UNDER_REVIEW, STAFF, Action.REJECT),
        (State.ACCEPTED_BY_DESTINATION, OWNER, Action.CANCEL),
        (State.UNDER_REVIEW, OWNER, Action.CANCEL),
        (State.NEEDS_REVISION, OWNER, Action.CANCEL),
    ],
    ids=lambda v: str(getattr(v, "sub", v)),
)
def test_ending_a_request_that_holds_a_seat_frees_it_and_closes_the_request(
    state: State, actor: Principal, action: Action
) -> None:
    t = at(state, seat_held=True)
    outcome = step(t, action, actor, "Alasan")

    assert outcome.free_seat and outcome.close_request and not outcome.take_seat
    assert outcome.transfer.state in TERMINAL and not outcome.transfer.seat_held


@pytest.mark.parametrize(
    ("state", "actor", "action"),
    [
        (State.DRAFT, OWNER, Action.CANCEL),
        (State.SUBMITTED, OWNER, Action.CANCEL),
        (State.SUBMITTED, DESTINATION_OP, Action.REJECT),
    ],
    ids=lambda v: str(getattr(v, "sub", v)),
)
def test_ending_a_request_before_acceptance_closes_it_without_freeing_a_seat(
    state: State, actor: Principal, action: Action
) -> None:
    outcome = step(at(state), action, actor, "Alasan")

    assert outcome.close_request and not outcome.free_seat
    expected = State.REJECTED if action is Action.REJECT else State.CANCELLED
    assert outcome.transfer.state is expected


# Cancelling


@pytest.mark.parametrize("state", list(State), ids=str)
def test_the_owner_may_cancel_only_before_approval(state: State) -> None:
    before_approval = state not in (State.RELEASED_BY_ORIGIN, State.APPROVED, *TERMINAL)
    assert (Action.CANCEL in allowed_actions(at(state), OWNER)) == before_approval


@pytest.mark.parametrize("actor", [OTHER_PARENT, DESTINATION_OP, STAFF], ids=lambda p: p.sub)
def test_nobody_but_the_owner_cancels(actor: Principal) -> None:
    assert Action.CANCEL not in allowed_actions(at(State.SUBMITTED), actor)


# Dapodik confirmation


def test_completion_needs_the_dapodik_confirmation_of_both_schools() -> None:
    origin_done = step(at(State.APPROVED), Action.CONFIRM_DAPODIK, ORIGIN_OP)
    t = origin_done.transfer
    assert (t.state, t.origin_confirmed, t.destination_confirmed) == (State.APPROVED, True, False)
    assert not origin_done.close_request
    assert Action.CONFIRM_DAPODIK not in allowed_actions(t, ORIGIN_OP)
    assert waiting_on(t) == [f"school#{DESTINATION}"]

    both_done = step(t, Action.CONFIRM_DAPODIK, DESTINATION_OP)

    assert both_done.transfer.state is State.COMPLETED and both_done.close_request
    assert not both_done.free_seat and both_done.transfer.seat_held
    assert waiting_on(both_done.transfer) == []


def test_either_school_may_confirm_first() -> None:
    t = step(at(State.APPROVED), Action.CONFIRM_DAPODIK, DESTINATION_OP).transfer
    assert (t.state, t.destination_confirmed) == (State.APPROVED, True)
    assert step(t, Action.CONFIRM_DAPODIK, ORIGIN_OP).transfer.state is State.COMPLETED


@pytest.mark.parametrize("actor", [OWNER, STAFF, STRANGER_OP], ids=lambda p: p.sub)
def test_only_the_two_schools_confirm_dapodik(actor: Principal) -> None:
    with pytest.raises(InvalidTransition):
        step(at(State.APPROVED), Action.CONFIRM_DAPODIK, actor)


# Waiting and the timeline


@pytest.mark.parametrize(
    ("state", "inboxes"),
    [
        (State.DRAFT, ["user#parent-1"]),
        (State.NEEDS_REVISION, ["user#parent-1"]),
        (State.SUBMITTED, [f"school#{DESTINATION}"]),
        (State.ACCEPTED_BY_DESTINATION, [f"school#{ORIGIN}"]),
        (State.UNDER_REVIEW, ["office#disdik"]),
        (State.APPROVED, [f"school#{ORIGIN}", f"school#{DESTINATION}"]),
        (State.COMPLETED, []),
        (State.REJECTED, []),
        (State.CANCELLED, []),
    ],
    ids=str,
)
def test_a_request_waits_on_the_next_actor(state: State, inboxes: list[str]) -> None:
    assert waiting_on(at(state)) == inboxes


def test_the_timeline_keeps_only_the_latest_entries() -> None:
    t = at(State.SUBMITTED)
    for n in range(MAX_TIMELINE + 5):
        t = step(t, Action.REQUEST_REVISION, DESTINATION_OP, f"Perbaikan {n}").transfer
        t = step(t, Action.SUBMIT, OWNER, context=DOCS).transfer

    assert len(t.timeline) == MAX_TIMELINE
    assert t.timeline[-2].reason == f"Perbaikan {MAX_TIMELINE + 4}"


# Any sequence of attempts


ACTORS = [OWNER, OTHER_PARENT, ORIGIN_OP, DESTINATION_OP, STRANGER_OP, STAFF, ADMIN]
MOSTLY = [True, True, True, False]  # sampled: True three times in four
REASONS = ["Alasan", "Alasan", "", " "]
WEIGHT = {a: 1 if a in (Action.CANCEL, Action.REJECT) else 4 for a in Action}  # go deep
contexts = st.builds(Context, st.sampled_from(MOSTLY), st.sampled_from(MOSTLY))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), crosses=st.booleans(), length=st.integers(0, 30))
def test_any_sequence_of_attempts_keeps_the_request_consistent(
    data: st.DataObject, crosses: bool, length: int
) -> None:
    """Most attempts pick an allowed step, forward steps weighted to reach deep states; the rest
    are any action by anyone."""
    t = build_transfer(destination_kabkota="3603" if crosses else "3671")
    seat_taken = False
    for offset in range(length):
        steps = [(p, a) for p in ACTORS for a in allowed_actions(t, p) for _ in range(WEIGHT[a])]
        if steps and data.draw(st.sampled_from(MOSTLY)):
            actor, action = data.draw(st.sampled_from(steps))
        else:
            actor, action = data.draw(st.sampled_from(ACTORS)), data.draw(st.sampled_from(Action))
        allowed = allowed_actions(t, actor)
        reason, context = data.draw(st.sampled_from(REASONS)), data.draw(contexts)
        now = NOW + timedelta(minutes=offset)
        try:
            outcome = decide(t, action, actor, now=now, reason=reason, context=context)
        except InvalidTransition as refused:
            assert action not in allowed and refused.extra["allowed"] == names(allowed)
            continue
        except Invalid:
            assert action in allowed
            continue
        assert action in allowed
        assert not (outcome.take_seat and seat_taken), "a seat was taken twice"
        assert not outcome.free_seat or seat_taken, "a seat was freed that was never taken"
        seat_taken = (seat_taken or outcome.take_seat) and not outcome.free_seat
        t = outcome.transfer
        assert t.state in set(State) and t.seat_held == seat_taken
        assert outcome.close_request == (t.state in TERMINAL)
        if t.state in TERMINAL:
            assert all(allowed_actions(t, p) == [] for p in ACTORS)


def test_one_request_may_be_sent_back_by_each_reviewer_in_turn() -> None:
    t = at(State.SUBMITTED)
    t = step(t, Action.ACCEPT, DESTINATION_OP).transfer
    t = step(t, Action.REQUEST_REVISION, ORIGIN_OP, "Rapor buram").transfer
    t = step(t, Action.SUBMIT, OWNER, context=DOCS).transfer
    t = step(t, Action.REQUEST_REVIEW, STAFF, "Cek domisili").transfer
    t = step(t, Action.RELEASE, ORIGIN_OP, context=RELEASE_LETTER).transfer
    t = step(t, Action.REQUEST_REVISION, STAFF, "KK lama").transfer
    t = step(t, Action.SUBMIT, OWNER, context=DOCS).transfer

    assert t.state is State.UNDER_REVIEW and t.seat_held
    assert revision_count(t) == 2
