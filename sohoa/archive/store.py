"""The archive handle: where its files live and how to reach its database.

``SOHOA_HOME`` (or ``--home``) holds everything of the embedded default: ``archive.db``
(SQLite), ``originals/``, ``documents/`` (searchable PDFs), ``quarantine/``, ``index/`` and
``tmp/``. With ``--db-url`` the rows go to another database while files stay in the home.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from sohoa.errors import ArchiveError

from .db import create_archive_engine, migrate, session_factory
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
        """Absolute path of a file stored under the home (rows keep relative paths)."""
        return self.home / relpath

    def close(self) -> None:
        self.engine.dispose()


def open_archive(home: Path | None = None, db_url: str | None = None) -> Archive:
    """Open (creating if needed) the archive at ``home``, migrating its schema to the newest."""
    home = Path(home) if home else default_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
        for sub in ("originals", "documents", "quarantine", "tmp"):
            (home / sub).mkdir(exist_ok=True)
    except OSError as exc:
        raise ArchiveError(f"cannot create the archive folder {home}: {exc.strerror or exc}") from exc
    url = db_url or os.environ.get("SOHOA_DB_URL") or f"sqlite:///{home / 'archive.db'}"
    engine = create_archive_engine(url)
    migrate(engine, lock_dir=home)
    sessions = session_factory(engine)
    with sessions.begin() as session:
        seed_default_units(session)
    return Archive(home=home, engine=engine, sessions=sessions)
