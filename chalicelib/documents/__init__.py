"""Uploaded documents: a subsystem that features plug into.

A feature with documents (the *owner*: transfers, PPDB applications, school imports, ...) adds a
``document_kinds.py`` to its own package and registers one ``kinds.DocumentKind``: its ref kind
(the ``transfer`` of ``transfer#<id>``, also the second part of every object key), slots,
formats (content type, sniff, whole-file inspector), size limit, how many per owner record, the
upload window, its own wording of rejections, an after-settle ``listener`` and the access
``guard`` (both as ``"package.module:function"``, imported only when called).

- ``service.upload_ticket`` / ``open_slot``: a presigned POST (files up to a few MiB);
  ``service.open_multipart`` / ``sign_parts`` / ``complete_multipart`` / ``abort_multipart``:
  presigned part URLs for large files (up to the kind's limit, e.g. 2 GiB).
- ``handlers``: S3 (quarantine/) -> SQS -> ``service.settle_upload`` judges the object by its
  owner's kind, then ``service.after_settle`` runs the owner's listener.
- ``service.list_visible`` / ``download_visible``: the one access guard (the owner's ``guard``
  decides; 404 otherwise).

Nothing in this package imports a feature; ``registry`` finds the owners' modules on disk on the
first lookup, so ``import app`` pays for none of them.
"""
