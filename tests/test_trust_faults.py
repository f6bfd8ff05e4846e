"""The fault suite: crash the storing path at each step, lose the database connection, fill the
disk, run overlapping ingests at once; then the same command must leave every file stored
exactly once, each stored file matching the checksum it was registered with, no temp file of
a dead run left, and ``sohoa index check`` clean.

Real ``sohoa`` processes, real Tesseract, SQLite and PostgreSQL. Crashes come from the
test-only hook ``SOHOA_FAULT=<step>`` (``sohoa/archive/faults.py``), which SIGKILLs the
process at that step; the connection loss from ``pg_terminate_backend`` on the ingest's own
connections; the full disk from a small tmpfs mounted for the archive folder (root here).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from sohoa.archive.faults import STEPS
from sohoa.archive.store import open_archive

from .conftest import SAMPLES

SOHOA = [sys.executable, "-m", "sohoa.cli"]
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
RESUME = "chạy lại đúng lệnh này"


def _inputs(folder: Path, names: list[str]) -> list[Path]:
    """Copies of small one-page samples (clean 300 dpi: cheap to OCR) in a scanner folder."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        target = folder / name
        shutil.copyfile(SAMPLES / name, target)
        os.utime(target, (time.time() - 60, time.time() - 60))  # written a minute ago: settled
        out.append(target)
    return out


SCANS = ["cv-0001.clean-300.png", "xn-0001.clean-300.png"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cmd(home: Path, db_url: str | None, *args: str) -> list[str]:
    return [*SOHOA, "--home", str(home), *(["--db-url", db_url] if db_url else []), *args]


def _ingest_args(folder: Path) -> tuple[str, ...]:
    return ("ingest", str(folder), "--unit", "khai quang", "--jobs", "2", "--json")


def _run_killed(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """Run until the process dies; then kill what is left of its group (its page workers), as a power cut."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True
    )
    try:
        proc.wait(timeout=300)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _engine(home: Path, db_url: str | None) -> Engine:
    return create_engine(db_url or f"sqlite:///{home / 'archive.db'}")


def check_archive(home: Path, db_url: str | None, inputs: list[Path]) -> dict[str, int]:
    """Every input stored exactly once, every stored file as registered, nothing else on disk.

    Stands in for ``sohoa verify`` (built elsewhere): re-hashes each file ``stored_files``
    names and compares the folders with the registry. Returns figures for the report.
    """
    engine = _engine(home, db_url)
    try:
        with engine.connect() as conn:
            originals = {
                sha: path for sha, path in conn.execute(text("select sha256, stored_path from originals"))
            }
            docs = conn.execute(text("select original_sha256, pdf_path from documents")).fetchall()
            registry = conn.execute(
                text("select path, role, sha256, size, document_id from stored_files")
            ).fetchall()
            stored_items = conn.execute(
                text("select count(*) from batch_items where status = 'stored'")
            ).scalar()
            pending_items = conn.execute(
                text("select count(*) from batch_items where status = 'pending'")
            ).scalar()
    finally:
        engine.dispose()
    wanted = {_sha(p) for p in inputs}
    assert set(originals) == wanted, "an input lost, or a stranger stored"
    assert sorted(sha for sha, _ in docs) == sorted(wanted), "a document lost or doubled"
    assert stored_items == len(wanted), "an input counted as stored twice"
    assert pending_items == 0
    paths = {path for path, *_ in registry}
    assert len(paths) == len(registry) == 2 * len(wanted)
    assert paths == set(originals.values()) | {pdf for _, pdf in docs}
    altered = [
        path
        for path, _role, sha, size, _doc in registry
        if _sha(home / path) != sha or (home / path).stat().st_size != size
    ]
    assert not altered, f"stored files not matching their checksums: {altered}"
    on_disk = {
        p.relative_to(home).as_posix()
        for sub in ("originals", "documents")
        for p in (home / sub).rglob("*")
        if p.is_file()
    }
    assert on_disk == paths, f"orphans {on_disk - paths}, missing {paths - on_disk}"
    leftovers = list((home / "tmp").iterdir())
    assert not leftovers, f"temp files of dead runs left: {leftovers}"
    return {"stored": len(wanted), "files_checked": len(registry)}


def _index_check(home: Path, db_url: str | None) -> None:
    """The clerk's own checks after a fault: ``index check`` and ``verify`` both clean."""
    done = subprocess.run(_cmd(home, db_url, "index", "check"), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    verify = subprocess.run(_cmd(home, db_url, "verify", "--json"), capture_output=True, timeout=300)
    assert verify.returncode == 0, verify.stdout.decode() + verify.stderr.decode()
    assert json.loads(verify.stdout)["findings"] == []


def _finish(home: Path, db_url: str | None, folder: Path) -> dict[str, object]:
    done = subprocess.run(_cmd(home, db_url, *_ingest_args(folder)), capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    result = json.loads(done.stdout)
    assert {item["status"] for item in result["items"]} <= {"stored", "duplicate"}
    return result


# -- kill -9 at each step ------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("db", DATABASES)
@pytest.mark.parametrize("step", STEPS)
def test_kill_at_each_step_then_the_same_command_stores_each_file_once(
    request: pytest.FixtureRequest, tmp_path: Path, step: str, db: str
) -> None:
    db_url = request.getfixturevalue("pg_url") if db == "postgresql" else None
    home = tmp_path / "home"
    folder = tmp_path / "may-quet"
    inputs = _inputs(folder, SCANS)
    cmd = _cmd(home, db_url, *_ingest_args(folder))
    killed = _run_killed(cmd, {**os.environ, "SOHOA_FAULT": step})
    assert killed.returncode == -signal.SIGKILL, f"the fault {step} was not reached: {killed.stderr.decode()}"
    _finish(home, db_url, folder)
    check_archive(home, db_url, inputs)
    _index_check(home, db_url)


# -- the database connection lost mid-batch ------------------------------------------------
@pytest.mark.slow
@pytest.mark.postgres
def test_connection_killed_mid_batch_then_same_command_completes(
    pg_url: str, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    app = f"sohoa_fault_{uuid.uuid4().hex[:8]}"
    db_url = f"{pg_url}&application_name={app}"
    home = tmp_path / "home"
    folder = tmp_path / "may-quet"
    inputs = _inputs(folder, [*SCANS, "hkd-0001.clean-300.png"])
    open_archive(home, db_url).close()
    admin = create_engine(pg_url)
    proc = subprocess.Popen(
        _cmd(home, db_url, "ingest", str(folder), "--unit", "khai quang", "--jobs", "1", "--json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    terminated = 0
    try:
        with admin.connect() as conn:
            deadline = time.monotonic() + 240
            while proc.poll() is None and time.monotonic() < deadline:  # wait for the first file stored
                if conn.execute(text("select count(*) from batch_items where status = 'stored'")).scalar():
                    break
                conn.commit()
                time.sleep(0.1)
            stop = time.monotonic() + 4
            while proc.poll() is None and time.monotonic() < stop:  # then cut its connections again and again
                terminated += len(
                    conn.execute(
                        text(
                            "select pg_terminate_backend(pid) from pg_stat_activity"
                            " where application_name = :a"
                        ),
                        {"a": app},
                    ).fetchall()
                )
                conn.commit()
                time.sleep(0.05)
        _out, err = proc.communicate(timeout=300)
    finally:
        admin.dispose()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert terminated > 0, "the ingest ended before its connection could be cut"
    record_property("first_run_exit", proc.returncode)  # 0: reconnected by itself; 6: stopped cleanly
    record_property("connections_cut", terminated)
    assert b"Traceback" not in err, err.decode()
    assert proc.returncode in (0, 6), err.decode()
    if proc.returncode == 6:
        assert RESUME in err.decode()
    _finish(home, db_url, folder)
    check_archive(home, db_url, inputs)
    _index_check(home, db_url)


# -- disk full -----------------------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A 4 MB tmpfs for the archive folder (root mounts it; the test fails loudly otherwise)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.fail(f"cannot mount a small filesystem for the disk-full test: {done.stderr.decode()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(mount: Path, leave_bytes: int) -> Path:
    """Fill the filesystem until ``leave_bytes`` remain free."""
    filler = mount / "filler"
    free = shutil.disk_usage(mount).free - leave_bytes
    with open(filler, "wb") as out:
        while free > 0:
            chunk = min(free, 1 << 20)
            try:
                out.write(b"\0" * chunk)
                out.flush()
            except OSError:
                break
            free -= chunk
    return filler


@pytest.mark.slow
@pytest.mark.parametrize("db", DATABASES)
@pytest.mark.parametrize("leave_kb", [64, 300])
def test_disk_full_fails_cleanly_and_the_same_command_completes(
    request: pytest.FixtureRequest, tmp_path: Path, small_disk: Path, db: str, leave_kb: int
) -> None:
    db_url = request.getfixturevalue("pg_url") if db == "postgresql" else None
    home = small_disk / "home"
    open_archive(home, db_url).close()
    folder = tmp_path / "may-quet"
    inputs = _inputs(folder, SCANS)
    filler = _fill(small_disk, leave_kb * 1024)
    cmd = _cmd(home, db_url, *_ingest_args(folder))
    full = subprocess.run(cmd, capture_output=True, timeout=300)
    message = full.stderr.decode()
    assert full.returncode == 6, message
    assert "Traceback" not in message
    assert "đầy" in message and RESUME in message, message  # says the disk is full, and what to do
    filler.unlink()
    _finish(home, db_url, folder)
    check_archive(home, db_url, inputs)
    _index_check(home, db_url)


# -- overlapping folders at once -----------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("db", DATABASES)
def test_two_ingests_of_overlapping_folders_at_once(
    request: pytest.FixtureRequest, tmp_path: Path, db: str
) -> None:
    db_url = request.getfixturevalue("pg_url") if db == "postgresql" else None
    home = tmp_path / "home"
    open_archive(home, db_url).close()
    shared = "cv-0001.clean-300.png"
    first = _inputs(tmp_path / "a", [shared, "xn-0001.clean-300.png"])
    second = _inputs(tmp_path / "b", [shared, "hkd-0001.clean-300.png"])
    procs = [
        subprocess.Popen(_cmd(home, db_url, *_ingest_args(f)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for f in (tmp_path / "a", tmp_path / "b")
    ]
    statuses: dict[str, list[str]] = {}
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err
        for item in json.loads(out)["items"]:
            statuses.setdefault(Path(item["path"]).name, []).append(item["status"])
    assert sorted(statuses[shared]) == ["duplicate", "stored"]
    check_archive(home, db_url, [*first, second[1]])
    _index_check(home, db_url)
