"""A kill or Ctrl-C at any moment leaves a consistent archive, and the same command finishes the batch."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import SAMPLES

SOHOA = [sys.executable, "-m", "sohoa.cli"]


def _scan_folder(tmp_path: Path, count: int) -> Path:
    folder = tmp_path / "scanner-out"
    folder.mkdir()
    scans = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".png", ".jpg") and p.is_file())
    assert len(scans) >= count, "not enough committed samples"
    for scan in scans[:count]:
        shutil.copyfile(scan, folder / scan.name)
    return folder


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stored_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("select count(*) from batch_items where status != 'pending'").fetchone()[0]
    except sqlite3.Error:
        return 0


def _consistency(home: Path) -> dict[str, int]:
    """No row without its files, no file without its row, no leftover temp file."""
    with sqlite3.connect(home / "archive.db") as conn:
        referenced = {r[0] for r in conn.execute("select stored_path from originals")}
        referenced |= {r[0] for r in conn.execute("select pdf_path from documents")}
        docs = conn.execute("select count(*) from documents").fetchone()[0]
        dup_originals = conn.execute(
            "select count(*) from (select original_sha256, page_from from documents"
            " group by 1, 2 having count(*) > 1)"
        ).fetchone()[0]
    on_disk = {
        p.relative_to(home).as_posix()
        for sub in ("originals", "documents")
        for p in (home / sub).rglob("*")
        if p.is_file()
    }
    assert referenced <= on_disk, f"rows without files: {referenced - on_disk}"
    assert dup_originals == 0
    return {
        "docs": docs,
        "orphans": len(on_disk - referenced),
        "tmp": sum(1 for _ in (home / "tmp").glob("*")),
    }


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_interrupt_then_same_command_finishes_batch(tmp_path: Path, sig: signal.Signals) -> None:
    folder = _scan_folder(tmp_path, 6)
    home = tmp_path / "home"
    cmd = [
        *SOHOA,
        "--home",
        str(home),
        "ingest",
        str(folder),
        "--unit",
        "khai quang",
        "--jobs",
        "2",
        "--json",
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        # Ctrl-C as at a terminal, even when the suite itself runs as a background job of a script (bash
        # starts those with SIGINT ignored, and an ignored signal stays ignored across exec)
        preexec_fn=_default_sigint,
    )
    deadline = time.monotonic() + 240
    while _stored_count(home / "archive.db") < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, "the batch ended before it could be interrupted"
    if sig == signal.SIGKILL:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole process group: a power cut
    else:
        proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    if sig == signal.SIGINT:
        assert proc.returncode == 130, err.decode()
        assert "Chạy lại đúng lệnh này".encode() in err
    state = _consistency(home)
    assert 1 <= state["docs"] < 6

    done = subprocess.run(cmd, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert sorted(i["status"] for i in result["items"]) == ["stored"] * 6
    with sqlite3.connect(home / "archive.db") as conn:
        batches = conn.execute("select id, status from batches").fetchall()
    assert batches == [(result["batch"], "finished")], "the second run resumed the same batch"
    final = _consistency(home)
    assert final == {"docs": 6, "orphans": 0, "tmp": 0}
