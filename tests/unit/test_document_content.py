"""Uploaded documents read with real parsers: a PDF must parse (xref + trailer) and carry no active
content, an image must decode; every refusal has an Indonesian message; the parsers stay off the
API's cold start; download links pin the type and an attachment with a safe name."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.core.storage import download_headers, safe_filename
from chalicelib.documents import content
from chalicelib.documents.content import MAX_IMAGE_PIXELS, inspect_content
from chalicelib.documents.domain import REJECT_MESSAGES
from tests.support import documents, factories

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("declared", "data"),
    [
        ("application/pdf", factories.PDF),
        ("application/pdf", factories.pdf_bytes("Rapor semester 1 " * 40)),
        ("application/pdf", documents.PLAIN),
        ("application/pdf", documents.LINK),
        ("application/pdf", documents.encrypted_pdf(factories.PDF, user_password="")),
        ("image/png", factories.PNG),
        ("image/jpeg", factories.JPEG),
        ("image/jpeg", factories.image_bytes("JPEG", (2480, 3508))),  # an A4 scan at 300 dpi
    ],
    ids=["fpdf2", "fpdf2-long", "open-at-page-1", "uri-link", "owner-password-only", "png",
         "jpeg", "jpeg-a4-300dpi"],
)  # fmt: skip
def test_real_documents_are_accepted(declared: str, data: bytes) -> None:
    assert inspect_content(declared, data) is None


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (documents.POLYGLOT, "pdf_unreadable"),
        (documents.TRUNCATED, "pdf_unreadable"),
        (documents.WITHOUT_XREF, "pdf_unreadable"),
        (documents.HTML_AFTER_EOF, "pdf_unreadable"),
        (documents.OLD_FAKE, "pdf_unreadable"),
        (documents.NO_PAGE, "pdf_unreadable"),
        (documents.XREF_OFF_BY_ONE, "pdf_unreadable"),
        (documents.JAVASCRIPT_NAMES, "pdf_javascript"),
        (documents.JAVASCRIPT_OPEN_ACTION, "pdf_javascript"),
        (documents.JAVASCRIPT_PAGE_AA, "pdf_javascript"),
        (documents.JAVASCRIPT_HEX_ESCAPED, "pdf_javascript"),
        (documents.JAVASCRIPT_UNREFERENCED, "pdf_javascript"),
        (documents.encrypted_pdf(documents.JAVASCRIPT_NAMES, user_password=""), "pdf_javascript"),
        (documents.LAUNCH, "pdf_launch_action"),
        (documents.GOTO_REMOTE, "pdf_launch_action"),
        (documents.EMBEDDED_FILE, "pdf_embedded_file"),
        (documents.with_attachment(), "pdf_embedded_file"),
        (documents.FILE_ATTACHMENT, "pdf_embedded_file"),
        (documents.XFA, "pdf_active_content"),
        (documents.RICH_MEDIA, "pdf_active_content"),
        (documents.SUBMIT_FORM, "pdf_active_content"),
        (documents.encrypted_pdf(factories.PDF, user_password="rahasia"), "pdf_encrypted"),
    ],
    ids=["polyglot-html", "truncated", "without-xref", "html-after-eof", "old-test-fake",
         "no-page", "xref-offset-wrong", "js-names-tree", "js-open-action", "js-page-aa",
         "js-hex-escaped-names", "js-unreferenced-object", "js-in-encrypted", "launch",
         "goto-remote", "embedded-file", "pypdf-attachment", "file-attachment-annot", "xfa",
         "rich-media", "submit-form", "user-password"],
)  # fmt: skip
def test_a_damaged_or_active_pdf_is_refused_with_its_reason(data: bytes, why: str) -> None:
    assert data.startswith(b"%PDF-")  # every one of them passes the magic-byte check
    assert inspect_content("application/pdf", data) == why


@pytest.mark.parametrize(
    ("declared", "data", "why"),
    [
        ("image/png", documents.corrupt_png(), "image_unreadable"),
        ("image/png", documents.truncated(factories.image_bytes("PNG", (64, 64))),
         "image_unreadable"),
        ("image/jpeg", documents.corrupt_jpeg(), "image_unreadable"),
        ("image/jpeg", documents.truncated(factories.image_bytes("JPEG", (64, 64))),
         "image_unreadable"),
        ("image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image_unreadable"),
        ("image/jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image_unreadable"),
        ("image/jpeg", factories.PNG, "image_unreadable"),
        ("image/png", factories.image_bytes("PNG", (8000, 6251)), "image_too_large"),
    ],
    ids=["png-corrupt", "png-truncated", "jpeg-corrupt", "jpeg-truncated", "png-old-fake",
         "jpeg-old-fake", "png-declared-jpeg", "png-50-megapixels"],
)  # fmt: skip
def test_an_image_that_does_not_decode_is_refused(declared: str, data: bytes, why: str) -> None:
    assert inspect_content(declared, data) == why


def test_the_pixel_limit_is_checked_before_decoding() -> None:
    assert 8000 * 6251 > MAX_IMAGE_PIXELS >= 8000 * 6250
    assert inspect_content("image/png", factories.image_bytes("PNG", (8000, 6250))) is None


def test_a_pdf_with_too_many_objects_is_refused_before_it_is_walked() -> None:
    objects = [documents.CATALOG % b"", documents.PAGES, documents.PAGE % b""]
    filler = b"<< /A [1 2 (abc) /N] >>"
    at_limit = documents.build_pdf(objects + [filler] * (content.MAX_PDF_OBJECTS - 4))
    over = documents.build_pdf(objects + [filler] * (content.MAX_PDF_OBJECTS - 3))
    assert inspect_content("application/pdf", at_limit) is None
    assert inspect_content("application/pdf", over) == "pdf_too_complex"


def test_every_refusal_has_an_indonesian_message() -> None:
    reasons = set(content.REFUSED_NAMES.values()) | {
        "pdf_unreadable",
        "pdf_encrypted",
        "pdf_too_complex",
        "image_unreadable",
        "image_too_large",
        "stored_type_mismatch",
    }
    assert reasons <= set(REJECT_MESSAGES)
    messages = [REJECT_MESSAGES[reason] for reason in sorted(reasons)]
    assert len(set(messages)) == len(messages)  # each says what is wrong with this file
    for message in messages:
        assert message.endswith(".") and ("unggah" in message or "tanpa" in message), message


def test_the_parsers_are_not_imported_with_the_app() -> None:
    """pypdf and Pillow load inside the upload handler only: the API's cold start never pays."""
    probe = "import sys, app\nprint(sorted(m for m in ('pypdf', 'PIL') if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    assert out == "[]"
    for path in sorted((ROOT / "chalicelib").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = {
            a.name.split(".")[0] for n in tree.body if isinstance(n, ast.Import) for a in n.names
        }
        top |= {
            n.module.split(".")[0] for n in tree.body if isinstance(n, ast.ImportFrom) and n.module
        }
        assert not top & {"pypdf", "PIL"}, path


@pytest.mark.parametrize(
    ("filename", "safe"),
    [
        ("kartu_keluarga-01J.pdf", "kartu_keluarga-01J.pdf"),
        ("a\"; filename*=UTF-8''evil.html", "a-filename-UTF-8-evil.html"),
        ("../../etc/passwd", "etc-passwd"),
        ("rapor\r\nSet-Cookie: x=1.pdf", "rapor-Set-Cookie-x-1.pdf"),
        ("Surat Pindah – Budi.pdf", "Surat-Pindah-Budi.pdf"),
        ("...", "dokumen"),
        ("x" * 200 + ".pdf", "x" * 116 + ".pdf"),
    ],
)
def test_a_download_file_name_is_reduced_to_safe_characters(filename: str, safe: str) -> None:
    assert safe_filename(filename) == safe
    headers = download_headers(filename, None)
    assert headers["ResponseContentDisposition"] == f'attachment; filename="{safe}"'


def test_a_download_pins_its_content_type() -> None:
    assert download_headers("a.pdf", None)["ResponseContentType"] == "application/pdf"
    assert download_headers("a.xlsx", None)["ResponseContentType"].endswith("spreadsheetml.sheet")
    assert download_headers("a.html", None)["ResponseContentType"] == "application/octet-stream"
    assert download_headers("a.pdf", "image/png")["ResponseContentType"] == "image/png"
