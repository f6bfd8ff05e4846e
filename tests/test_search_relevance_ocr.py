"""The relevance set again, end to end: the samples ingested for real (OCR, extracted fields),
searched through the archive's own index among the same synthetic distractors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from sohoa.archive import indexing
from sohoa.archive.models import Document
from sohoa.archive.store import open_archive
from sohoa.archive.units import resolve_unit
from sohoa.ingest import IngestOptions, ingest

from .conftest import SAMPLES
from .search_support import distractors, evaluate, load_queries


@pytest.mark.slow
def test_recall_at_10_on_ocr_text_and_extracted_fields(tmp_path: Path) -> None:
    truths = {
        p.with_suffix("").name: json.loads(p.read_text(encoding="utf-8")) for p in SAMPLES.glob("*.json")
    }
    archive = open_archive(tmp_path / "home")
    by_unit: dict[str, list[Path]] = {}
    for truth in truths.values():
        by_unit.setdefault(truth["unit"], []).append(SAMPLES / truth["file"])
    for unit, scans in by_unit.items():  # each unit feeds its own scans, as clerks do
        report = ingest(archive, scans, IngestOptions(unit=unit, split="none"))
        assert {i.status for i in report.items} == {"stored"}
    with archive.sessions() as session:
        codes = {name: resolve_unit(session, name).code for name in by_unit}
    queries = load_queries()
    for query in queries:  # the set names units as printed; the archive's index holds unit codes
        filters = query.get("filters", {})
        if "units" in filters:
            filters["units"] = [codes[name] for name in filters["units"]]
    by_file = {t["file"]: t["doc"] for t in truths.values()}
    with archive.sessions() as session:
        docs = {
            doc.id: by_file[Path(doc.original.source_name).name] for doc in session.scalars(select(Document))
        }
    index = indexing.open_index(archive)
    index.add_or_update(distractors())
    failures = [o for o in evaluate(index, docs, queries) if not o.ok]
    report_text = "\n".join(
        f"{o.query['query']!r}: missing={o.missing} first={not o.not_first} {o.ranked_docs[:5]}"
        for o in failures
    )
    assert not failures, "\n" + report_text
    archive.close()
