"""Opening the archive's database: engine, SQLite pragmas, migrations, sessions.

SQLite is the embedded default (one file in ``SOHOA_HOME``); any SQLAlchemy URL works, and
the tests run on PostgreSQL too. The schema is owned by Alembic migrations, applied on open
under a lock so two commands started at once on a fresh archive do not race.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from sohoa.errors import ArchiveError, database_error
from sohoa.i18n import _

MIGRATIONS = Path(__file__).parent / "migrations"
#: The newest migration's revision. An archive already there is opened without loading Alembic
#: and its scripts (a quarter of a second on every command); ``test_archive_migrations`` checks
#: this against Alembic's own reading of ``migrations/``, so a new migration cannot be missed.
HEAD_REVISION = "0011"
_PG_MIGRATION_LOCK = 0x50A0A  # any constant: serialises migrations across processes


def create_archive_engine(url: str) -> Engine:
    """An engine tuned for a batch writer next to readers.

    SQLite gets WAL (readers never block the writer), a long busy timeout (two ingests at
    once wait instead of failing), foreign keys, and ``synchronous=FULL`` so a power cut
    never loses a committed document.
    """
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 60})

            @event.listens_for(engine, "connect")
            def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=60000")
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA synchronous=FULL")
                cur.close()

        else:
            engine = create_engine(url, pool_pre_ping=True)
    except ImportError as exc:
        raise ArchiveError(
            _("không dùng được địa chỉ CSDL %(url)s: chưa cài trình điều khiển của nó (%(name)s)")
            % {"url": _redact(url), "name": exc.name}
        ) from exc
    except (SQLAlchemyError, ValueError) as exc:  # the message may quote the URL, password included
        raise ArchiveError(
            _(
                "không dùng được địa chỉ CSDL %(url)s (%(kind)s): viết như "
                "postgresql+psycopg://user@host/database hoặc sqlite:////path/archive.db"
            )
            % {"url": _redact(url), "kind": type(exc).__name__}
        ) from exc
    return engine


def _redact(url: str) -> str:
    """Hide a password in a URL before it reaches a message or a log."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}"
    return url


@contextmanager
def _migration_lock(engine: Engine, lock_dir: Path | None) -> Iterator[None]:
    """Serialise schema upgrades: a file lock for SQLite, an advisory lock for PostgreSQL."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                conn.commit()
    elif lock_dir is not None:
        lock_dir.mkdir(parents=True, exist_ok=True)
        with open(lock_dir / ".migrate.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        yield


def migrate(engine: Engine, lock_dir: Path | None = None, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the newest by default; a no-op when it is there already).

    On SQLite, altering a table means copying it, which foreign keys pointing at it would
    refuse: as SQLite advises, they are switched off for the upgrade and checked after it.
    """
    if revision == "head" and _at_revision(engine, HEAD_REVISION):
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    try:
        with _migration_lock(engine, lock_dir), engine.connect() as conn:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.commit()
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
            if sqlite:
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
                if broken:
                    raise ArchiveError(
                        _("nâng cấp lược đồ để lại %(n)s tham chiếu hỏng: khôi phục từ bản sao lưu")
                        % {"n": len(broken)}
                    )
    except DBAPIError as exc:  # its text quotes SQL and parameters: described by its codes only
        raise database_error(exc, engine.url.render_as_string(hide_password=True)) from exc
    except SQLAlchemyError as exc:
        raise ArchiveError(
            _("không chuẩn bị được cơ sở dữ liệu của kho (%(kind)s)") % {"kind": type(exc).__name__}
        ) from exc


def _at_revision(engine: Engine, revision: str) -> bool:
    """True when the database's schema is at ``revision`` (a fresh database has no version)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).fetchall()
    except SQLAlchemyError:  # no version table yet: the migrations create it
        return False
    return [row[0] for row in rows] == [revision]


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (the CLI prints them)."""
    return sessionmaker(engine, expire_on_commit=False)
