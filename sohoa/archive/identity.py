"""Which archive a folder and a database belong to, so one is never used with another's.

An archive is a pair: a folder (originals, PDFs, index) and a database (rows). Both carry
the same archive id, written when the archive is created: the folder in ``MARKER``, the
database in its settings. Pointing a second database at a folder (another ``--db-url``, a
``SOHOA_DB_URL`` set in one shell only, a database restored from another archive's backup)
is refused before anything reads or deletes a file: the command exits 6 and says which is
which.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sohoa.errors import IdentityError
from sohoa.i18n import _

from .models import Original
from .settings import ARCHIVE_ID, read_settings, write_setting

MARKER = "sohoa-archive.json"


def folder_id(home: Path) -> str | None:
    """The archive id written in the folder, or None for a folder that is no archive yet."""
    try:
        data = json.loads((home / MARKER).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise IdentityError(
            _("tệp nhận dạng kho %(file)s bị hỏng (%(why)s): khôi phục từ bản sao lưu")
            % {"file": home / MARKER, "why": exc}
        ) from exc
    value = data.get("archive_id") if isinstance(data, dict) else None
    return str(value) if value else None


def write_folder_id(home: Path, archive_id: str) -> None:
    """Write the folder's identity file (atomically, owner-only)."""
    tmp = home / f".{MARKER}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"archive_id": archive_id, "format": 1}, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, home / MARKER)


def ensure_identity(home: Path, session: Session, db_label: str) -> str:
    """Check that folder and database are one archive; give a new archive its id.

    * both carry ids: they must be equal;
    * neither does: a new archive, or one made before ids existed: both get a new id;
    * only the folder does: a database that is not this archive's (refused);
    * only the database does: refused unless it holds no file yet (a new folder for a
      database that has stored nothing).
    """
    in_folder = folder_id(home)
    in_db = read_settings(session).get(ARCHIVE_ID)
    if in_folder and in_db:
        if in_folder != in_db:
            raise IdentityError(
                _(
                    "thư mục kho %(home)s thuộc kho %(folder_id)s, còn cơ sở dữ liệu %(db)s thuộc kho "
                    "%(db_id)s: dùng đúng cặp --home/--db-url; không có gì bị thay đổi"
                )
                % {"home": home, "folder_id": in_folder, "db": db_label, "db_id": in_db}
            )
        return in_db
    if in_folder and not in_db:
        raise IdentityError(
            _(
                "thư mục kho %(home)s thuộc kho %(folder_id)s, nhưng cơ sở dữ liệu %(db)s không phải của kho "
                "này: kiểm tra --db-url / SOHOA_DB_URL; không có gì bị thay đổi"
            )
            % {"home": home, "folder_id": in_folder, "db": db_label}
        )
    if in_db and not in_folder:
        has_files = session.scalar(select(func.count()).select_from(Original)) or 0
        if has_files:
            raise IdentityError(
                _(
                    "cơ sở dữ liệu %(db)s là của kho %(db_id)s, nhưng thư mục %(home)s không phải thư mục "
                    "của kho đó: kiểm tra --home / SOHOA_HOME; không có gì bị thay đổi"
                )
                % {"db": db_label, "db_id": in_db, "home": home}
            )
        write_folder_id(home, in_db)
        return in_db
    new_id = str(uuid.uuid4())
    write_setting(session, ARCHIVE_ID, new_id)
    session.flush()
    write_folder_id(home, new_id)
    return new_id
