"""Export and import speed and memory: documents per second and peak RSS against the bag's size.

Issue 12's targets: export and import >= 50 documents/s on this machine, memory flat in the
number of documents. The archive is made as rows plus real files (a 60 KB original and a 60 KB
PDF per document, a page of 2,000 characters with its word boxes, one register row in four
linked), without OCR, at two sizes; ``sohoa export`` then ``sohoa import`` (into a new SQLite
archive) run as subprocesses, and their peak RSS is read from ``wait4``.

Run: ``.venv/bin/python bench/export_speed.py [--sizes 200 1000]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sohoa.archive import storage
from sohoa.archive.fixity import record_stored_file
from sohoa.archive.models import Document, Original, Page, RegisterLink, RegisterRow
from sohoa.archive.store import open_archive
from sohoa.archive.units import resolve_unit
from sohoa.fields import FIELD_NAMES

WORDS = "Ủy ban nhân dân phường Khai Quang quyết định cấp giấy phép cho ông Nguyễn Văn Lượng".split()  # noqa: SIM905


def make_archive(home: Path, count: int, seed: int = 12) -> None:
    """``count`` documents as rows and files, committed 200 at a time."""
    rng = random.Random(seed)
    archive = open_archive(home)
    try:
        for start in range(0, count, 200):
            with archive.sessions.begin() as session:
                unit = resolve_unit(session, "khai-quang")
                for n in range(start, min(count, start + 200)):
                    scan = rng.randbytes(60_000)
                    pdf = b"%PDF-1.4\n" + rng.randbytes(60_000) + b"\n%%EOF\n"
                    sha = hashlib.sha256(scan).hexdigest()
                    orig_rel, pdf_rel = storage.original_relpath(sha, ".png"), storage.pdf_relpath(sha, 1)
                    for rel, data in ((orig_rel, scan), (pdf_rel, pdf)):
                        path = archive.path(rel)
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_bytes(data)
                    text = " ".join(rng.choice(WORDS) for _ in range(400))
                    fields = {name: None for name in FIELD_NAMES}
                    fields.update(
                        doc_type="Quyết định",
                        number=f"{n + 1}/QĐ-UBND",
                        issued_date="2024-06-10",
                        issuer="UBND PHƯỜNG KHAI QUANG",
                        summary=f"Về việc số {n}",
                    )
                    original = Original(
                        sha256=sha,
                        size=len(scan),
                        media_type="image/png",
                        source_name=f"/scans/{n}.png",
                        stored_path=orig_rel,
                        page_count=1,
                    )
                    doc = Document(
                        original=original,
                        unit=unit,
                        pdf_path=pdf_rel,
                        page_count=1,
                        fields=fields,
                        field_confidence={k: 0.9 for k in FIELD_NAMES},
                        field_source={k: "auto" for k in FIELD_NAMES},
                        issued_date=date(2024, 6, 10),
                    )
                    words = [[w, 10 * i, 20, 30, 12, 91.0, 1, i // 12] for i, w in enumerate(text.split())]
                    doc.pages.append(
                        Page(number=1, source_page=1, method="ocr", text=text, confidence=0.9, words=words)
                    )
                    session.add(doc)
                    session.flush()
                    record_stored_file(
                        session,
                        path=orig_rel,
                        role="original",
                        sha256=sha,
                        size=len(scan),
                        original_sha256=sha,
                        document_id=doc.id,
                    )
                    record_stored_file(
                        session,
                        path=pdf_rel,
                        role="pdf",
                        sha256=hashlib.sha256(pdf).hexdigest(),
                        size=len(pdf),
                        original_sha256=sha,
                        document_id=doc.id,
                    )
                    if n % 4 == 0:
                        row = RegisterRow(
                            unit_id=unit.id,
                            dossier_code=f"000.00.12.H62-240610-{n:05d}",
                            result_number=f"{n + 1}/QĐ-UBND",
                            issued_date=date(2024, 6, 10),
                        )
                        session.add(row)
                        session.flush()
                        session.add(
                            RegisterLink(
                                document_id=doc.id,
                                row_id=row.id,
                                method="dossier",
                                digitised_on=date(2024, 6, 11),
                            )
                        )
    finally:
        archive.close()


def run(args: list[str]) -> tuple[float, int]:
    """Seconds and peak RSS (bytes) of one ``sohoa`` command."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sohoa.cli", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"sohoa {' '.join(args[:3])} failed: {err[-2000:]}")
    return seconds, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000])
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sohoa-export-bench-") as tmp:
        for count in options.sizes:
            work = Path(tmp) / str(count)
            make_archive(work / "source", count)
            t_exp, rss_exp = run(
                ["--home", str(work / "source"), "export", str(work / "bag"), "--unit", "khai-quang"]
            )
            t_imp, rss_imp = run(["--home", str(work / "target"), "import", str(work / "bag")])
            print(
                f"{count:6d} documents: export {t_exp:6.1f} s {count / t_exp:6.1f} docs/s "
                f"peak {rss_exp / 2**20:5.0f} MB"
                f" | import {t_imp:6.1f} s {count / t_imp:6.1f} docs/s peak {rss_imp / 2**20:5.0f} MB"
                "  [>= 50 docs/s, flat memory]",
                flush=True,
            )


if __name__ == "__main__":
    main()
