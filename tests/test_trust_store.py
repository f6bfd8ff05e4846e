"""Storing that can be trusted: the same bytes never crash, every stored file carries its own
checksum, cleanup never deletes what it cannot prove dead, and a scan still being written waits.

Real Tesseract, real files, SQLite and PostgreSQL; the multi-process cases run the ``sohoa``
command as separate processes, as two clerks (or a clerk and a cron job) would.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from sohoa.archive import storage
from sohoa.archive.models import BatchItem, Document, Original, StoredFile
from sohoa.archive.settings import GROUP_MODE, write_setting
from sohoa.archive.store import Archive, open_archive
from sohoa.ingest import IngestOptions, ingest

from .conftest import SAMPLES

SOHOA = [sys.executable, "-m", "sohoa.cli"]


def _clean(n: int) -> list[Path]:
    """The first ``n`` clean 300 dpi samples (one page each: cheap to OCR)."""
    scans = sorted(SAMPLES.glob("*.clean-300.png"))
    assert len(scans) >= n, "not enough committed samples"
    return scans[:n]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(home: Path, db_url: str | None, *args: str, **popen: object) -> subprocess.Popen[bytes]:
    cmd = [*SOHOA, "--home", str(home)]
    if db_url:
        cmd += ["--db-url", db_url]
    return subprocess.Popen(
        [*cmd, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,  # type: ignore[call-overload]
    )


def _db_url(request: pytest.FixtureRequest, which: str) -> str | None:
    return request.getfixturevalue("pg_url") if which == "postgresql" else None


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


# -- duplicates ----------------------------------------------------------------------------
def test_same_bytes_twice_in_one_folder_stored_once(archive: Archive, tmp_path: Path) -> None:
    """A re-scan saved twice in one folder: one stored, the other a duplicate of it, no crash."""
    folder = tmp_path / "may-quet"
    folder.mkdir()
    scan = _clean(1)[0]
    shutil.copyfile(scan, folder / "Nguyễn Văn A - lần 1.png")
    shutil.copyfile(scan, folder / "Nguyễn Văn A - lần 2.png")
    report = ingest(archive, [folder], IngestOptions(unit="khai-quang", jobs=2))
    statuses = sorted(item.status for item in report.items)
    assert statuses == ["duplicate", "stored"]
    stored = next(i for i in report.items if i.status == "stored")
    duplicate = next(i for i in report.items if i.status == "duplicate")
    assert duplicate.document_id == stored.document_id is not None
    assert report.exit_code == 0
    with archive.sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 1
        assert session.scalar(select(func.count(Original.sha256))) == 1
    assert len(list((archive.home / "originals").rglob("*.png"))) == 1


@pytest.mark.parametrize("db", DATABASES)
def test_two_processes_with_the_same_bytes_at_once(
    request: pytest.FixtureRequest, tmp_path: Path, db: str
) -> None:
    """Two clerks ingest folders holding the same scan at the same moment: one stored, one duplicate."""
    db_url = _db_url(request, db)
    home = tmp_path / "home"
    open_archive(home, db_url).close()  # created once, as a first command would
    scan = _clean(1)[0]
    folders = []
    for clerk in ("a", "b"):
        folder = tmp_path / f"clerk-{clerk}"
        folder.mkdir()
        shutil.copyfile(scan, folder / f"scan-{clerk}.png")
        folders.append(folder)
    procs = [
        _run(home, db_url, "ingest", str(folder), "--unit", "khai quang", "--jobs", "1", "--json")
        for folder in folders
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err
        results.append(json.loads(out)["items"][0])
    assert sorted(r["status"] for r in results) == ["duplicate", "stored"]
    assert results[0]["document_id"] == results[1]["document_id"] is not None
    archive = open_archive(home, db_url)
    try:
        with archive.sessions() as session:
            assert session.scalar(select(func.count(Document.id))) == 1
            assert session.scalar(select(func.count(StoredFile.id))) == 2  # its original and its PDF
    finally:
        archive.close()
    assert not any((home / "tmp").iterdir()), "the work folders are removed when a run ends"


@pytest.mark.parametrize("db", DATABASES)
def test_same_command_twice_at_once(request: pytest.FixtureRequest, tmp_path: Path, db: str) -> None:
    """A cron job and a clerk start the same command together: the second waits, then finds a duplicate."""
    db_url = _db_url(request, db)
    home = tmp_path / "home"
    open_archive(home, db_url).close()
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(_clean(1)[0], folder / "scan.png")
    args = ("ingest", str(folder), "--unit", "khai quang", "--jobs", "1", "--json")
    procs = [_run(home, db_url, *args), _run(home, db_url, *args)]
    statuses = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err
        statuses += [item["status"] for item in json.loads(out)["items"]]
    assert sorted(statuses) == ["duplicate", "stored"]


# -- content addressing and checksums ------------------------------------------------------
def test_stored_files_carry_their_own_checksums_and_modes(archive: Archive, tmp_path: Path) -> None:
    """The original is named by the hash of its bytes; each stored file is registered with its hash."""
    scan = tmp_path / "in.png"
    shutil.copyfile(_clean(1)[0], scan)
    report = ingest(archive, [scan], IngestOptions(unit="khai-quang", jobs=1))
    assert [i.status for i in report.items] == ["stored"]
    with archive.sessions() as session:
        rows = {row.role: row for row in session.scalars(select(StoredFile))}
        doc = session.scalar(select(Document))
        assert doc is not None
        original = doc.original
    assert set(rows) == {"original", "pdf"}
    for row in rows.values():
        on_disk = archive.path(row.path)
        assert _sha(on_disk) == row.sha256, row.path
        assert on_disk.stat().st_size == row.size
        assert row.original_sha256 == original.sha256
    assert rows["original"].path == original.stored_path
    assert Path(original.stored_path).stem == _sha(scan) == original.sha256
    assert rows["pdf"].path == doc.pdf_path and rows["pdf"].document_id == doc.id
    assert stat.S_IMODE(archive.path(original.stored_path).stat().st_mode) == 0o400
    assert stat.S_IMODE(archive.path(doc.pdf_path).stat().st_mode) == 0o600
    assert stat.S_IMODE(archive.path(original.stored_path).parent.stat().st_mode) == 0o700


def test_group_mode_setting_lets_the_group_read(tmp_path: Path) -> None:
    home = tmp_path / "home"
    archive = open_archive(home)
    with archive.sessions.begin() as session:
        write_setting(session, GROUP_MODE, "r")
    archive.close()
    archive = open_archive(home)
    try:
        scan = tmp_path / "in.png"
        shutil.copyfile(_clean(1)[0], scan)
        ingest(archive, [scan], IngestOptions(unit="khai-quang", jobs=1))
        with archive.sessions() as session:
            doc = session.scalar(select(Document))
            assert doc is not None
            original_path, pdf_path = archive.path(doc.original.stored_path), archive.path(doc.pdf_path)
    finally:
        archive.close()
    assert stat.S_IMODE(original_path.stat().st_mode) == 0o440
    assert stat.S_IMODE(pdf_path.stat().st_mode) == 0o640
    assert stat.S_IMODE(pdf_path.parent.stat().st_mode) == 0o750


def test_copy_source_reads_once_and_hashes_what_it_wrote(tmp_path: Path) -> None:
    work = storage.WorkDir(tmp_path / "tmp")
    try:
        copy = storage.copy_source(_clean(1)[0], work)
        assert copy.path.parent == work.path
        assert copy.sha256 == _sha(_clean(1)[0]) == _sha(copy.path)
        assert stat.S_IMODE(copy.path.stat().st_mode) == 0o600
    finally:
        work.close()
    assert not work.path.exists()


# -- cleanup -------------------------------------------------------------------------------
_HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)
"""


def test_cleanup_removes_only_dead_writers_temp_work_and_never_stored_files(tmp_path: Path) -> None:
    """Old files no row names in originals/ and documents/ stay (verify reports them); a live
    run's temp work stays whatever its age; a dead run's temp work goes."""
    home = tmp_path / "home"
    archive = open_archive(home)
    old = time.time() - 86400
    foreign = {
        home / "originals" / "ab" / ("ab" + "0" * 62 + ".png"): b"an original of another database",
        home / "documents" / "ab" / ("ab" + "0" * 62 + "-p1.pdf"): b"%PDF-1.4 another database's PDF",
    }
    for path, data in foreign.items():
        path.parent.mkdir(parents=True)
        path.write_bytes(data)
        os.utime(path, (old, old))
    # a run killed long ago: its work folder's lock is free
    dead = storage.WorkDir(archive.tmp_dir)
    (dead.path / "000001-source").write_bytes(b"half a scan")
    os.close(dead._fd)  # what the kernel does when the process dies
    # a long scan still running in another process: its spilled pages are a day old
    live = storage.WorkDir(archive.tmp_dir)
    spilled = live.path / "000002-page.pdf"
    spilled.write_bytes(b"%PDF page")
    os.utime(spilled, (old, old))
    os.close(live._fd)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(live.path / ".lock")], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
        scan = tmp_path / "in.png"
        shutil.copyfile(_clean(1)[0], scan)
        report = ingest(archive, [scan], IngestOptions(unit="khai-quang", jobs=1))
        assert [i.status for i in report.items] == ["stored"]
        assert spilled.exists(), "a live run's temp file was deleted"
        assert not dead.path.exists(), "a dead run's temp work was kept"
        for path, data in foreign.items():
            assert path.read_bytes() == data, "a stored file was deleted by cleanup"
    finally:
        holder.kill()
        holder.wait()
        archive.close()


def test_batch_lock_survives_a_sweep(tmp_path: Path) -> None:
    """A sweep removes a batch lock file a killed run left, never one a run holds."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    held, free = storage.BatchLock(tmp, "a" * 64), storage.BatchLock(tmp, "b" * 64)
    assert held.acquire(blocking=False) and free.acquire(blocking=False)
    assert free._fd is not None
    os.close(free._fd)  # killed: the kernel lets the lock go, the file stays
    free._fd = None
    assert not storage.BatchLock(tmp, "a" * 64).acquire(blocking=False)
    assert sorted(storage.sweep_tmp(tmp)) == [free.path.name]
    assert held.path.exists()
    other = os.open(held.path, os.O_RDWR)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(other)
        held.release()


# -- a scan still being written ------------------------------------------------------------
def test_a_scan_still_being_written_is_left_pending(
    sqlite_archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that keeps growing is not taken; the same command takes it once the scanner is done."""
    monkeypatch.setenv("SOHOA_SETTLE_SECONDS", "0.2")
    folder = tmp_path / "in"
    folder.mkdir()
    data = _clean(1)[0].read_bytes()
    target = folder / "đang-quét.png"
    target.write_bytes(data[: len(data) // 4])
    stop = threading.Event()

    def scanner() -> None:  # a slow network scanner: a few KB every 50 ms
        written = len(data) // 4
        with open(target, "ab") as out:
            while not stop.is_set() and written < len(data):
                out.write(data[written : written + 2048])
                out.flush()
                written += 2048
                time.sleep(0.05)

    writer = threading.Thread(target=scanner)
    writer.start()
    try:
        report = ingest(sqlite_archive, [folder], IngestOptions(unit="khai-quang", jobs=1))
    finally:
        stop.set()
        writer.join()
    assert [i.status for i in report.items] == ["pending"]
    assert "đang được ghi" in (report.items[0].error or "")
    assert report.exit_code == 3
    with sqlite_archive.sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 0
    target.write_bytes(data)  # the scanner finished
    os.utime(target, (time.time() - 5, time.time() - 5))
    again = ingest(sqlite_archive, [folder], IngestOptions(unit="khai-quang", jobs=1))
    assert again.batch_id == report.batch_id, "the same command resumed the batch"
    assert [i.status for i in again.items] == ["stored"]
    assert again.items[0].error is None
    with sqlite_archive.sessions() as session:
        original = session.scalar(select(Original))
        assert original is not None and original.sha256 == hashlib.sha256(data).hexdigest()
        items = session.scalars(select(BatchItem)).all()
        assert [i.status for i in items] == ["stored"]


def test_logs_name_items_not_files(tmp_path: Path) -> None:
    """Scan names carry citizens' names: the ingest logs say ``batch N item M`` instead."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(_clean(1)[0], folder / "Trần Thị Bích Ngọc.png")
    done = subprocess.run(
        [
            *SOHOA,
            "--home",
            str(tmp_path / "home"),
            "-vv",
            "ingest",
            str(folder),
            "--unit",
            "khai quang",
            "--json",
        ],
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "Bích Ngọc" not in done.stderr.decode()
    assert json.loads(done.stdout)["items"][0]["status"] == "stored"


def test_pg_rows_and_files_agree_after_duplicate_race(pg_url: str, tmp_path: Path) -> None:
    """The loser of a race leaves the winner's PDF untouched (its registered checksum still holds)."""
    home = tmp_path / "home"
    open_archive(home, pg_url).close()
    folders = []
    for clerk in ("a", "b", "c"):
        folder = tmp_path / clerk
        folder.mkdir()
        shutil.copyfile(_clean(1)[0], folder / f"{clerk}.png")
        folders.append(folder)
    procs = [_run(home, pg_url, "ingest", str(f), "--unit", "khai quang", "--jobs", "1") for f in folders]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("select path, sha256 from stored_files")).fetchall()
    finally:
        engine.dispose()
    assert len(rows) == 2
    for path, sha in rows:
        assert _sha(home / path) == sha


def test_a_database_failure_tells_what_to_do_and_never_the_sql() -> None:
    """Locked, full or lost: exit 6 with the remedy; the statement and its parameters stay out."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from sohoa.ingest import database_error

    for cause, words in (
        ("database is locked", "khóa"),
        ("database or disk is full", "đầy"),
        ("server closed the connection unexpectedly", "mất kết nối"),
    ):
        exc = OperationalError(
            "UPDATE pages SET text=?", ("Nguyễn Văn A 026090001234",), sqlite3.OperationalError(cause)
        )
        error = database_error(exc)
        assert error.exit_code == 6
        assert words in error.message and "chạy lại đúng lệnh này" in error.message
        assert "Nguyễn" not in error.message and "UPDATE" not in error.message
