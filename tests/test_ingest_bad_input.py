"""Bad input never stops a batch, always gets a specific reason, and never touches what is stored.

Each case is a real file made in tmp_path; the batch runs real Tesseract on the good files.
"""

from __future__ import annotations

import io
import os
import shutil
import unicodedata
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from sohoa.archive.models import BatchItem, Document, Original
from sohoa.errors import ExitCode
from sohoa.ingest import IngestOptions, ingest

from .conftest import SAMPLES


def _clean_sample() -> Path:
    found = sorted(SAMPLES.glob("*.clean-300.png"))
    assert found, "the committed samples are missing: run python samples/generate.py (see samples/README.md)"
    return found[0]


def _archive_state(archive) -> tuple:
    """Everything stored: rows and the bytes of every stored file."""
    with archive.sessions() as session:
        docs = session.execute(select(Document.id, Document.original_sha256, Document.pdf_path)).all()
        originals = session.execute(select(Original.sha256, Original.stored_path)).all()
    files = {
        p.relative_to(archive.home).as_posix(): p.read_bytes()
        for sub in ("originals", "documents")
        for p in (archive.home / sub).rglob("*")
        if p.is_file()
    }
    return sorted(docs), sorted(originals), files


def make_bad_files(folder: Path) -> dict[str, str]:
    """Write each bad input of the issue; returns file name -> expected reason code."""
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str] = {}

    (folder / "empty.png").write_bytes(b"")
    expected["empty.png"] = "empty"

    buf = io.BytesIO()
    Image.new("RGB", (1200, 1700), "white").save(buf, "JPEG")
    (folder / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    expected["truncated.jpg"] = "corrupt"

    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage garbage\n")
    expected["corrupt.pdf"] = "corrupt"

    (folder / "notes.jpg").write_text("Đây là ghi chú, không phải ảnh quét.\n", encoding="utf-8")
    expected["notes.jpg"] = "not-a-document"

    Image.new("L", (1, 1), 255).save(folder / "pixel.png")
    expected["pixel.png"] = "no_text"  # read like any image: no word on it

    # a decompression bomb: 40000 x 40000 pixels, a few hundred KB on disk
    Image.new("1", (40000, 40000), 1).save(folder / "bomb.png", optimize=True)
    expected["bomb.png"] = "too-large"

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt(user_password="matkhau", owner_password="matkhau")
    with open(folder / "locked.pdf", "wb") as handle:
        writer.write(handle)
    expected["locked.pdf"] = "encrypted"

    nopages = PdfWriter()
    with open(folder / "nopages.pdf", "wb") as handle:
        nopages.write(handle)
    expected["nopages.pdf"] = "no-pages"

    unreadable = folder / "unreadable.png"
    shutil.copyfile(_clean_sample(), unreadable)
    os.chmod(unreadable, 0)
    expected["unreadable.png"] = "unreadable"
    return expected


def test_each_bad_file_fails_with_its_reason_and_batch_goes_on(sqlite_archive, tmp_path: Path) -> None:
    archive = sqlite_archive
    good = tmp_path / "good"
    good.mkdir()
    shutil.copyfile(_clean_sample(), good / "ok.png")
    ingest(archive, [good], IngestOptions(unit="khai quang"))
    before = _archive_state(archive)

    bad = tmp_path / "bad"
    expected = make_bad_files(bad)
    extra: list[Path] = []
    if os.geteuid() == 0:  # root reads mode-0 files: a named pipe is what root cannot read as a scan
        (bad / "unreadable.png").unlink()
        os.mkfifo(bad / "unreadable.png")
        extra.append(bad / "unreadable.png")  # given by name: folders skip what is not a file
    nfd_name = unicodedata.normalize("NFD", "Quyết định số 12 Nguyễn Văn Lượng.png")
    shutil.copyfile(sorted(SAMPLES.glob("*.grey-200.jpg"))[0], bad / nfd_name)

    report = ingest(archive, [bad, *extra], IngestOptions(unit="Phường Khai Quang"))

    by_name = {Path(item.path).name: item for item in report.items}
    for name, reason in expected.items():
        item = by_name[name]
        assert item.status == "failed", name
        assert item.reason_code == reason, (name, item.reason_code, item.error)
        assert item.error and name not in ("",)
        reason_file = archive.quarantine_dir / f"batch-{report.batch_id}" / f"{name}.reason.txt"
        assert reason_file.exists(), name
        assert reason in reason_file.read_text(encoding="utf-8")
    nfc_name = unicodedata.normalize("NFC", nfd_name)
    assert by_name[nfc_name].status == "stored"  # the NFD-named scan is read, and reported in NFC
    assert report.exit_code == ExitCode.partial

    after = _archive_state(archive)
    # what was stored before is untouched: same rows, same bytes
    assert set(before[0]) <= set(after[0])
    for rel, data in before[2].items():
        assert after[2][rel] == data
    # no row without its files, no stored file without its row
    with archive.sessions() as session:
        stored = {p for (p,) in session.execute(select(Original.stored_path))}
        stored |= {p for (p,) in session.execute(select(Document.pdf_path))}
    assert stored == set(after[2])


def test_the_same_file_twice_is_a_duplicate(archive, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL: stored once, the second copy reported as a duplicate of it."""
    sqlite_archive = archive
    first = tmp_path / "a.png"
    shutil.copyfile(_clean_sample(), first)
    copy = tmp_path / "sub" / "same-content-other-name.png"
    copy.parent.mkdir()
    shutil.copyfile(first, copy)
    report1 = ingest(sqlite_archive, [first], IngestOptions(unit="khai-quang"))
    report2 = ingest(sqlite_archive, [copy], IngestOptions(unit="khai-quang"))
    assert [i.status for i in report1.items] == ["stored"]
    assert [i.status for i in report2.items] == ["duplicate"]
    assert report2.items[0].document_id == report1.items[0].document_id
    with sqlite_archive.sessions() as session:
        assert session.scalar(select(func.count(Document.id))) == 1
        assert session.scalar(select(func.count(BatchItem.id))) == 2


@pytest.mark.slow
def test_sixty_page_pdf_is_processed(sqlite_archive, tmp_path: Path) -> None:
    """A long image-only PDF goes through page by page and is stored as one document."""
    page = Image.open(_clean_sample()).convert("L")
    pages = [page] * 60
    pdf = tmp_path / "so-dang-ky-60-trang.pdf"
    pages[0].save(pdf, "PDF", resolution=300, save_all=True, append_images=pages[1:])
    report = ingest(sqlite_archive, [pdf], IngestOptions(unit="khai quang", split="none"))
    assert [(i.status, i.pages) for i in report.items] == [("stored", 60)]
