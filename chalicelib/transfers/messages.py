"""Indonesian texts of the notifications a transfer sends."""

from __future__ import annotations

from chalicelib.transfers.domain import State

STATE_MESSAGES = {
    State.DRAFT: ("Draf permohonan dibuat", "Lengkapi data dan dokumen, lalu ajukan."),
    State.SUBMITTED: (
        "Permohonan pindah sekolah diajukan",
        "Permohonan menunggu keputusan sekolah tujuan.",
    ),
    State.ACCEPTED_BY_DESTINATION: (
        "Diterima sekolah tujuan",
        "Sekolah tujuan bersedia menerima. Menunggu sekolah asal.",
    ),
    State.RELEASED_BY_ORIGIN: ("Dilepas sekolah asal", "Surat keterangan pindah telah terbit."),
    State.UNDER_REVIEW: (
        "Menunggu verifikasi Dinas Pendidikan",
        "Permohonan sedang ditelaah Dinas Pendidikan Kota Tangerang.",
    ),
    State.APPROVED: (
        "Permohonan disetujui",
        "Surat rekomendasi pindah sekolah sudah dapat diunduh.",
    ),
    State.COMPLETED: ("Pindah sekolah selesai", "Mutasi Dapodik sudah dikonfirmasi kedua sekolah."),
    State.NEEDS_REVISION: (
        "Permohonan perlu diperbaiki",
        "Perbaiki sesuai catatan lalu ajukan lagi.",
    ),
    State.REJECTED: ("Permohonan ditolak", "Lihat alasan penolakan pada riwayat permohonan."),
    State.CANCELLED: ("Permohonan dibatalkan", "Permohonan telah dibatalkan."),
}

REMINDER_TITLE = "Pengingat: permohonan pindah sekolah menunggu tindakan Anda"
REVISION_REMINDER_TITLE = "Pengingat: permohonan Anda perlu diperbaiki"


def message_for(state: State, action: str, reason: str) -> tuple[str, str]:
    title, body = STATE_MESSAGES[state]
    if action == "confirm_dapodik" and state is State.APPROVED:
        title, body = (
            "Konfirmasi mutasi Dapodik",
            "Satu sekolah telah mengonfirmasi mutasi Dapodik.",
        )
    if action == "request_review":
        title, body = "Dinas Pendidikan meminta telaah", "Permohonan akan diverifikasi Dinas."
    if reason:
        body = f"{body} Catatan: {reason}"
    return title, body
