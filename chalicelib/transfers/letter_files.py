"""The letter PDF in storage: rendered on approval, re-rendered on download if missing,
and the public verification of a code."""

from __future__ import annotations

import re
from dataclasses import replace

from chalicelib.core.audit import entry
from chalicelib.core.errors import Invalid, NotFound
from chalicelib.core.principal import Principal
from chalicelib.core.schemas import wib_text
from chalicelib.transfers.domain import Transfer
from chalicelib.transfers.letters import REVOKED, Letter, pdf_key
from chalicelib.transfers.schemas import LetterDownload, LetterVerification
from chalicelib.wiring import Deps

CODE_FORMAT = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){5}$")


def verify_url(deps: Deps, code: str) -> str:
    return f"{deps.settings.public_base_url.rstrip('/')}/v1/public/letters/{code}"


def store(t: Transfer, letter: Letter, deps: Deps) -> str:
    from chalicelib.transfers.letter_pdf import LetterContent, render_letter

    content = LetterContent(
        code=letter.code,
        verify_url=verify_url(deps, letter.code),
        student_name=t.student.name,
        nisn=t.student.nisn,
        grade=t.student.grade,
        origin_name=t.origin.name,
        origin_npsn=t.origin.npsn,
        destination_name=t.destination.name,
        destination_npsn=t.destination.npsn,
        reason=t.reason,
        issued_at=letter.issued_at,
        transfer_id=t.id,
    )
    key = pdf_key(t.id, letter.code)
    deps.storage.put(key, render_letter(content), "application/pdf")
    return key


def _letter_of(t: Transfer, deps: Deps) -> Letter:
    letter = deps.transfers.letter(t.letter_code) if t.letter_code else None
    if letter is None:
        raise NotFound("letter_not_issued", "Surat rekomendasi belum terbit untuk permohonan ini.")
    return letter


def download(t: Transfer, deps: Deps) -> LetterDownload:
    letter = _letter_of(t, deps)
    key = pdf_key(t.id, letter.code)
    if not deps.storage.exists(key):
        store(t, letter, deps)
    ttl = deps.settings.download_url_ttl_seconds
    url = deps.storage.presign_get(key, ttl, f"surat-rekomendasi-pindah-{t.id}.pdf")
    return LetterDownload(code=letter.code, url=url, expires_in=ttl)


def revoke(
    t: Transfer, reason: str, actor: Principal, deps: Deps, request_id: str
) -> LetterVerification:
    if not reason.strip():
        raise Invalid("reason_required", "Alasan pencabutan wajib diisi.")
    letter = _letter_of(t, deps)
    deps.transfers.set_letter_status(letter.code, REVOKED)
    deps.audit.append(
        entry(
            f"transfer#{t.id}",
            "revoke_letter",
            actor,
            deps.clock.now(),
            detail=reason[:200],
            request_id=request_id,
        )
    )
    return verification(replace(letter, status=REVOKED))


def verification(letter: Letter) -> LetterVerification:
    return LetterVerification(
        code=letter.code,
        status="revoked" if letter.status == REVOKED else "valid",
        student_initials=letter.student_initials,
        grade=letter.grade,
        origin_name=letter.origin_name,
        destination_name=letter.destination_name,
        issued_at=letter.issued_at,
        issued_at_wib=wib_text(letter.issued_at),
    )


def verify(code: str, deps: Deps) -> LetterVerification:
    """Public: only non-sensitive facts. Unknown and malformed codes are both 404."""
    code = code.strip().upper()
    letter = deps.transfers.letter(code) if CODE_FORMAT.match(code) else None
    if letter is None:
        raise NotFound("letter_not_found", "Kode verifikasi tidak dikenal.")
    return verification(letter)
