"""An archive folder and its database are one archive: a second database on a folder is refused.

Before the identity check, ingesting once with another ``--db-url`` swept the real archive's
originals and PDFs away (its rows pointed at nothing). Now the command stops with exit 6,
says which archive is which, and no file is touched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from sohoa.archive.identity import MARKER, folder_id
from sohoa.archive.store import open_archive

from .conftest import SAMPLES

SOHOA = [sys.executable, "-m", "sohoa.cli"]


def sohoa(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SOHOA, *args], capture_output=True, text=True, timeout=600)


def _files(home: Path) -> dict[str, bytes]:
    return {
        p.relative_to(home).as_posix(): p.read_bytes()
        for sub in ("originals", "documents")
        for p in sorted((home / sub).rglob("*"))
        if p.is_file()
    }


def test_new_archive_gets_one_id_in_folder_and_database(tmp_path: Path) -> None:
    archive = open_archive(tmp_path / "home")
    try:
        assert archive.archive_id and folder_id(archive.home) == archive.archive_id
        with archive.engine.connect() as conn:
            query = text("select value from archive_settings where key = 'archive_id'")
            stored = conn.execute(query).scalar()
        assert stored == archive.archive_id
        assert archive.settings["time_zone"] == "Asia/Ho_Chi_Minh"
    finally:
        archive.close()
    again = open_archive(tmp_path / "home")  # reopening keeps the same id
    assert again.archive_id == archive.archive_id
    again.close()


def test_second_database_on_a_folder_is_refused_and_nothing_is_deleted(tmp_path: Path, pg_url: str) -> None:
    home = tmp_path / "home"
    scan = sorted(SAMPLES.glob("*.clean-300.png"))[0]
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(scan, folder / scan.name)
    first = sohoa("--home", str(home), "ingest", str(folder), "--unit", "khai-quang", "--json")
    assert first.returncode == 0, first.stderr
    before = _files(home)
    assert any(name.startswith("originals/") for name in before)

    # the same folder with another database (a SOHOA_DB_URL set in one shell only)
    other = tmp_path / "in2"
    other.mkdir()
    shutil.copyfile(sorted(SAMPLES.glob("*.clean-300.png"))[1], other / "b.png")
    for db in (pg_url, f"sqlite:///{tmp_path / 'other.db'}"):
        run = sohoa("--home", str(home), "--db-url", db, "ingest", str(other), "--unit", "khai-quang")
        assert run.returncode == 6, run.stderr
        assert "Traceback" not in run.stderr
        assert "thuộc kho" in run.stderr  # says which archive the folder belongs to
        assert _files(home) == before  # not a byte removed or added

    # and the original pair still works
    listing = sohoa("--home", str(home), "list", "--json")
    assert listing.returncode == 0, listing.stderr
    assert len(json.loads(listing.stdout)) == 1


def test_database_of_one_archive_with_folder_of_another_is_refused(tmp_path: Path) -> None:
    a, b = open_archive(tmp_path / "a"), open_archive(tmp_path / "b")
    a.close()
    b.close()
    b_db = f"sqlite:///{tmp_path / 'b' / 'archive.db'}"
    run = sohoa("--home", str(tmp_path / "a"), "--db-url", b_db, "list")
    assert run.returncode == 6 and "Traceback" not in run.stderr
    assert b.archive_id in run.stderr and a.archive_id in run.stderr


def test_damaged_identity_file_is_an_archive_error(tmp_path: Path) -> None:
    archive = open_archive(tmp_path / "home")
    archive.close()
    (tmp_path / "home" / MARKER).write_text("{not json", encoding="utf-8")
    run = sohoa("--home", str(tmp_path / "home"), "list")
    assert run.returncode == 6 and "Traceback" not in run.stderr


def test_archive_folder_and_database_are_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)  # an older archive, made under a lax umask
    archive = open_archive(home)
    archive.close()
    for path, mode in [(home, 0o700), (home / "originals", 0o700), (home / "archive.db", 0o600)]:
        assert path.stat().st_mode & 0o777 == mode, path
