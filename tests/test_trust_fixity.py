"""``sohoa verify``: every stored file keeps its checksum, and anything else is reported.

Archives are real folders with real files on SQLite and PostgreSQL; one test stores a real
scan through ``sohoa ingest`` (Tesseract) and tampers with it the way a person with shell
access would.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from sqlalchemy import select

from sohoa.archive import fixity
from sohoa.archive.models import AuditEvent, Document, FixityRun, StoredFile

from .conftest import SAMPLES, add_stored_document, run_sohoa


def _tamper(path: Path) -> None:
    """What a person with shell access does: make it writable, change one byte."""
    path.chmod(path.stat().st_mode | 0o200)
    data = bytearray(path.read_bytes())
    data[10] ^= 0xFF
    path.write_bytes(bytes(data))


def _doc_files(archive, doc_id: int) -> tuple[str, str]:
    with archive.sessions() as session:
        doc = session.get(Document, doc_id)
        return doc.original.stored_path, doc.pdf_path


def test_clean_archive_then_altered_missing_and_orphan_files_are_reported(archive) -> None:
    first, second = add_stored_document(archive, 1), add_stored_document(archive, 2, unit="tich-son")
    total = sum(archive.path(p).stat().st_size for d in (first, second) for p in _doc_files(archive, d))

    clean = run_sohoa(archive, "verify", "--json")
    assert clean.returncode == 0, clean.stderr
    assert json.loads(clean.stdout) == {"checked": 4, "bytes": total, "findings": []}

    original, _ = _doc_files(archive, first)
    _, pdf = _doc_files(archive, second)
    _tamper(archive.path(original))
    archive.path(pdf).unlink()
    (archive.home / "documents" / "lạc-chỗ.pdf").write_bytes(b"stray")

    found = run_sohoa(archive, "verify", "--json")
    assert found.returncode == 3, found.stderr
    out = json.loads(found.stdout)
    assert set(out) == {"checked", "bytes", "findings"} and out["checked"] == 4
    assert sorted(out["findings"], key=lambda f: f["kind"]) == [
        {"kind": "altered", "document_id": first, "path": original},
        {"kind": "missing", "document_id": second, "path": pdf},
        {"kind": "orphan", "document_id": None, "path": "documents/lạc-chỗ.pdf"},
    ]
    with archive.sessions() as session:
        results = dict(session.execute(select(StoredFile.path, StoredFile.last_result)).all())
        run = session.scalars(select(FixityRun).order_by(FixityRun.id.desc())).first()
    assert results[original] == "altered" and results[pdf] == "missing"
    assert (run.checked, run.missing, run.altered, run.orphan) == (4, 1, 1, 1)
    assert run.finished_at is not None and run.actor == archive.actor


def test_a_real_ingested_scan_tampered_with_is_reported_with_its_document(tmp_path: Path) -> None:
    home, folder = tmp_path / "home", tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(SAMPLES / "xn-0001.clean-300.png", folder / "xn-0001.png")
    ingest = run_sohoa(home, "ingest", str(folder), "--unit", "khai quang", "--json")
    assert ingest.returncode == 0, ingest.stderr
    doc_id = json.loads(ingest.stdout)["items"][0]["document_id"]
    assert run_sohoa(home, "verify").returncode == 0

    [stored] = list((home / "originals").rglob("*.png"))
    assert stored.stat().st_mode & 0o222 == 0  # read-only: tampering takes a deliberate chmod
    _tamper(stored)
    human = run_sohoa(home, "verify")
    assert human.returncode == 3
    assert "1 bị sửa" in human.stdout and str(doc_id) in human.stdout
    out = json.loads(run_sohoa(home, "verify", "--json").stdout)
    assert out["findings"] == [
        {"kind": "altered", "document_id": doc_id, "path": stored.relative_to(home).as_posix()}
    ]


def test_an_archive_from_before_the_registry_is_registered_and_checked(archive) -> None:
    doc_id = add_stored_document(archive, 3, register=False)
    original, pdf = _doc_files(archive, doc_id)

    result = fixity.verify(archive)
    assert result.ok and result.checked == 2
    with archive.sessions() as session:
        rows = {r.path: r for r in session.scalars(select(StoredFile))}
    assert set(rows) == {original, pdf}
    assert rows[original].sha256 == original.rsplit("/", 1)[1].split(".")[0]  # the name is its hash
    assert rows[pdf].sha256 == fixity.hash_file(archive.path(pdf))[0]  # recorded on first check
    assert all(r.document_id == doc_id and r.last_result == "ok" for r in rows.values())

    _tamper(archive.path(pdf))
    after = fixity.verify(archive)
    assert [(f.kind, f.document_id, f.path) for f in after.findings] == [("altered", doc_id, pdf)]


def test_sample_checks_the_least_recently_checked_files_first(archive) -> None:
    for n in range(4):
        add_stored_document(archive, 10 + n)
    with archive.sessions() as session:
        ids = list(session.scalars(select(StoredFile.id).order_by(StoredFile.id)))
    seen: list[list[int]] = []
    for _ in range(4):
        before = _checked_at(archive)
        assert fixity.verify(archive, sample=25).checked == 2  # 25 % of 8 files
        after = _checked_at(archive)
        seen.append(sorted(i for i in ids if after[i] != before[i]))
    # never at random: the never-checked files in id order, then round again
    assert seen == [ids[0:2], ids[2:4], ids[4:6], ids[6:8]]
    again = _checked_at(archive)
    fixity.verify(archive, sample=10)
    assert [i for i in ids if _checked_at(archive)[i] != again[i]] == [ids[0]]


def _checked_at(archive) -> dict[int, object]:
    with archive.sessions() as session:
        return dict(session.execute(select(StoredFile.id, StoredFile.last_checked_at)).all())


def test_unit_limits_the_check_to_that_units_files(archive) -> None:
    ours, theirs = add_stored_document(archive, 20), add_stored_document(archive, 21, unit="tich-son")
    _tamper(archive.path(_doc_files(archive, theirs)[0]))
    (archive.home / "originals" / "stray.bin").write_bytes(b"x")

    mine = run_sohoa(archive, "verify", "--unit", "Phường Khai Quang", "--json")
    assert mine.returncode == 0, mine.stderr
    assert json.loads(mine.stdout)["checked"] == 2  # its original and PDF; orphans belong to no unit
    other = json.loads(run_sohoa(archive, "verify", "--unit", "tích sơn", "--json").stdout)
    assert [(f["kind"], f["document_id"]) for f in other["findings"]] == [("altered", theirs)]
    # the city holds every ward
    assert fixity.verify(archive, unit="vinh-yen").checked == 4
    assert ours != theirs


def test_history_lists_each_run(archive) -> None:
    add_stored_document(archive, 30)
    fixity.verify(archive)
    fixity.verify(archive, sample=50)
    shown = run_sohoa(archive, "verify", "--history", "--json")
    assert shown.returncode == 0, shown.stderr
    runs = json.loads(shown.stdout)
    assert [r["checked"] for r in runs] == [1, 2]  # newest first
    assert runs[0]["scope"]["sample"] == 50 and runs[1]["scope"]["sample"] is None
    assert all(r["finished_at"] and r["actor"] for r in runs)
    human = run_sohoa(archive, "verify", "history")
    assert human.returncode == 0 and "Lịch sử kiểm tra" in human.stdout


def test_file_names_are_printed_as_they_are_not_as_markup(sqlite_archive) -> None:
    add_stored_document(sqlite_archive, 40)
    (sqlite_archive.home / "documents" / "[bold red]Nguyễn Văn A.pdf").write_bytes(b"stray")
    human = run_sohoa(sqlite_archive.home, "verify")
    assert human.returncode == 3 and "Traceback" not in human.stderr
    assert "[bold red]Nguyễn Văn A.pdf" in human.stdout


def test_a_replaced_derivative_is_not_reported_as_tampering(archive, tmp_path: Path) -> None:
    doc_id = add_stored_document(archive, 50)
    _, old_pdf = _doc_files(archive, doc_id)
    converted = tmp_path / "pdfa.pdf"
    converted.write_bytes(b"%PDF-1.7\n% PDF/A-2b conversion\n%%EOF\n")

    with archive.sessions.begin() as session:
        row = fixity.replace_derivative(archive, session, doc_id, converted, "chuyển sang PDF/A-2b")
        new_pdf = row.path
    assert new_pdf != old_pdf and not archive.path(old_pdf).exists()
    assert archive.path(new_pdf).read_bytes() == converted.read_bytes()
    assert fixity.verify(archive).ok
    with archive.sessions() as session:
        assert session.get(Document, doc_id).pdf_path == new_pdf
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "derivative.replace"))
    assert event.document_id == doc_id and event.detail["reason"] == "chuyển sang PDF/A-2b"
    assert event.detail["new_sha256"] == fixity.hash_file(converted)[0] and event.detail["old_sha256"]

    # a replacement whose transaction rolls back leaves the archive as it was
    other = tmp_path / "other.pdf"
    other.write_bytes(b"%PDF-1.7\n% another\n%%EOF\n")
    with archive.sessions() as session:
        abandoned = fixity.replace_derivative(archive, session, doc_id, other, "thử").path
        session.rollback()
    assert not archive.path(abandoned).exists() and archive.path(new_pdf).exists()
    assert fixity.verify(archive).ok
    assert not any(p.name.endswith(".pdf") for p in archive.tmp_dir.iterdir())


def test_verify_memory_stays_flat_on_a_big_file(sqlite_archive) -> None:
    """A 64 MB file is hashed through one 1 MiB buffer, never read whole."""
    import subprocess
    import sys

    big = sqlite_archive.home / "originals" / "big.bin"
    with open(big, "wb") as handle:
        for _ in range(64):
            handle.write(os.urandom(1 << 20))
    with sqlite_archive.sessions.begin() as session:
        sha, size = fixity.hash_file(big)
        fixity.record_stored_file(session, path="originals/big.bin", role="original", sha256=sha, size=size)
    code = (
        "import resource, sys; from sohoa.archive.store import open_archive;"
        "from sohoa.archive import fixity;"
        "a = open_archive(sys.argv[1]); base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
        "r = fixity.verify(a); assert r.ok, r.findings;"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(sqlite_archive.home)], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) < 16 * 1024  # KiB: far below the file's 64 MiB
