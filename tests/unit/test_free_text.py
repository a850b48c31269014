"""Free text is where a NIK slips in: every input field that takes prose masks NIK/No. KK-like
digit runs at the input edge (chalicelib.core.schemas.Prose), before anything is stored, shown,
pushed or logged. This walks every input model of every route, so a new free-text field that
forgets the type fails here."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator

import pytest
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from chalicelib.core.http import ROUTE_DOCS
from chalicelib.core.schemas import Input, Prose
from chalicelib.core.validators import mask_nik_like

CANARY = "3671014403120001"


def _input_models() -> list[type[BaseModel]]:
    import app  # noqa: F401 - registers every route

    seen: dict[str, type[BaseModel]] = {}
    todo = [doc.body for doc in ROUTE_DOCS.values() if doc.body is not None]
    while todo:
        model = todo.pop()
        if model.__qualname__ in seen:
            continue
        seen[model.__module__ + "." + model.__qualname__] = model
        for info in model.model_fields.values():
            todo.extend(_nested_models(info.annotation))
    return list(seen.values())


def _nested_models(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _nested_models(arg)


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
    for model in _input_models():
        for name, info in model.model_fields.items():
            if _is_plain_str(info.annotation):
                found.append((model.__qualname__, name, info))
    return found


def test_every_input_model_forbids_unknown_fields() -> None:
    for model in _input_models():
        assert issubclass(model, Input) or model.model_config.get("extra") == "forbid", model


def test_every_unconstrained_text_field_is_prose() -> None:
    leaks = [
        f"{model}.{name}"
        for model, name, info in _free_text_fields()
        if not _is_constrained(info)
        and not any(getattr(m, "func", None) is mask_nik_like for m in info.metadata)
    ]
    assert leaks == [], f"free-text fields without chalicelib.core.schemas.Prose: {leaks}"


def test_the_walk_finds_the_known_free_text_fields() -> None:
    prose = {
        f"{model}.{name}"
        for model, name, info in _free_text_fields()
        if any(getattr(m, "func", None) is mask_nik_like for m in info.metadata)
    }
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
