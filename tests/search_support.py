"""The relevance set and its entries, shared by the search tests (no test imports another test module).

The queries live in ``tests/search_relevance.json`` (what a clerk types, with the documents it
must find). Each sample file is indexed as its own entry — ground-truth ``text`` and ``fields``
— among 400 synthetic distractors from ``bench/search_speed.py``, so ranking has to work, not
just matching. Hits are collapsed to documents (a document's eight renderings share their
text), and recall@10 is counted over distinct documents.

To measure the same queries over OCR output instead of ground truth, call
:func:`sample_entries` with ``texts={stem: ocr_text}`` and :func:`evaluate`.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sohoa.search import IndexEntry, SearchBackend, search

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
QUERIES = Path(__file__).with_name("search_relevance.json")
DISTRACTORS = 400
DISTRACTOR_BASE = 1_000_000  # distractor ids, far from sample ids


def load_queries() -> list[dict[str, Any]]:
    return json.loads(QUERIES.read_text(encoding="utf-8"))["queries"]


def sample_entries(texts: Mapping[str, str] | None = None) -> tuple[list[IndexEntry], dict[int, str]]:
    """One entry per committed sample file; ``texts`` replaces ground truth (e.g. OCR output)."""
    paths = sorted(SAMPLES.glob("*.json"))
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    truths = [t for t in truths if "stem" in t and "fields" in t]
    assert len(truths) >= 7, "the committed samples are missing: run samples/generate.py --out samples"
    entries, docs = [], {}
    for doc_id, truth in enumerate(truths, start=1):
        docs[doc_id] = truth["doc"]
        entries.append(
            IndexEntry(
                id=doc_id,
                version="truth",
                source_name=truth["file"],
                unit=truth["unit"],
                unit_name=truth["unit"],
                fields=truth["fields"],
                text=(texts or {}).get(truth["stem"], truth["text"]),
            )
        )
    return entries, docs


def distractors() -> list[IndexEntry]:
    """Synthetic documents of the same kinds (seeded), from the benchmark's generator."""
    spec = importlib.util.spec_from_file_location("search_speed", ROOT / "bench" / "search_speed.py")
    assert spec and spec.loader
    bench = sys.modules.get("search_speed")
    if bench is None:
        bench = importlib.util.module_from_spec(spec)
        sys.modules["search_speed"] = bench  # its dataclasses look their module up
        spec.loader.exec_module(bench)
    return [
        IndexEntry(
            id=DISTRACTOR_BASE + e.id,
            version=e.version,
            source_name=e.source_name,
            unit=e.unit_name,
            unit_name=e.unit_name,
            fields=e.fields,
            text=e.text,
        )
        for e in bench.generate(DISTRACTORS, seed=17)
    ]


@dataclass
class Outcome:
    query: dict[str, Any]
    ranked_docs: list[str]
    missing: list[str] = field(default_factory=list)
    not_first: bool = False
    unexpected: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.not_first or self.unexpected)


def evaluate(index: SearchBackend, docs: Mapping[int, str], queries: list[dict[str, Any]]) -> list[Outcome]:
    """Run every query; report what each one missed."""
    outcomes = []
    for q in queries:
        result = search(index, q["query"], limit=500, **q.get("filters", {}))
        ranked: list[str] = []
        for hit in result.hits:
            doc = docs.get(hit.id, f"distractor-{hit.id - DISTRACTOR_BASE}")
            if doc not in ranked:
                ranked.append(doc)
        top = ranked[:10]
        outcome = Outcome(q, top)
        outcome.missing = [d for d in q["expect"] if d not in top]
        outcome.not_first = bool(q.get("first")) and (not top or top[0] not in q["expect"])
        outcome.unexpected = [d for d in q.get("exclude", []) if d in ranked]
        outcomes.append(outcome)
    return outcomes


NAMES = ["Nguyễn Văn Lượng", "Trần Thị Thu Hà", "Lê Đức Nghĩa", "Hoàng Ngọc Lan", "Phạm Minh Tuấn"]


def make_entry(doc_id: int, version: str = "v1", extra: str = "") -> IndexEntry:
    """A small decision about one person; number ``{id}/QĐ-UBND``, unit ``U{id % 3}``."""
    name = NAMES[doc_id % len(NAMES)]
    return IndexEntry(
        id=doc_id,
        version=version,
        source_name=f"scan_{doc_id:04d}.pdf",
        unit=f"U{doc_id % 3}",
        unit_name=None,
        fields={
            "number": f"{doc_id}/QĐ-UBND",
            "subject_names": [name],
            "issued_date": f"20{10 + doc_id % 14}-01-02",
        },
        text=f"QUYẾT ĐỊNH số {doc_id}/QĐ-UBND về việc cấp giấy phép cho {name}. {extra}",
    )


def entries(count: int, start: int = 1, version: str = "v1") -> list[IndexEntry]:
    return [make_entry(i, version) for i in range(start, start + count)]
