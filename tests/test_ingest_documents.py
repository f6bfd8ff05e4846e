"""What ingest makes of real scans: fields on the card, duplicate warnings, batch scans split."""

from __future__ import annotations

import json
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from sohoa.archive.documents import document_json, get_document
from sohoa.archive.models import Document
from sohoa.archive.review import review_queue
from sohoa.ingest import IngestOptions, ingest

from .conftest import SAMPLES, load_generator

generate = load_generator()


def test_same_result_scanned_twice_is_flagged(sqlite_archive) -> None:
    """Two scans of one paper (different bytes) are both kept, the second flagged for review."""
    first, second = SAMPLES / "cv-0001.clean-300.png", SAMPLES / "cv-0001.grey-200.jpg"
    truth = json.loads(first.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    report = ingest(sqlite_archive, [first, second], IngestOptions(unit="khai quang", split="none"))
    assert [i.status for i in report.items] == ["stored", "stored"]
    ids = sorted(i.document_id for i in report.items)  # pages finish in any order: ids follow
    with sqlite_archive.sessions() as session:
        card = document_json(get_document(session, ids[1]))
        assert card["fields"]["number"] == truth["number"]
        assert any(f"duplicate of document {ids[0]}" in w for w in card["warnings"])
        assert session.get(Document, ids[0]).duplicate_of is None
        queue = {e.document_id: e for e in review_queue(session)}
    assert queue[ids[1]].duplicate_of == ids[0]


def test_batch_scan_is_split_into_its_documents(sqlite_archive, tmp_path: Path) -> None:
    stack = generate.render_stack(tmp_path / "stack.pdf", documents=4, seed=5)
    truth = json.loads(stack.with_suffix(".json").read_text(encoding="utf-8"))
    entries = truth["documents"]
    report = ingest(sqlite_archive, [stack], IngestOptions(unit="Phường Đống Đa"))
    [item] = report.items
    assert item.status == "stored" and item.pages == len(PdfReader(stack).pages)
    with sqlite_archive.sessions() as session:
        docs = list(session.scalars(select(Document).order_by(Document.page_from)))
        ranges = [(d.page_from, d.page_to) for d in docs]
        numbers = [d.fields.get("number") for d in docs]
        pdf_pages = [len(PdfReader(sqlite_archive.path(d.pdf_path)).pages) for d in docs]
    assert ranges == [(e["first_page"], e["last_page"]) for e in entries]
    assert numbers == [e["fields"]["number"] for e in entries]
    assert pdf_pages == [last - first + 1 for first, last in ranges]
    assert len({d.original_sha256 for d in docs}) == 1  # all linked to the one original file
    assert item.document_ids == [d.id for d in docs]
