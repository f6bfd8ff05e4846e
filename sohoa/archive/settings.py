"""The archive's settings, kept in its database: chosen once when the archive is created.

Keys: ``archive_id`` (also written in the folder, see ``identity``), ``time_zone``,
``group_mode`` (the permission bits a group gets on the archive's files, ``none`` by default),
``search_backend``. Values are text.
"""

from __future__ import annotations

from datetime import tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ArchiveSetting

ARCHIVE_ID = "archive_id"
TIME_ZONE = "time_zone"
GROUP_MODE = "group_mode"
SEARCH_BACKEND = "search_backend"


def read_settings(session: Session) -> dict[str, str]:
    """All settings as a dict."""
    return {row.key: row.value for row in session.scalars(select(ArchiveSetting))}


def write_setting(session: Session, key: str, value: str) -> None:
    """Set one setting (the caller commits).

    An upsert, not read-then-insert: two processes opening a fresh archive at once (two ingests
    started together) both find a setting missing and both write it; the second must update,
    not fail on the key with "UNIQUE constraint failed" and exit 6.
    """
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    upsert = insert(ArchiveSetting).values(key=key, value=value)
    upsert = upsert.on_conflict_do_update(index_elements=[ArchiveSetting.key], set_={"value": value})
    session.execute(upsert, execution_options={"synchronize_session": False})
    loaded = session.identity_map.get(session.identity_key(ArchiveSetting, key))
    if loaded is not None:  # a row this session read before sees the new value too
        session.refresh(loaded)


def archive_zone(session: Session) -> tzinfo:
    """The archive's time zone as stored in its settings (``SOHOA_TZ`` or Vietnam's before it is set).

    For library functions that get a session rather than the ``Archive`` (whose ``tz`` is the same).
    """
    from sohoa import clock

    return clock.zone(read_settings(session).get(TIME_ZONE))
