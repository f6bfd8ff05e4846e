"""Fixity: the checksum every stored file must keep, and the history of checking it.

Each file the archive stores (an original, a searchable PDF) is registered in
``stored_files`` with the SHA-256 of the bytes that were written, in the same transaction as
the document's rows. ``sohoa verify`` re-hashes them later and records each run.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import StoredFile


def record_stored_file(
    session: Session,
    *,
    path: str,
    role: str,
    sha256: str,
    size: int,
    original_sha256: str | None = None,
    document_id: int | None = None,
) -> StoredFile:
    """Register (or re-register) a stored file with the checksum of the bytes written.

    ``path`` is relative to the archive home; ``role`` is ``original`` or ``pdf``. The caller
    commits, so the registry never names a file whose document rows did not commit.
    """
    row = session.scalar(select(StoredFile).where(StoredFile.path == path))
    if row is None:
        row = StoredFile(path=path, role=role)
        session.add(row)
    row.sha256, row.size = sha256, size
    row.original_sha256, row.document_id = original_sha256, document_id
    return row
