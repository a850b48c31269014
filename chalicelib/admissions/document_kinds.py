"""The documents of a PPDB application (``ppdb#<id>``): scans and photos of papers, 5 MiB each.

Who may upload when is the application's rule (``admissions.service.open_upload``); who may see
the documents is who may see the application (``admissions.service.load``)."""

from __future__ import annotations

from chalicelib.admissions.application import Doc
from chalicelib.documents.kinds import DocumentKind
from chalicelib.documents.registry import register

APPLICATION_DOCUMENTS = register(
    DocumentKind(
        owner="ppdb",
        slots=frozenset(d.value for d in Doc),
        max_per_owner=40,
        too_many_message="Batas unggahan untuk pendaftaran ini tercapai.",
        guard="chalicelib.admissions.service:load",
    )
)
