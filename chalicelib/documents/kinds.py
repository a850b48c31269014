"""What an owner of documents declares: its document kind (pure data, no feature code).

An owner is a feature whose records carry documents (a transfer, a PPDB application, a school
import, ...). Its ref kind (``transfer`` in ``transfer#<id>``) is the second part of every object
key, so the upload handler finds the owner of an uploaded object from its key alone. The owner
declares, in a ``document_kinds.py`` module of its own package (see ``documents.registry``):

- ``slots``: the slot names a document may fill (``None``: the owner checks its slots itself);
- ``formats``: the allowed content types, each with how its first bytes are sniffed and, when
  the whole file must be read by a real parser (PDF, images), that inspector;
- ``max_bytes``: the size limit of one file (``None``: the ``UPLOAD_MAX_BYTES`` setting, 5 MiB);
  above ``WHOLE_READ_LIMIT`` a file is judged by its head only and never read whole;
- ``max_per_owner``: how many uploads one owner record may open;
- ``reject_messages``: its own wording of a rejection (e.g. "lebih dari 2 GB");
- ``upload_window_seconds``: how long after opening an upload may still complete (a 2 GiB video
  over a weak connection needs hours; part links are re-signed, 10 minutes each);
- ``listener``: ``"package.module:function"`` called as ``function(doc, outcome, deps=deps)``
  after every settled upload of this kind (imported only then);
- ``guard``: ``"package.module:function"`` called as ``function(owner_id, actor, deps,
  request_id)``; it raises (404/403) unless the caller may see the owner's documents.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from chalicelib.documents import content

MIB = 1024 * 1024
GIB = 1024 * MIB
WHOLE_READ_LIMIT = 64 * MIB  # larger files are sniffed and copied, never held in memory


@dataclass(frozen=True)
class Format:
    content_type: str
    extension: str
    sniff: Callable[[bytes, bool], str | None]
    """(head, whole) -> why the first bytes are not this format, or None; ``whole`` says the
    head is the complete file."""
    inspect: Callable[[bytes], str | None] | None = None
    """The complete file -> why it is not acceptable (real parser), or None."""


def magic(*prefixes: bytes) -> Callable[[bytes, bool], str | None]:
    def sniff(head: bytes, whole: bool) -> str | None:
        ok = any(head.startswith(p) for p in prefixes)
        return None if ok else "content_does_not_match_type"

    return sniff


def utf8_text(head: bytes, whole: bool) -> str | None:
    """UTF-8 text (a BOM allowed) without NUL bytes; a multi-byte character cut at the end of
    the sniffed head is fine unless the head is the whole file."""
    if b"\x00" in head:
        return "content_does_not_match_type"
    try:
        codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=whole)
    except UnicodeDecodeError:
        return "content_does_not_match_type"
    return None


PDF = Format("application/pdf", "pdf", magic(b"%PDF-"), content.inspect_pdf)
JPEG = Format(
    "image/jpeg", "jpg", magic(b"\xff\xd8\xff"), lambda d: content.inspect_image("image/jpeg", d)
)
PNG = Format(
    "image/png", "png", magic(b"\x89PNG\r\n\x1a\n"), lambda d: content.inspect_image("image/png", d)
)
PAPERS = (PDF, JPEG, PNG)  # scans and photos of papers: KK, akta, rapor, letters
PAPERS_MESSAGE = "Jenis berkas harus PDF, JPEG, atau PNG."


@dataclass(frozen=True)
class DocumentKind:
    owner: str  # the ref kind: ``transfer`` in ``transfer#<id>``
    formats: tuple[Format, ...] = PAPERS
    type_message: str = PAPERS_MESSAGE
    slots: frozenset[str] | None = None
    max_bytes: int | None = None
    max_per_owner: int | None = None
    too_many_message: str = "Batas unggahan tercapai."
    sniff_bytes: int = 16
    listener: str | None = None
    guard: str | None = None
    upload_window_seconds: int | None = None  # None: UPLOAD_URL_TTL_SECONDS (10 min)
    reject_messages: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Indonesian reasons of this kind's rejections that differ from ``REJECT_MESSAGES``."""

    def format(self, content_type: str) -> Format | None:
        return next((f for f in self.formats if f.content_type == content_type), None)

    @property
    def content_types(self) -> tuple[str, ...]:
        return tuple(f.content_type for f in self.formats)

    def limit(self, default: int) -> int:
        return self.max_bytes if self.max_bytes is not None else default

    def window(self, default: int) -> int:
        return self.upload_window_seconds if self.upload_window_seconds is not None else default


PAPERS_KIND = DocumentKind(owner="")  # the rules of a plain document upload (PDF/JPEG/PNG)
