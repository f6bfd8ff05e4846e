"""The index never drifts from the archive: pending documents, sync, rebuild, check, concurrent ingests."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from sohoa.archive import indexing, review
from sohoa.archive.models import Document
from sohoa.archive.store import open_archive
from sohoa.ingest import IngestOptions, ingest
from sohoa.search import search

from .conftest import SAMPLES

SOHOA = [sys.executable, "-m", "sohoa.cli"]


def _samples(pattern: str, count: int) -> list[Path]:
    found = sorted(SAMPLES.glob(pattern))
    assert len(found) >= count, f"committed samples missing for {pattern}"
    return found[:count]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive home with three OCR'd samples, made once; tests work on copies."""
    home = tmp_path_factory.mktemp("ingested") / "home"
    arch = open_archive(home)
    ingest(arch, _samples("*.clean-300.png", 3), IngestOptions(unit="khai quang", split="none"))
    arch.close()
    return home


@pytest.fixture
def archive_copy(ingested: Path, tmp_path: Path):
    home = tmp_path / "home"
    shutil.copytree(ingested, home)
    arch = open_archive(home)
    yield arch
    arch.close()


def _truth(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def test_ingested_documents_are_indexed_and_check_is_clean(archive_copy) -> None:
    report = indexing.check_index(archive_copy)
    assert report.ok, report
    with archive_copy.sessions() as session:
        states = set(session.scalars(select(Document.index_state)))
    assert states == {"indexed"}


def test_edit_makes_entry_stale_until_synced_and_manual_value_is_searchable(archive_copy) -> None:
    with archive_copy.sessions.begin() as session:
        doc_id = session.scalar(select(Document.id).order_by(Document.id))
        review.edit_fields(
            archive_copy, session, doc_id, {"summary": "Về việc điều chỉnh ranh giới thửa đất Tích Sơn"}
        )
    assert indexing.check_index(archive_copy).stale == [doc_id]
    result = indexing.sync_index(archive_copy)
    assert result.indexed == 1 and result.pending == 0
    assert indexing.check_index(archive_copy).ok
    hits = search(indexing.open_index(archive_copy), "dieu chinh ranh gioi").hits
    assert hits and hits[0].id == doc_id


def test_lost_index_is_rebuilt_from_the_archive(archive_copy) -> None:
    shutil.rmtree(archive_copy.index_dir)
    report = indexing.check_index(archive_copy)
    assert len(report.missing) == 3
    assert indexing.rebuild_index(archive_copy) == 3
    assert indexing.check_index(archive_copy).ok


def test_locked_index_leaves_documents_pending_then_sync_catches_up(
    archive_copy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOHOA_INDEX_LOCK_TIMEOUT", "1")
    new_scan = _samples("*.grey-200.jpg", 1)[0]
    with open(archive_copy.index_dir / "write.lock", "a+") as lock:  # another writer holds the index
        fcntl.flock(lock, fcntl.LOCK_EX)
        report = ingest(archive_copy, [new_scan], IngestOptions(unit="khai quang", split="none"))
        fcntl.flock(lock, fcntl.LOCK_UN)
    [item] = report.items
    assert item.status == "stored"  # the archive did not wait for, or fail because of, the index
    with archive_copy.sessions() as session:
        assert session.get(Document, item.document_id).index_state == "pending"
    assert indexing.check_index(archive_copy).missing == [item.document_id]
    assert indexing.sync_index(archive_copy).pending == 0
    assert indexing.check_index(archive_copy).ok


@pytest.mark.slow
def test_two_ingests_at_once_leave_a_correct_index(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folders = []
    for n, pattern in enumerate(["*.clean-300.png", "*.grey-200.jpg"]):
        folder = tmp_path / f"in{n}"
        folder.mkdir()
        for scan in _samples(pattern, 3):
            shutil.copyfile(scan, folder / scan.name)
        folders.append(folder)
    procs = [
        subprocess.Popen(
            [*SOHOA, "--home", str(home), "ingest", str(f), "--unit", "khai quang", "--jobs", "1", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for f in folders
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-500:] for o in outs]
    check = subprocess.run(
        [*SOHOA, "--home", str(home), "index", "check", "--json"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert json.loads(check.stdout) == {"missing": [], "stale": [], "unknown": []}
    arch = open_archive(home)
    with arch.sessions() as session:
        assert len(list(session.scalars(select(Document.id)))) == 6
    truth = _truth(_samples("*.grey-200.jpg", 1)[0])
    number = truth["fields"]["number"]
    hits = search(indexing.open_index(arch), number).hits
    assert hits, number
    arch.close()


def test_reextract_refills_automatic_fields_and_keeps_manual_ones(archive_copy) -> None:
    """After an extractor upgrade, fields are read again from stored pages; corrections stay."""
    with archive_copy.sessions.begin() as session:
        doc = session.scalar(select(Document).order_by(Document.id))
        doc_id, signer = doc.id, doc.fields["signer"]
        assert signer
        doc.fields = {**doc.fields, "signer": None}  # what an older extractor missed
        review.edit_fields(archive_copy, session, doc_id, {"number": "999/QĐ-UBND"})
    assert review.reextract(archive_copy) == 1
    with archive_copy.sessions() as session:
        doc = session.get(Document, doc_id)
        assert doc.fields["signer"] == signer and doc.field_source["signer"] == "auto"
        assert doc.fields["number"] == "999/QĐ-UBND" and doc.field_source["number"] == "manual"


def _run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SOHOA, "--home", str(home), *args], capture_output=True, text=True, timeout=300)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def test_a_search_never_writes_and_pages_with_offset(archive_copy) -> None:
    with archive_copy.sessions.begin() as session:  # an edit not yet synced: a writer's job
        doc_id = session.scalar(select(Document.id).order_by(Document.id))
        review.edit_fields(archive_copy, session, doc_id, {"summary": "Về việc xác nhận cư trú Tích Sơn"})
    before = _snapshot(archive_copy.index_dir)
    first = _run(archive_copy.home, "search", "--json", "--limit", "1", "cộng hòa")
    second = _run(archive_copy.home, "search", "--json", "--limit", "1", "--offset", "1", "cộng hòa")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    one, two = json.loads(first.stdout), json.loads(second.stdout)
    assert list(one) == ["query", "total", "hits"] and one["total"] == two["total"] == 3
    assert list(one["hits"][0]) == ["id", "score", "source_name", "fields", "snippet"]
    assert one["hits"][0]["id"] != two["hits"][0]["id"]
    assert _snapshot(archive_copy.index_dir) == before  # no lock file touched, no segment written
    with archive_copy.sessions() as session:
        assert session.get(Document, doc_id).index_state == "pending"


def test_rebuild_with_a_backend_stores_the_choice(archive_copy) -> None:
    done = _run(archive_copy.home, "index", "rebuild", "--backend", "tantivy")
    assert done.returncode == 0, done.stderr
    assert "tantivy" in done.stdout
    assert open_archive(archive_copy.home).settings["search_backend"] == "tantivy"
    unknown = _run(archive_copy.home, "index", "rebuild", "--backend", "sphinx")
    assert unknown.returncode == 2
    assert _run(archive_copy.home, "index", "rebuild", "--backend", "whoosh").returncode == 0
    assert open_archive(archive_copy.home).settings["search_backend"] == "whoosh"
    found = _run(archive_copy.home, "search", "--json", "cộng hòa")
    assert found.returncode == 0 and json.loads(found.stdout)["total"] == 3
    assert _run(archive_copy.home, "index", "check").returncode == 0


def test_a_damaged_index_is_reported_with_what_to_do(archive_copy) -> None:
    files = [p for p in archive_copy.index_dir.rglob("*") if p.is_file() and p.stat().st_size > 200]
    victim = max(files, key=lambda p: p.stat().st_size)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    checked = _run(archive_copy.home, "index", "check", "--json")
    assert checked.returncode == 3
    assert victim.name in json.loads(checked.stdout)["damaged"][0]
    assert "sohoa index rebuild" in checked.stderr
    assert _run(archive_copy.home, "index", "rebuild").returncode == 0
    assert _run(archive_copy.home, "index", "check").returncode == 0


def test_an_index_of_the_whoosh_era_is_migrated_by_the_next_writer(archive_copy) -> None:
    shutil.rmtree(archive_copy.index_dir)
    old = archive_copy.index_dir / "g000001"
    old.mkdir(parents=True)
    (old / "SCHEMA_VERSION").write_text("1\n")  # what the Whoosh engine left: another analysis
    (old / "MAIN_x.toc").write_bytes(b"whoosh")
    (archive_copy.index_dir / "CURRENT").write_text("g000001\n")
    searched = _run(archive_copy.home, "search", "quyết định")
    assert searched.returncode == 6 and "sohoa index rebuild" in searched.stderr  # a reader never rebuilds
    assert _run(archive_copy.home, "index", "sync").returncode == 0  # a writer migrates
    assert not old.exists()
    searched = _run(archive_copy.home, "search", "--json", "quyết định")
    assert searched.returncode == 0 and json.loads(searched.stdout)["total"] >= 1
