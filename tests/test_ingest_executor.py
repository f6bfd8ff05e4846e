"""The executor seam: ``ingest`` reads every page through the executor it is given, and a page
the executor fails on fails its file (reason ``internal``, quarantined) while the batch goes on."""

from __future__ import annotations

import shutil
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from sohoa.archive.store import Archive
from sohoa.digitize.model import PageText
from sohoa.digitize.read import PageRef, ReadOptions, read_page
from sohoa.ingest import IngestOptions, ingest

from .conftest import SAMPLES


class CountingThreads:
    """Pages read in threads of this process; counts them, and fails those of files named ``fail``."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(2)
        self.read: list[str] = []
        self.shut = False

    def submit(self, ref: PageRef, options: ReadOptions | None) -> Future[PageText]:
        if "fail" in Path(ref.path).read_bytes()[-16:].decode("latin-1"):
            broken: Future[PageText] = Future()
            broken.set_exception(RuntimeError("the executor lost this page"))
            return broken
        self.read.append(ref.path)
        return self.pool.submit(read_page, ref, options)

    def shutdown(self) -> None:
        self.shut = True
        self.pool.shutdown(wait=True)


def test_pages_go_through_the_executor_given(
    sqlite_archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")  # Tesseract runs from this process's threads
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(SAMPLES / "cv-0001.clean-300.png", folder / "a.png")
    (folder / "b.png").write_bytes((SAMPLES / "xn-0001.clean-300.png").read_bytes() + b"fail")
    executor = CountingThreads()
    report = ingest(sqlite_archive, [folder], IngestOptions(unit="khai quang"), executor=executor)
    by_name = {Path(item.path).name: item for item in report.items}
    assert by_name["a.png"].status == "stored" and by_name["a.png"].pages == 1
    assert by_name["b.png"].status == "failed" and by_name["b.png"].reason_code == "internal"
    assert len(executor.read) == 1, "the stored page was read through the executor, once"
    assert executor.shut, "the batch shut its executor down"
    assert (sqlite_archive.quarantine_dir / f"batch-{report.batch_id}" / "b.png").exists()
