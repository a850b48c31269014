"""What is inside an uploaded document, read with real parsers (after the magic-byte check).

A PDF must parse as a PDF: header at byte 0, ``startxref`` and ``%%EOF`` at its end (nothing but
whitespace after it), a cross-reference table or stream and a trailer whose ``/Root`` is a
catalogue with at least one page, all read by pypdf in strict mode (no repair of a broken xref).
Every object the cross-reference lists is then walked (object streams included), and PDFs with
active content are refused:

- JavaScript: a ``/JS`` or ``/JavaScript`` key or action anywhere (also through ``/OpenAction``,
  ``/AA`` or the document's ``/Names`` tree; a JavaScript action is what makes those dangerous);
- actions that open something outside the PDF: ``/Launch``, ``/GoToR``, ``/GoToE``;
- embedded files: ``/EmbeddedFile``, ``/EmbeddedFiles``, ``/EF``, ``/FileAttachment`` annotations;
- other active content: ``/RichMedia`` (Flash/3D players), ``/XFA`` (scripted XML forms),
  ``/SubmitForm`` and ``/ImportData`` (send or load form data).
``/OpenAction`` and ``/AA`` alone (e.g. "open at page 1") and ``/URI`` links are allowed.
A PDF of more than ``MAX_PDF_OBJECTS`` objects is refused (the walk must stay well inside the
handler's time). A PDF that needs a password to open is refused (an office cannot read it
either); one with only an owner password (empty user password) is decrypted and inspected.

A JPEG or PNG must be what it says, decode completely (Pillow: ``verify`` and then a full
``load``, truncated data refused) and have at most ``MAX_IMAGE_PIXELS`` pixels, checked before
decoding (a small file cannot expand into a huge bitmap).

pypdf and Pillow are imported inside the functions: the API's cold start never pays for them.
"""

from __future__ import annotations

import io
import re
from typing import Any

MAX_PDF_OBJECTS = 20_000  # a scanned or exported document has hundreds; walking 20k takes ~2 s
MAX_IMAGE_PIXELS = 50_000_000  # 50 megapixels: more than any phone photo of a page at 5 MB
EOF_WINDOW = 1024  # %%EOF must be within the last KiB, as PDF readers require
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}

# name -> reason; a key with that name, or a name value (e.g. /S /Launch), anywhere in the file
JAVASCRIPT = {"/JS", "/JavaScript"}
LAUNCH = {"/Launch", "/GoToR", "/GoToE"}
EMBEDDED = {"/EmbeddedFile", "/EmbeddedFiles", "/EF", "/FileAttachment"}
ACTIVE = {"/RichMedia", "/RichMediaExecute", "/XFA", "/SubmitForm", "/ImportData"}
REFUSED_NAMES = (
    {n: "pdf_javascript" for n in JAVASCRIPT}
    | {n: "pdf_launch_action" for n in LAUNCH}
    | {n: "pdf_embedded_file" for n in EMBEDDED}
    | {n: "pdf_active_content" for n in ACTIVE}
)
# the same names in the raw bytes (objects outside the cross-reference are seen too)
_RAW_NAME = re.compile(
    rb"/("
    + b"|".join(re.escape(n[1:].encode()) for n in REFUSED_NAMES)
    + rb")(?=[\s/<>\[\]()%{}]|$)"
)
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def inspect_content(declared_type: str, data: bytes) -> str | None:
    """Why the complete object is not an acceptable document of its type, or None."""
    if declared_type == "application/pdf":
        return inspect_pdf(data)
    if declared_type in IMAGE_FORMATS:
        return inspect_image(declared_type, data)
    return None


def inspect_pdf(data: bytes) -> str | None:
    if not data.startswith(b"%PDF-"):
        return "content_does_not_match_type"
    tail = data[-EOF_WINDOW:].rstrip(b"\x00")
    if not _STARTXREF.search(tail):
        return "pdf_unreadable"  # no trailer at the end, or something appended after %%EOF
    raw = _raw_refusal(data)
    try:
        reader = _read(data)
        if reader is None:
            return "pdf_encrypted"
        found = _walk(reader)
    except Exception:  # noqa: BLE001 -- any parser failure means a damaged or hostile PDF
        return "pdf_unreadable"
    return found or raw


def _read(data: bytes) -> Any:
    """The pypdf reader of a well-formed PDF with a page; None when a password is needed."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=True)
    if reader.is_encrypted and reader.decrypt("") == 0:
        return None
    trailer = reader.trailer
    root: Any = trailer["/Root"].get_object() if "/Root" in trailer else None
    if not isinstance(root, dict) or root.get("/Type") != "/Catalog":
        raise ValueError("no catalogue")
    if len(reader.pages) < 1:
        raise ValueError("no page")
    return reader


def _walk(reader: Any) -> str | None:
    """The first refused name in any object of the cross-reference (or in the trailer)."""
    from pypdf.generic import IndirectObject

    roots: list[Any] = [reader.trailer]
    for generation, numbers in reader.xref.items():
        roots += [IndirectObject(n, generation, reader) for n in numbers]
    roots += [IndirectObject(n, 0, reader) for n in reader.xref_objStm]
    if len(roots) > MAX_PDF_OBJECTS:
        return "pdf_too_complex"
    for root in roots:
        obj = root.get_object() if isinstance(root, IndirectObject) else root
        found = _scan(obj)
        if found:
            return found
    return None


def _scan(obj: Any) -> str | None:
    """Keys and name values of one object (nested direct objects; references are not followed:
    every indirect object is scanned on its own)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            continue
        if isinstance(item, DictionaryObject):
            for key, value in item.items():
                if key in REFUSED_NAMES:
                    return REFUSED_NAMES[key]
                stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
        elif isinstance(item, NameObject) and item in REFUSED_NAMES:
            return REFUSED_NAMES[item]
    return None


def _raw_refusal(data: bytes) -> str | None:
    match = _RAW_NAME.search(data)
    return REFUSED_NAMES["/" + match.group(1).decode()] if match else None


def inspect_image(declared_type: str, data: bytes) -> str | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=[IMAGE_FORMATS[declared_type]]) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                return "image_too_large"
            image.verify()
        with Image.open(io.BytesIO(data), formats=[IMAGE_FORMATS[declared_type]]) as image:
            image.load()
    except Image.DecompressionBombError:
        return "image_too_large"
    except Exception:  # noqa: BLE001 -- truncated, corrupt or not this format
        return "image_unreadable"
    return None
