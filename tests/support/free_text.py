"""Which input fields take free text: the walk over every route's input models shared by the
free-text type check (tests/unit/test_free_text.py) and the canary
(tests/api/test_free_text_canary.py)."""

from __future__ import annotations

import typing
from collections.abc import Iterator

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from chalicelib.core.http import ROUTE_DOCS
from chalicelib.core.validators import mask_nik_like


def nested_models(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from nested_models(arg)


def input_models() -> list[type[BaseModel]]:
    """Every body model of every route, and every model nested in one."""
    import app  # noqa: F401 - registers every route

    seen: dict[str, type[BaseModel]] = {}
    todo = [doc.body for doc in ROUTE_DOCS.values() if doc.body is not None]
    while todo:
        model = todo.pop()
        name = model.__module__ + "." + model.__qualname__
        if name in seen:
            continue
        seen[name] = model
        for info in model.model_fields.values():
            todo.extend(nested_models(info.annotation))
    return list(seen.values())


def _masks(annotation: object) -> bool:
    if typing.get_origin(annotation) is typing.Annotated and any(
        getattr(m, "func", None) is mask_nik_like for m in annotation.__metadata__
    ):
        return True
    return any(_masks(a) for a in typing.get_args(annotation))


def is_prose(info: FieldInfo) -> bool:
    """The field is ``Prose`` (or ``Prose | None``): NIK-like runs are masked on input."""
    return any(getattr(m, "func", None) is mask_nik_like for m in info.metadata) or _masks(
        info.annotation
    )


def prose_fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Dotted paths of the prose fields of ``model``, nested models included."""
    found = set()
    for name, info in model.model_fields.items():
        if is_prose(info):
            found.add(prefix + name)
        for nested in nested_models(info.annotation):
            found |= prose_fields(nested, f"{prefix}{name}.")
    return found


def every_prose_field() -> set[tuple[str, str, str]]:
    """(method, path, field) for every prose field of every route's body."""
    import app  # noqa: F401 - registers every route

    return {
        (method, path, field)
        for (method, path), doc in ROUTE_DOCS.items()
        if doc.body is not None
        for field in prose_fields(doc.body)
    }
