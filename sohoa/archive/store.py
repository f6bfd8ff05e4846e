"""The archive handle: where its files live and how to reach its database.

``SOHOA_HOME`` (or ``--home``) holds everything of the embedded default: ``archive.db``
(SQLite), ``originals/``, ``documents/`` (searchable PDFs), ``quarantine/``, ``index/`` and
``tmp/``. With ``--db-url`` the rows go to another database while files stay in the home.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from datetime import date, tzinfo
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sohoa import clock
from sohoa.errors import ArchiveError
from sohoa.i18n import _

from .db import _redact, create_archive_engine, migrate, session_factory
from .filestore import FileStore, open_store
from .identity import ensure_identity
from .settings import GROUP_MODE, TIME_ZONE, read_settings, write_setting
from .storage import FileModes
from .units import seed_default_units


def default_home() -> Path:
    """``SOHOA_HOME`` if set, else the platform's per-user data folder."""
    env = os.environ.get("SOHOA_HOME")
    return Path(env) if env else Path(user_data_dir("sohoa", appauthor=False))


def current_actor() -> str:
    """Who is acting, for the audit trail: ``SOHOA_USER`` or the login name."""
    try:
        return os.environ.get("SOHOA_USER") or getpass.getuser()
    except OSError:
        return "unknown"


@dataclass
class Archive:
    """An open archive: its home folder, database engine and session factory."""

    home: Path
    engine: Engine
    sessions: sessionmaker[Session]
    actor: str = field(default_factory=current_actor)
    archive_id: str = ""
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def tz(self) -> tzinfo:
        """The archive's one time zone: every "today", period and digitised date uses it."""
        return clock.zone(self.settings.get(TIME_ZONE))

    def today(self) -> date:
        """Today in the archive's time zone."""
        return clock.today(self.tz)

    @property
    def tmp_dir(self) -> Path:
        return self.home / "tmp"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    def path(self, relpath: str) -> Path:
        """Absolute path of a file stored under the home (rows keep relative paths).

        Only for what lives in the home folder by nature (index, tmp, quarantine) and the
        callers listed in ``filestore``'s module docstring; stored files go through ``files``.
        """
        return self.home / relpath

    @property
    def files(self) -> FileStore:
        """The store of originals, searchable PDFs and queued inputs, by key (``filestore``)."""
        return open_store(self.home, FileModes.from_setting(self.settings.get(GROUP_MODE)))

    def close(self) -> None:
        self.engine.dispose()


def open_archive(home: Path | None = None, db_url: str | None = None) -> Archive:
    """Open (creating if needed) the archive at ``home``, migrating its schema to the newest."""
    # Every writer of an archive must have the hooks that index a PostgreSQL-searched archive in the
    # document's own transaction, whichever front (CLI, web, worker, import) opened it.
    from . import indexing  # noqa: F401

    home = Path(home) if home else default_home()
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
        for sub in _TOP_FOLDERS:
            (home / sub).mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(
            _("không tạo được thư mục kho %(home)s (%(why)s): kiểm tra quyền và ổ đĩa")
            % {"home": home, "why": exc.strerror or exc}
        ) from exc
    if not os.access(home, os.R_OK | os.W_OK | os.X_OK):
        raise ArchiveError(
            _("tài khoản này không đọc/ghi được thư mục kho %(home)s: chạy lệnh bằng tài khoản sở hữu kho")
            % {"home": home}
        )
    url = db_url or os.environ.get("SOHOA_DB_URL") or f"sqlite:///{home / 'archive.db'}"
    engine = create_archive_engine(url)
    migrate(engine, lock_dir=home)
    sessions = session_factory(engine)
    for attempt in (1, 2):  # two commands creating one archive at once: the second adopts the first's id
        try:
            with sessions.begin() as session:
                archive_id = ensure_identity(home, session, _redact(url))
                settings = read_settings(session)
                if TIME_ZONE not in settings:
                    settings[TIME_ZONE] = os.environ.get("SOHOA_TZ") or clock.DEFAULT_TIME_ZONE
                    clock.zone(settings[TIME_ZONE])  # an unknown zone is refused before it is stored
                    write_setting(session, TIME_ZONE, settings[TIME_ZONE])
                seed_default_units(session)
            break
        except IntegrityError:
            if attempt == 2:
                raise
    _restrict_modes(home, FileModes.from_setting(settings.get(GROUP_MODE)))
    open_store(home)  # a storage setting this version cannot serve is refused before any work
    return Archive(home=home, engine=engine, sessions=sessions, archive_id=archive_id, settings=settings)


_TOP_FOLDERS = ("originals", "documents", "quarantine", "tmp")


def _restrict_modes(home: Path, modes: FileModes) -> None:
    """Keep the archive's top folders and database files owner-only (plus the group setting).

    Results hold names and ID numbers: an archive made by an older version, or a database file
    SQLite created under a lax umask, is tightened on the next open. Best effort: a folder the
    account does not own is left as it is (the access check above already refused what matters).
    """
    targets = [(home, modes.directory)] + [(home / sub, modes.directory) for sub in _TOP_FOLDERS]
    targets += [(home / f"archive.db{suffix}", modes.file) for suffix in ("", "-wal", "-shm")]
    for path, mode in targets:
        try:
            if path.exists() and path.stat().st_mode & 0o777 != mode:
                os.chmod(path, mode)
        except OSError:
            continue
