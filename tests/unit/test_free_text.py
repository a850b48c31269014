"""Free text is where a NIK slips in: every input field that takes prose masks NIK/No. KK-like
digit runs at the input edge (chalicelib.core.schemas.Prose), before anything is stored, shown,
pushed or logged. This walks every input model of every route, so a new free-text field that
forgets the type fails here."""

from __future__ import annotations

import types
import typing

import pytest
from pydantic.fields import FieldInfo

from chalicelib.core.schemas import Input, Prose
from chalicelib.core.validators import mask_nik_like
from tests.support.free_text import input_models, is_prose

CANARY = "3671014403120001"


def _is_constrained(info: FieldInfo) -> bool:
    """A str field that is not prose: it has a pattern or a validator of its own (id types)."""
    for meta in info.metadata:
        if getattr(meta, "pattern", None):
            return True
        func = getattr(meta, "func", None)
        if func is not None and func is not mask_nik_like:
            return True
    return False


def _is_plain_str(annotation: object) -> bool:
    if annotation is str:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_plain_str(a) for a in typing.get_args(annotation))
    return False


def _free_text_fields() -> list[tuple[str, str, FieldInfo]]:
    found = []
    for model in input_models():
        for name, info in model.model_fields.items():
            if _is_plain_str(info.annotation):
                found.append((model.__qualname__, name, info))
    return found


def test_every_input_model_forbids_unknown_fields() -> None:
    for model in input_models():
        assert issubclass(model, Input) or model.model_config.get("extra") == "forbid", model


def test_every_unconstrained_text_field_is_prose() -> None:
    leaks = [
        f"{model}.{name}"
        for model, name, info in _free_text_fields()
        if not _is_constrained(info) and not is_prose(info)
    ]
    assert leaks == [], f"free-text fields without chalicelib.core.schemas.Prose: {leaks}"


def test_the_walk_finds_the_known_free_text_fields() -> None:
    prose = {f"{model}.{name}" for model, name, info in _free_text_fields() if is_prose(info)}
    for expected in ("ActionInput.reason", "DecisionIn.reason", "HomeIn.address"):
        assert expected in prose


@pytest.mark.parametrize(
    "typed",
    [
        CANARY,
        "3671 0144 0312 0001",
        "NIK anak 3671-0144-0312-0001 salah",
        "KK: 3671.0144.0312.0001.",
    ],
)
def test_prose_masks_nik_like_runs_with_any_separator(typed: str) -> None:
    class Note(Input):
        text: Prose

    masked = Note(text=typed).text
    digits = "".join(ch for ch in masked if ch.isdigit())
    assert CANARY not in digits
    assert "disamarkan" in masked


def test_prose_keeps_ordinary_numbers() -> None:
    class Note(Input):
        text: Prose

    assert Note(text="Rumah no. 12 RT 003 RW 004, telp 0812").text.endswith("0812")
