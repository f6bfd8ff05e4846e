"""What clerks really feed in (issue 8, item 7): phone photos, GIFs, small strips of text, the
same bad file batch after batch, odd file names, very long paths, a document of another unit.

Every file is made in ``tmp_path`` (HEIC with pillow-heif's own encoder); OCR is real Tesseract
on one or two tiny images per test; the database ones run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pillow_heif
import pytest
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select, update

from sohoa.archive import batches
from sohoa.archive.models import Batch, BatchItem, Document
from sohoa.archive.review import review_queue
from sohoa.digitize.pages import open_document, sniff
from sohoa.errors import ExitCode
from sohoa.ingest import IngestOptions, ingest

from .conftest import SAMPLES

SERIF = "/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf"
LINE = "Quyết định số 125/QĐ-UBND"


def _line_image(text: str = LINE, size: tuple[int, int] = (517, 147)) -> Image.Image:
    """A strip holding one printed line, the size of the one the issue saw refused."""
    image = Image.new("RGB", size, "white")
    ImageDraw.Draw(image).text((18, 50), text, font=ImageFont.truetype(SERIF, 34), fill="black")
    return image


def _heic(path: Path, image: Image.Image) -> Path:
    pillow_heif.register_heif_opener()
    image.save(path, "HEIF", quality=90)
    return path


def _corrupt_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.effect_noise((600, 800), 60).convert("RGB").save(buf, "JPEG")
    return buf.getvalue()[: len(buf.getvalue()) // 3]


def _texts(archive) -> dict[str, str]:
    """Stored source name (base name) -> the document's text."""
    with archive.sessions() as session:
        return {
            Path(doc.original.source_name).name: "\n".join(p.text for p in doc.pages)
            for doc in session.scalars(select(Document))
        }


def _sohoa(home: Path, *args: str, db_url: str | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--db-url", db_url] if db_url else []
    return subprocess.run(
        [sys.executable, "-m", "sohoa.cli", "--home", str(home), *extra, *args],
        capture_output=True,
        text=True,
        timeout=600,
    )


# -- 1. phone photos and GIF ---------------------------------------------------------------


def test_heif_and_gif_are_recognised_by_their_bytes(tmp_path: Path) -> None:
    photo = _heic(tmp_path / "IMG_0001.jpg", _line_image())  # a HEIC whatever its name says
    gif = tmp_path / "scan.png"
    _line_image().save(gif, "GIF")
    assert open_document(photo).fmt == "HEIF"
    assert open_document(gif).fmt == "GIF"
    # the ftyp brands phones write: heic as major brand, or mif1 with heic compatible
    assert sniff(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic") == "HEIF"
    assert sniff(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf") == "AVIF"
    assert sniff(b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isomiso2") is None  # a video, not a scan


def test_heic_and_gif_from_a_folder_and_by_name_are_stored_with_their_text(sqlite_archive, tmp_path) -> None:
    folder = tmp_path / "điện thoại"
    folder.mkdir()
    _heic(folder / "IMG_2024.HEIC", _line_image())
    _line_image("Giấy chứng nhận số 48").save(folder / "fax.gif", "GIF")
    given = _heic(tmp_path / "anh-chup.heif", _line_image("Biên bản số 7/BB"))

    report = ingest(sqlite_archive, [folder, given], IngestOptions(unit="khai quang", jobs=1))

    assert report.skipped == []  # not skipped without a word, as before
    assert {Path(i.path).name: i.status for i in report.items} == {
        "IMG_2024.HEIC": "stored",
        "fax.gif": "stored",
        "anh-chup.heif": "stored",
    }
    texts = _texts(sqlite_archive)
    assert "125" in texts["IMG_2024.HEIC"] and "định" in texts["IMG_2024.HEIC"]
    assert "48" in texts["fax.gif"] and "chứng" in texts["fax.gif"]
    assert "Biên" in texts["anh-chup.heif"]


# -- 2. a small image is read; only one without a word fails ----------------------------------


def test_small_image_with_one_line_is_read_and_a_wordless_one_fails_no_text(sqlite_archive, tmp_path) -> None:
    folder = tmp_path / "nho"
    folder.mkdir()
    _line_image().save(folder / "mot-dong.png")
    Image.new("L", (517, 147), 255).save(folder / "trang-trang.png")

    report = ingest(sqlite_archive, [folder], IngestOptions(unit="khai quang", jobs=1))

    by_name = {Path(i.path).name: i for i in report.items}
    assert by_name["mot-dong.png"].status == "stored"
    text = unicodedata.normalize("NFC", _texts(sqlite_archive)["mot-dong.png"])
    assert "Quyết định" in text and "125" in text
    blank = by_name["trang-trang.png"]
    assert (blank.status, blank.reason_code) == ("failed", "no_text")
    assert blank.error.startswith("không tìm thấy chữ nào")  # Vietnamese first
    assert report.exit_code == ExitCode.partial


# -- 3. quarantined once; odd names never break the summary -----------------------------------


def _quarantined(archive) -> list[Path]:
    return sorted(p for p in archive.quarantine_dir.rglob("*") if p.is_file() and not p.name.endswith(".txt"))


def test_a_bad_file_is_quarantined_once_across_batches(archive, tmp_path: Path) -> None:
    folder = tmp_path / "lô 1"
    folder.mkdir()
    bad = folder / "hỏng [bản 2].jpg"
    bad.write_bytes(_corrupt_jpeg())
    stem = ("Quyết định cấp giấy chứng nhận quyền sử dụng đất " * 5).encode()[:246].decode("utf-8", "ignore")
    long_name = folder / (stem + ".jpg")
    assert len(long_name.name.encode()) > 245  # with ".reason.txt" it would not fit a folder entry
    long_name.write_bytes(_corrupt_jpeg()[:-7])

    first = ingest(archive, [folder], IngestOptions(unit="khai quang", jobs=1))
    second = ingest(archive, [folder], IngestOptions(unit="khai quang", jobs=1))  # the same command again
    rescan = tmp_path / "lô 2" / "bản sao.jpg"  # the same bytes under another name
    rescan.parent.mkdir()
    rescan.write_bytes(bad.read_bytes())
    third = ingest(archive, [rescan], IngestOptions(unit="khai quang", jobs=1))

    assert second.batch_id != first.batch_id and not second.resumed
    copies = _quarantined(archive)
    assert len(copies) == 2, copies  # one copy per bad file, not one per run
    with archive.sessions() as session:
        items = session.scalars(select(BatchItem).order_by(BatchItem.id)).all()
    assert all(i.status == "failed" and i.reason_code == "corrupt" for i in items)
    by_path: dict[str, set[str]] = {}
    for item in items:
        by_path.setdefault(item.path, set()).add(item.quarantine_path)
    [bad_copy] = by_path[str(bad)]
    assert by_path[str(rescan)] == {bad_copy}  # same bytes: points at the first copy
    assert (archive.home / bad_copy).read_bytes() == bad.read_bytes()
    assert bad_copy.startswith(f"quarantine/batch-{first.batch_id}/")

    reason = (archive.home / (bad_copy + ".reason.txt")).read_text(encoding="utf-8")
    lines = reason.splitlines()
    assert lines[1].startswith("Lỗi: Tệp bị hỏng") and lines[2].startswith("Cần làm: sao chép lại")
    assert "corrupt" in reason
    assert [i.status for i in third.items] == ["failed"]

    # a file fixed in place (other bytes, same path) that still fails is a new file: a new copy
    bad.write_bytes(b"%PDF-1.4\ngarbage\n")
    fourth = ingest(archive, [folder], IngestOptions(unit="khai quang", jobs=1))
    assert len(_quarantined(archive)) == 3
    assert {Path(i.path).name: i.reason_code for i in fourth.items}[bad.name] == "corrupt"


def test_names_with_brackets_print_as_they_are(tmp_path: Path) -> None:
    """Rich markup in a path (``[/b]`` closes a tag that was never opened) must not crash the summary."""
    folder = tmp_path / "hồ sơ [bold]lô["
    folder.mkdir()
    (folder / "b] số 3.jpg").write_bytes(_corrupt_jpeg())  # the full path holds "[/b]"
    run = _sohoa(tmp_path / "h", "ingest", str(folder), "--unit", "khai quang")
    assert run.returncode == ExitCode.partial, run.stderr
    assert "Traceback" not in run.stderr
    flat = "".join(run.stdout.split())  # the table may wrap a long path
    assert "[bold]lô[/b]số3.jpg" in flat


# -- 4. sohoa batches ---------------------------------------------------------------------------


def test_batches_lists_outcome_counts_and_failed_files(tmp_path: Path) -> None:
    text_pdf = sorted(SAMPLES.glob("*.pdf-text.pdf"))[0]  # a text layer: no OCR needed
    first = tmp_path / "a.pdf"
    first.write_bytes(text_pdf.read_bytes())
    folder = tmp_path / "lô"
    folder.mkdir()
    (folder / "b-ban-sao.pdf").write_bytes(text_pdf.read_bytes())
    (folder / "c.jpg").write_bytes(_corrupt_jpeg())
    (folder / "d.png").write_bytes(b"")
    home = tmp_path / "h"
    assert _sohoa(home, "ingest", str(first), "--unit", "khai quang").returncode == 0
    assert _sohoa(home, "ingest", str(folder), "--unit", "khai quang").returncode == ExitCode.partial

    listed = _sohoa(home, "batches", "--json")
    assert listed.returncode == 0, listed.stderr
    batch, older = json.loads(listed.stdout)  # newest first
    assert older["counts"] == {"stored": 1, "duplicate": 0, "failed": 0, "pending": 0}
    assert set(batch) == {
        "id", "unit", "unit_code", "status", "actor", "started_at", "finished_at", "counts"
    }  # fmt: skip
    assert batch["counts"] == {"stored": 0, "duplicate": 1, "failed": 2, "pending": 0}
    assert (batch["unit"], batch["unit_code"], batch["status"]) == (
        "Phường Khai Quang",
        "khai-quang",
        "finished",
    )

    failed = json.loads(_sohoa(home, "batches", "--failed", "--json").stdout)
    [batch] = failed
    entries = {Path(f["path"]).name: f for f in batch["failed"]}
    assert set(entries) == {"c.jpg", "d.png"}
    assert set(entries["c.jpg"]) == {"path", "reason_code", "message", "quarantine_path"}
    assert entries["c.jpg"]["reason_code"] == "corrupt" and entries["d.png"]["reason_code"] == "empty"
    assert entries["d.png"]["message"].startswith("tệp rỗng")
    assert (home / entries["c.jpg"]["quarantine_path"]).read_bytes() == (folder / "c.jpg").read_bytes()

    table = _sohoa(home, "batches", "--failed")
    assert table.returncode == 0 and "corrupt" in table.stdout and "c.jpg" in table.stdout


# -- 5. paths of any length -----------------------------------------------------------------


def test_a_path_over_a_thousand_characters_finishes_and_resumes(archive, tmp_path: Path) -> None:
    root = deep = tmp_path / "in"
    for n in range(11):
        deep = (
            deep
            / f"Hồ sơ thủ tục hành chính của Ủy ban nhân dân phường Khai Quang năm {2014 + n} – quyển số {n}"
        )
    deep.mkdir(parents=True)
    scan = deep / "Giấy khai sinh Nguyễn Thị Hương.png"
    _line_image().save(scan)
    bad = deep / "Bản quét hỏng của Trần Văn Bình.jpg"
    bad.write_bytes(_corrupt_jpeg())
    assert len(str(scan)) > 1000 and len(str(scan).encode()) < 4096

    first = ingest(archive, [root], IngestOptions(unit="khai quang", jobs=1))
    assert sorted(i.status for i in first.items) == ["failed", "stored"]
    with archive.sessions.begin() as session:  # as a kill -9 leaves it: batch unfinished, a file pending
        session.execute(update(Batch).values(status="interrupted", finished_at=None))
        session.execute(update(BatchItem).where(BatchItem.path == str(bad)).values(status="pending"))
    again = ingest(archive, [root], IngestOptions(unit="khai quang", jobs=1))

    assert again.resumed and again.batch_id == first.batch_id
    assert {i.path: i.status for i in again.items} == {str(scan): "stored", str(bad): "failed"}
    with archive.sessions() as session:
        items = session.scalars(select(BatchItem)).all()
        assert {i.path_key for i in items} == {batches.path_key(str(scan)), batches.path_key(str(bad))}
        assert session.scalar(select(Batch.status)) == "finished"
    assert len(_quarantined(archive)) == 1


# -- 6. issuer against --unit -----------------------------------------------------------------


def test_issuer_of_another_unit_goes_to_review_with_a_warning(archive, tmp_path: Path) -> None:
    """``ks-0001`` is issued by UBND phường Liên Bảo: filed under Khai Quang it needs a look."""
    sample = SAMPLES / "ks-0001.pdf-text.pdf"
    wrong = tmp_path / "wrong" / "ks.pdf"
    wrong.parent.mkdir()
    wrong.write_bytes(sample.read_bytes())
    report = ingest(archive, [wrong], IngestOptions(unit="khai quang", jobs=1))
    [item] = report.items
    assert item.status == "stored"

    with archive.sessions() as session:
        queue = {e.document_id: e for e in review_queue(session)}
        doc = session.get(Document, item.document_id)
        assert "LIÊN BẢO" in doc.fields["issuer"]
    entry = queue[item.document_id]
    [warning] = entry.warnings
    assert "Phường Liên Bảo" in warning and "Phường Khai Quang" in warning
    assert warning.startswith("Cơ quan ban hành")
    assert entry.to_json()["warnings"] == [warning]

    with archive.sessions.begin() as session:  # the same paper under its own ward, or the city: no warning
        own = session.get(Document, item.document_id)
        own.unit_id = session.scalar(select(batches.Unit.id).where(batches.Unit.code == "lien-bao"))
        own.fields = {**own.fields, "issuer": "ỦY BAN NHÂN DÂN PHƯỜNG LIÊN BẢO"}
    with archive.sessions() as session:
        entry = {e.document_id: e for e in review_queue(session)}.get(item.document_id)
    assert entry is None or entry.warnings == []

    with archive.sessions.begin() as session:  # an issuer outside the archive's units
        doc = session.get(Document, item.document_id)
        doc.fields = {**doc.fields, "issuer": "ỦY BAN NHÂN DÂN HUYỆN TAM ĐẢO"}
    with archive.sessions() as session:
        [warning] = {e.document_id: e for e in review_queue(session)}[item.document_id].warnings
    assert "không có trong danh sách đơn vị" in warning


@pytest.mark.parametrize(
    "issuer", ["ỦY BAN NHÂN DÂN THÀNH PHỐ VĨNH YÊN", "ỦY BAN NHÂN DÂN PHƯỜNG KHAI QUANG"]
)
def test_issuer_of_the_unit_or_the_city_above_it_is_no_warning(sqlite_archive, issuer: str) -> None:
    from sohoa.archive.models import Original
    from sohoa.archive.units import resolve_unit
    from sohoa.fields import FIELD_NAMES

    with sqlite_archive.sessions.begin() as session:
        doc = Document(
            original=Original(
                sha256="0" * 64,
                size=1,
                media_type="image/png",
                source_name="a.png",
                stored_path="o",
                page_count=1,
            ),
            unit=resolve_unit(session, "khai quang"),
            pdf_path="d.pdf",
            page_count=1,
            fields={name: None for name in FIELD_NAMES} | {"issuer": issuer, "number": None},
            field_confidence={name: 0.99 for name in FIELD_NAMES},
            field_source={name: "auto" for name in FIELD_NAMES},
        )
        session.add(doc)
    with sqlite_archive.sessions() as session:
        [entry] = review_queue(session)  # listed for its missing fields, not for its issuer
    assert entry.warnings == [] and "number" in entry.missing
