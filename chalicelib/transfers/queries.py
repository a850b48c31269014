"""Lists and worklists, each one Query on an index, with signed cursors bound to the query."""

from __future__ import annotations

from chalicelib.core.audit import entry
from chalicelib.core.errors import Invalid
from chalicelib.core.pagination import decode_cursor, encode_cursor, parse_limit
from chalicelib.core.principal import Principal, Role
from chalicelib.core.validators import check_npsn
from chalicelib.transfers import presenters
from chalicelib.transfers.domain import State
from chalicelib.transfers.schemas import TransferPage
from chalicelib.wiring import Deps

SIDES = {"incoming": "destination", "outgoing": "origin"}


def _side(query: dict[str, str]) -> str:
    side = query.get("side", "incoming")
    if side not in SIDES:
        raise Invalid("invalid_side", "Parameter side harus 'incoming' atau 'outgoing'.")
    return SIDES[side]


def _state(raw: str) -> str:
    try:
        return State(raw).value
    except ValueError as exc:
        raise Invalid(
            "invalid_state", "Status tidak dikenal.", allowed=[s.value for s in State]
        ) from exc


def _check_values(query: dict[str, str]) -> None:
    """Every parameter given is valid, used or not: a typo never passes silently as a default."""
    if "side" in query:
        _side(query)
    if "state" in query:
        _state(query["state"])
    if "school" in query:
        _npsn(query["school"])
    if "school" in query and "state" in query:
        raise Invalid(
            "conflicting_parameters",
            "Parameter school dan state tidak dapat dipakai bersamaan.",
            parameter="state",
        )


def _index_for_list(actor: Principal, query: dict[str, str]) -> tuple[str, str]:
    _check_values(query)
    if actor.role is Role.PARENT:
        return "by_parent", actor.sub
    if actor.role is Role.SCHOOL_OPERATOR:
        return f"by_{_side(query)}", str(actor.npsn)
    if "school" in query:
        return f"by_{_side(query)}", _npsn(query["school"])
    return "by_state", _state(query.get("state", State.UNDER_REVIEW.value))


def _npsn(raw: str) -> str:
    try:
        return check_npsn(raw)
    except ValueError as exc:
        raise Invalid("invalid_npsn", str(exc)) from exc


def _index_for_worklist(actor: Principal, query: dict[str, str]) -> tuple[str, str]:
    _check_values(query)
    if actor.role is Role.SCHOOL_OPERATOR:
        return f"{_side(query)}_queue", str(actor.npsn)
    return "by_state", State.UNDER_REVIEW.value


def _page(
    index: str, key: str, actor: Principal, query: dict[str, str], deps: Deps, request_id: str
) -> TransferPage:
    scope = f"{index}:{key}"
    secret = deps.settings.signing_secret
    after = decode_cursor(secret, scope, query.get("cursor"))
    items, last = deps.transfers.query(index, key, parse_limit(query.get("limit")), after)
    if actor.role is not Role.PARENT:
        deps.audit.append(
            entry(
                f"list#{scope}",
                "list",
                actor,
                deps.clock.now(),
                detail=f"{len(items)} items",
                request_id=request_id,
            )
        )
    return TransferPage(
        items=[presenters.summary(t) for t in items], next_cursor=encode_cursor(secret, scope, last)
    )


def list_transfers(
    query: dict[str, str], *, actor: Principal, deps: Deps, request_id: str = ""
) -> TransferPage:
    index, key = _index_for_list(actor, query)
    return _page(index, key, actor, query, deps, request_id)


def worklist(
    query: dict[str, str], *, actor: Principal, deps: Deps, request_id: str = ""
) -> TransferPage:
    index, key = _index_for_worklist(actor, query)
    return _page(index, key, actor, query, deps, request_id)
