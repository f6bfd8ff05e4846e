"""Errors a person can act on (issue 8, item 4): every user mistake exits 2 (or 7/8), a database
that cannot be used exits 6 with what to do, and no traceback, SQL or parameter reaches the terminal.

The walk runs ``sohoa.cli.main`` in-process on a real SQLite archive (fast: no interpreter start
per case); the database failures run the real command in a subprocess.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import click
import pytest
from sqlalchemy import create_engine, text

from sohoa.archive.store import open_archive
from sohoa.cli import cli, main

from .register_support import add_document, at

SOHOA = [sys.executable, "-m", "sohoa.cli"]
SECRET = "Nguyễn Thị Bí Mật"  # a name being written: it must never reach the terminal


def _walk(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and sub-command of ``group``, as the words typed to reach it."""
    out = []
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):  # the CLI loads its commands lazily
        command = group.get_command(ctx, name)
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out.extend(_walk(command, (*prefix, name)))
    return out


COMMANDS = _walk(cli)


def run_main(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> tuple[int, str, str]:
    """``sohoa --home HOME ARGS`` in-process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        main(["--home", str(home), *args])
    code = stop.value.code
    out, err = capsys.readouterr()
    return (code if isinstance(code, int) else 0 if code is None else 1), out, err


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive with one document (id 1) whose fields a clerk could edit; the cases only fail,
    so they share it."""
    home = tmp_path_factory.mktemp("walk") / "home"
    archive = open_archive(home)
    add_document(archive, "khai-quang", at(date(2024, 6, 10)), number="12/QĐ-UBND", issued=date(2024, 6, 10))
    archive.close()
    return home


def test_walk_covers_every_command() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {
        "ingest",
        "show",
        "list",
        "search",
        "edit",
        "report",
        "audit",
        "register import",
        "units add",
    } <= names


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_refuses_a_bad_option_with_exit_2(
    command: tuple[str, ...], home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run_main(capsys, home, *command, "--no-such-option")
    assert code == 2, err
    assert "Traceback" not in err and "No such option" in err


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_takes_verbose_after_its_name(
    command: tuple[str, ...], home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(capsys, home, *command, "-vv", "--help")
    assert code == 0, err
    assert "-v, --verbose" in out


# (arguments, exit code, words the message must contain)
BAD_ARGUMENTS: list[tuple[tuple[str, ...], int, str]] = [
    (("ingest", "missing-folder", "--unit", "khai-quang"), 2, "does not exist"),
    (("ingest", "."), 2, "--unit"),
    (("ingest", ".", "--unit", "khai-quang", "--jobs", "0"), 2, "--jobs"),
    (("ingest", ".", "--unit", "Phường Không Có"), 8, "không có đơn vị"),
    (("show", "abc"), 2, "is not a valid integer"),
    (("show", "999"), 7, "không có văn bản số 999"),
    (("list", "--limit", "0"), 2, "--limit"),
    (("list", "--unit", "nowhere at all"), 8, "không có đơn vị"),
    (("search", "x", "--from", "31/02/2024"), 2, "--from"),
    (("search", "x", "--sort", "size"), 2, "--sort"),
    (("search", "x", "--unit", "nowhere at all"), 8, "không có đơn vị"),
    (("review", "--threshold", "2"), 2, "--threshold"),
    (("edit", "1", "--set", "issued_date=31/02/2024"), 2, "không phải ngày"),
    (("edit", "999", "--set", "issued_date=31/02/2024"), 2, "không phải ngày"),
    (("edit", "1", "--set", "colour=red"), 2, "không có trường 'colour'"),
    (("edit", "1", "--set", "number"), 2, "FIELD=VALUE"),
    (("edit", "999", "--set", "number=1/QĐ"), 7, "không có văn bản số 999"),
    (("reextract", "--unit", "nowhere at all"), 8, "không có đơn vị"),
    (("units", "add", "BAD CODE", "Tên"), 2, "chữ thường"),
    (("units", "add", "khai-quang", "Phường Mới"), 2, "đã dùng cho"),
    (("units", "add", "qlda", "Tên", "--kind", "planet"), 2, "--kind"),
    (("units", "rename", "nowhere at all", "Tên"), 8, "không có đơn vị"),
    (("register", "import", "no-such.csv"), 2, "does not exist"),
    (("register", "link", "1", "no-such-row"), 7, "không có dòng sổ"),
    (("register", "link", "999", "1"), 7, "không có văn bản số 999"),
    (("register", "match", "--unit", "nowhere at all"), 8, "không có đơn vị"),
    (("register", "unmatched", "--limit", "0"), 2, "--limit"),
    (
        ("register", "baseline", "khai-quang", "--date", "01/06/2024", "--deadline", "01/01/2024"),
        2,
        "ngày mốc",
    ),
    (("register", "baseline", "khai-quang", "--target", "0"), 2, "--target"),
    (("register", "baseline", "khai-quang", "--date", "30/02/2024"), 2, "không phải ngày có thật"),
    (("report", "--period", "2024-13"), 2, "không có tháng 13"),
    (("report", "--period", "last year"), 2, "không phải kỳ"),
    (("report", "--period", "2024-06-30..2024-01-01"), 2, "kết thúc trước"),
    (("report", "--format", "xlsx"), 2, "--out"),
    (("report", "--as-of", "32/01/2024"), 2, "--as-of"),
    (("report", "--unit", "nowhere at all"), 8, "không có đơn vị"),
    (("audit", "--from", "31/02/2024"), 2, "--from"),
    (("audit", "--from", "02/02/2024", "--to", "01/02/2024"), 2, "--to"),
    (("audit", "--document", "0"), 2, "--document"),
    (("index", "check", "--json", "extra"), 2, "unexpected extra argument"),
]


@pytest.mark.parametrize(
    "args,expected,words", BAD_ARGUMENTS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else None
)
def test_bad_arguments_have_their_documented_code(
    args: tuple[str, ...],
    expected: int,
    words: str,
    home: Path,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # relative paths in the cases resolve in an empty folder; restored afterwards, so later tests'
    # subprocesses still import this checkout's sohoa
    monkeypatch.chdir(tmp_path)
    code, _out, err = run_main(capsys, home, *args)
    assert code == expected, err
    assert words in err
    assert "Traceback" not in err


def test_bad_map_is_a_usage_error(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    register = tmp_path / "so.csv"
    register.write_text("Mã hồ sơ,Ngày ban hành\nX-1,01/02/2024\n", encoding="utf-8")
    for mapping, words in (("Số GCN", "phải có dạng"), ("Số GCN=màu sắc", "không có cột")):
        code, _out, err = run_main(capsys, home, "register", "import", str(register), "--map", mapping)
        assert code == 2 and words in err and "Traceback" not in err


def test_unexpected_failure_is_one_line_without_traceback(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug is exit 1 and one line saying to run again with -vv, which shows the traceback."""

    @click.command("explode")
    def explode() -> None:
        """A command with a bug."""
        raise ValueError(f"secret page text: {SECRET}")

    cli.add_command(explode)
    try:
        code, _out, err = run_main(capsys, home, "explode")
        assert code == 1
        assert err.count("\n") == 1 and "lỗi nội bộ" in err and "-vv" in err
        assert "Traceback" not in err and SECRET not in err
        code, _out, err = run_main(capsys, home, "-vv", "explode")
        assert code == 1 and "Traceback" in err
    finally:
        del cli.commands["explode"]


def test_damaged_schema_is_a_database_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A database refusing a query (a column removed by hand) is exit 6, one line, no SQL."""
    home = tmp_path / "home"
    open_archive(home).close()
    engine = create_engine(f"sqlite:///{home / 'archive.db'}")
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE documents RENAME COLUMN page_count TO pages_gone"))
    engine.dispose()
    code, _out, err = run_main(capsys, home, "list")
    assert code == 6  # a driver error: the database refused the work
    assert "Traceback" not in err and "SELECT" not in err and "page_count" not in err
    assert len(err.strip().splitlines()) == 1
    code, _out, err = run_main(capsys, home, "list", "-vv")
    assert code == 6 and "Traceback" in err  # details only when asked for


def _sohoa(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SOHOA, "--home", str(home), *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_unreachable_database_exits_6_with_what_to_do(tmp_path: Path) -> None:
    run = _sohoa(tmp_path / "h", "--db-url", "postgresql+psycopg://nobody@127.0.0.1:1/x", "list")
    assert run.returncode == 6, run.stderr
    assert "Traceback" not in run.stderr
    assert "không kết nối được cơ sở dữ liệu" in run.stderr and "127.0.0.1:1" in run.stderr
    assert run.stdout == ""


def test_verbose_after_the_subcommand(tmp_path: Path) -> None:
    run = _sohoa(tmp_path / "h", "list", "-vv", "--json")
    assert run.returncode == 0, run.stderr
    assert "DEBUG" in run.stderr  # -vv after the command reached the log level
    run = _sohoa(tmp_path / "h", "--db-url", "postgresql+psycopg://nobody@127.0.0.1:1/x", "list", "-vv")
    assert run.returncode == 6 and "Traceback" in run.stderr  # and the details of errors


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_database_error_never_shows_sql_parameters(
    db: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """The database refuses an edit (a trigger stands in for a full disk or a lost server):
    exit 6, and the name being written appears nowhere on the terminal."""
    url = request.getfixturevalue("pg_url") if db == "postgresql" else None
    home = tmp_path / "home"
    archive = open_archive(home, url)
    doc_id = add_document(archive, "khai-quang", at(date(2024, 6, 10)), number="12/QĐ-UBND")
    with archive.engine.begin() as conn:
        if db == "sqlite":
            conn.execute(
                text("CREATE TRIGGER refuse BEFORE UPDATE ON documents BEGIN SELECT RAISE(ABORT, 'no'); END")
            )
        else:
            conn.execute(
                text("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'no'; END $$ "
                     "LANGUAGE plpgsql")
            )  # fmt: skip
            conn.execute(
                text(
                    "CREATE TRIGGER refuse BEFORE UPDATE ON documents FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )
    archive.close()
    args = ["--db-url", url] if url else []
    run = _sohoa(home, *args, "edit", str(doc_id), "--set", f"subject_names={SECRET}")
    assert run.returncode == 6, run.stderr
    assert SECRET not in run.stderr and SECRET not in run.stdout
    assert "Traceback" not in run.stderr and "UPDATE" not in run.stderr and "parameters" not in run.stderr
    assert "cơ sở dữ liệu" in run.stderr


def test_names_print_as_typed_never_as_markup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A name with brackets (as scan file names and OCR'd fields have) is printed, not interpreted."""
    home = tmp_path / "home"
    for name in ("Tổ [b]1[/b]", "Tổ [/]"):  # short: the table must not wrap them
        code, _out, err = run_main(capsys, home, "units", "add", f"u{len(name)}", name)
        assert code == 0, err
    code, out, err = run_main(capsys, home, "units", "list")
    assert code == 0 and "Traceback" not in err
    flat = " ".join(out.split())
    assert "Tổ [b]1[/b]" in flat and "Tổ [/]" in flat


def test_database_failures_are_told_apart_by_their_codes(tmp_path: Path) -> None:
    """Real driver failures, classified without reading their text: locked, full, unreachable."""
    import errno
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from sohoa.errors import database_error, database_failure_kind

    path = tmp_path / "x.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (v TEXT)")
    holder.execute("BEGIN IMMEDIATE")
    other = sqlite3.connect(path, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute(f"INSERT INTO t VALUES ('{SECRET}')")
    holder.execute("ROLLBACK")
    assert database_failure_kind(locked.value) == "locked"

    other.execute("PRAGMA max_page_count = 2")
    with pytest.raises(sqlite3.OperationalError) as full:
        for _ in range(1000):
            other.execute("INSERT INTO t VALUES (?)", (SECRET * 50,))
    assert database_failure_kind(full.value) == "full"
    assert database_failure_kind(OSError(errno.ENOSPC, "No space left on device")) == "full"

    engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/x")
    with pytest.raises(OperationalError) as unreachable:
        engine.connect()
    error = database_error(unreachable.value, "postgresql+psycopg://nobody@127.0.0.1:1/x")
    assert error.kind == "unreachable" and error.exit_code == 6
    assert "Connection refused" not in error.message  # the driver's text is never repeated


@pytest.mark.postgres
def test_a_connection_lost_mid_work_says_run_again(pg_url: str) -> None:
    from sqlalchemy.exc import DBAPIError

    from sohoa.errors import database_error

    engine = create_engine(pg_url)
    victim = engine.connect()
    pid = victim.execute(text("SELECT pg_backend_pid()")).scalar()
    victim.commit()
    with engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        admin.commit()
    with pytest.raises(DBAPIError) as lost:
        victim.execute(text("SELECT :name"), {"name": SECRET})
    error = database_error(lost.value)
    assert error.kind == "lost" and "chạy lại đúng lệnh này" in error.message
    assert SECRET not in error.message
    victim.close()
    engine.dispose()
