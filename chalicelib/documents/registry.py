"""Who owns which documents: owner kinds registered by the features, found lazily.

Every feature with documents has a ``document_kinds.py`` module in its own package that calls
``register(DocumentKind(...))`` (pure data: no service, schema or repository import). Nothing
here names a feature: the first lookup imports every ``document_kinds.py`` under ``chalicelib``
(found on disk, a few small modules), and only the upload paths look up, never ``import app``.
A listener or guard is a dotted path, imported when it is first called.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from chalicelib.documents.domain import ref_kind
from chalicelib.documents.kinds import DocumentKind

MODULE = "document_kinds"
_KINDS: dict[str, DocumentKind] = {}
_discovered = False


def register(kind: DocumentKind) -> DocumentKind:
    """Declare an owner's document kind (called at import of the owner's document_kinds)."""
    known = _KINDS.get(kind.owner)
    if known is not None and known != kind:
        raise ValueError(f"document owner {kind.owner!r} is registered twice")
    _KINDS[kind.owner] = kind
    return kind


def unregister(owner: str) -> None:
    """Forget an owner (tests that register a throwaway owner clean up with this)."""
    _KINDS.pop(owner, None)


def discover() -> None:
    """Import every ``document_kinds`` module of the chalicelib packages (once)."""
    global _discovered
    if _discovered:
        return
    root = Path(__file__).resolve().parent.parent
    for path in sorted(root.rglob(f"{MODULE}.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        importlib.import_module(".".join(parts))
    _discovered = True


def kind_of(ref: str) -> DocumentKind | None:
    """The registered kind of a ref's owner, or None for an owner nobody registered."""
    owner = ref_kind(ref)
    if owner not in _KINDS:
        discover()
    return _KINDS.get(owner)


def resolve(dotted: str) -> Any:
    """``package.module:attribute`` -> the attribute (imported now)."""
    module, _, name = dotted.partition(":")
    return getattr(importlib.import_module(module), name)
