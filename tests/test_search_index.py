"""The index on disk: whole commits, atomic rebuilds, schema versions, check, concurrent writers.

Real Whoosh indexes under tmp_path, real processes for the concurrency tests; failures are
injected through the entries handed over (an iterator that breaks, an entry that cannot be
analysed) or by holding the lock file, never by patching.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh import query as wq

from sohoa.errors import ExitCode, IndexBusyError, SearchIndexError
from sohoa.search import SCHEMA_VERSION, IndexEntry, SearchIndex, search
from sohoa.search import _engine as ex

ROOT = Path(__file__).resolve().parent.parent

NAMES = ["Nguyễn Văn Lượng", "Trần Thị Thu Hà", "Lê Đức Nghĩa", "Hoàng Ngọc Lan", "Phạm Minh Tuấn"]


def make_entry(doc_id: int, version: str = "v1", extra: str = "") -> IndexEntry:
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


def breaking(items: list[IndexEntry], after: int) -> Iterator[IndexEntry]:
    """Yield ``after`` entries, then fail as a database read would."""
    yield from items[:after]
    raise RuntimeError("database went away")


def generations(index: SearchIndex) -> list[str]:
    return sorted(p.name for p in index.path.iterdir() if p.is_dir())


def test_new_index_is_empty_and_current(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index")
    assert index.doc_count() == 0
    assert not index.needs_rebuild
    assert index.schema_version == SCHEMA_VERSION
    assert search(index, "anything").total == 0


def test_add_update_delete(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index")
    assert index.add_or_update(entries(5)) == 5
    index.add_or_update([make_entry(2, "v2", extra="bổ sung Đống Đa")])
    assert index.versions() == {1: "v1", 2: "v2", 3: "v1", 4: "v1", 5: "v1"}
    assert [h.id for h in search(index, "dong da").hits] == [2]  # the new text replaced the old
    assert index.delete([3, 99]) == 2
    assert sorted(index.versions()) == [1, 2, 4, 5]
    assert search(index, "3/QĐ-UBND").total == 0


def test_a_failed_batch_leaves_nothing_behind(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index")
    index.add_or_update(entries(3))
    with pytest.raises(RuntimeError, match="database went away"):
        index.add_or_update(breaking(entries(10, start=10), after=5))
    assert sorted(index.versions()) == [1, 2, 3]  # none of 10..14
    index.add_or_update(entries(2, start=10))  # and the index still takes writes
    assert sorted(index.versions()) == [1, 2, 3, 10, 11]


def test_check_lists_missing_stale_and_unknown(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index")
    index.add_or_update(entries(4))
    report = index.check({1: "v1", 2: "v2", 3: "v1", 7: "v1"})
    assert (report.missing, report.stale, report.unknown) == ([7], [2], [4])
    assert not report.ok
    assert index.check({i: "v1" for i in range(1, 5)}).ok


@pytest.mark.parametrize("procs", [1, 2])
def test_rebuild_swaps_in_a_new_generation(tmp_path: Path, procs: int) -> None:
    index = SearchIndex(tmp_path / "index")
    index.add_or_update(entries(3))
    before = generations(index)
    assert index.rebuild(entries(40, version="v2"), procs=procs) == 40
    assert index.versions() == {i: "v2" for i in range(1, 41)}
    after = generations(index)
    assert len(after) == 1 and after != before  # the old generation is gone
    assert search(index, "25/QĐ-UBND").hits[0].id == 25


def test_parallel_and_serial_rebuilds_answer_alike(tmp_path: Path) -> None:
    """Also with many small segments: two workers finishing segments at different times must
    not disturb each other (Whoosh writers share a temp folder; this once lost columns)."""
    one = SearchIndex(tmp_path / "one")
    two = SearchIndex(tmp_path / "two")
    one.rebuild(entries(600), procs=1)
    two.rebuild(entries(600), procs=2, segment_docs=70)
    assert not [p for p in two.path.rglob("*") if p.name.startswith(".build-") or p.name.endswith(".tmp")]
    for query in ("Lượng", "tran thi thu ha", '"duc nghia"', "qd-ubnd", "123/QĐ-UBND"):
        a, b = search(one, query, limit=600), search(two, query, limit=600)
        assert a.total == b.total
        assert {h.id for h in a.hits} == {h.id for h in b.hits}


def test_search_keeps_working_on_the_old_generation_during_a_rebuild(tmp_path: Path) -> None:
    reader = SearchIndex(tmp_path / "index")
    reader.add_or_update(entries(5))
    writer = SearchIndex(tmp_path / "index")
    with reader.searcher() as held:  # a search that opened the old generation
        writer.rebuild(entries(8, start=100), procs=1)
        # the old generation's directory is deleted, yet the open searcher still reads it
        assert held.doc_count() == 5
        assert {held.stored_fields(n)["id"] for n in range(5)} == {"1", "2", "3", "4", "5"}
        assert len(held.search(wq.Term("text", "luong"))) >= 1
    # the next search of the same object sees the new generation
    assert sorted(reader.versions()) == list(range(100, 108))
    assert search(reader, "104/QĐ-UBND").hits[0].id == 104


def test_a_failed_rebuild_leaves_the_live_index_untouched(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index")
    index.add_or_update(entries(3))
    before = generations(index)
    with pytest.raises(RuntimeError, match="database went away"):
        index.rebuild(breaking(entries(50, start=10), after=20), procs=1)
    assert generations(index) == before
    assert sorted(index.versions()) == [1, 2, 3]


def test_a_worker_failure_is_reported_not_swallowed(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index")
    index.add_or_update(entries(3))
    before = generations(index)
    broken = IndexEntry(
        id=999, version="v", source_name="x", unit=None, unit_name=None, fields=None, text="x"
    )  # type: ignore[arg-type]
    with pytest.raises(SearchIndexError, match="worker"):
        index.rebuild([*entries(300, start=10), broken], procs=2)
    assert generations(index) == before
    assert sorted(index.versions()) == [1, 2, 3]


def test_schema_version_mismatch_asks_for_a_rebuild(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index")
    index.add_or_update(entries(3))
    (index.path / generations(index)[0] / "SCHEMA_VERSION").write_text(f"{SCHEMA_VERSION - 1}\n")
    reopened = SearchIndex(tmp_path / "index")
    assert reopened.needs_rebuild
    with pytest.raises(SearchIndexError, match="rebuild"):
        reopened.add_or_update(entries(1, start=50))
    reopened.rebuild(entries(3), procs=1)
    assert not reopened.needs_rebuild
    assert sorted(reopened.versions()) == [1, 2, 3]


def test_held_lock_ends_in_busy_error_after_a_bounded_wait(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index", lock_timeout=0.5)
    with open(index.path / "write.lock", "a+b") as other:  # another process's ingest, in effect
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(IndexBusyError, match="sync") as caught:
            index.add_or_update(entries(2))
        waited = time.monotonic() - started
        assert 0.4 <= waited < 3
        assert caught.value.exit_code == ExitCode.archive
        assert search(index, "luong").total == 0  # reading never waits for the lock
    index.add_or_update(entries(2))  # released: writes go through again
    assert sorted(index.versions()) == [1, 2]


WRITER = """
import sys
from sohoa.search import IndexEntry, SearchIndex
sys.path.insert(0, {tests!r})
from test_search_index import make_entry
index = SearchIndex({path!r}, lock_timeout=60)
start = int(sys.argv[1])
for batch in range(start, start + 200, 10):
    index.add_or_update([make_entry(i) for i in range(batch, batch + 10)])
"""


def test_two_processes_writing_at_once_leave_every_document(tmp_path: Path) -> None:
    path = tmp_path / "index"
    SearchIndex(path)
    script = WRITER.format(tests=str(ROOT / "tests"), path=str(path))
    procs = [subprocess.Popen([sys.executable, "-c", script, str(start)]) for start in (1, 1001)]
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    index = SearchIndex(path)
    assert sorted(index.versions()) == list(range(1, 201)) + list(range(1001, 1201))
    assert search(index, "1150/QĐ-UBND").hits[0].id == 1150


def test_bulk_written_segments_are_ordinary_whoosh_segments(tmp_path: Path) -> None:
    """Rebuild writes segments itself; Whoosh must read, merge and delete from them alike."""
    index = SearchIndex(tmp_path / "index")
    index.rebuild(entries(700), procs=2)
    index.add_or_update([make_entry(5, "v2")])
    index.delete([7, 8])
    with index.searcher() as searcher:
        engine = index.engine(searcher)  # reads the numpy sidecars
        assert all(segment.sidecar is not None for segment in engine.segments)
        blocks = ex.Engine(searcher, ex.PostingCache(), folder=None)  # decodes Whoosh's blocks
        terms = [("text", "luong"), ("pairs", "thu ha"), ("exact", "nghĩa"), ("number", "qd-ubnd")]
        for fieldname, text in terms:
            whoosh_docs = set(searcher.docs_for_query(wq.Term(fieldname, text)))
            for reader in (engine, blocks):
                total, top = reader.run(ex.Term(fieldname, text), 1000, sort_by_date=False)
                assert total == len(whoosh_docs) > 0, (fieldname, text)
                assert {docnum for docnum, _ in top} == whoosh_docs
            assert engine.run(ex.Term(fieldname, text), 5, False) == blocks.run(
                ex.Term(fieldname, text), 5, False
            )
        for segment in engine.segments:  # field lengths and date column read as Whoosh reads them
            lengths = engine.lengths(segment, "text")
            issued = engine.column(segment, "issued")
            column = segment.reader.column_reader("issued")
            for docnum in range(0, segment.size, 23):
                assert lengths[docnum] == segment.reader.doc_field_length(docnum, "text")
                assert issued[docnum] == column[docnum]
    writer = index._open_index().writer()
    writer.commit(optimize=True)  # Whoosh merges everything into one segment (without a sidecar)
    assert not list(index.path.rglob("*.sx_ids.npy"))  # the sidecars went with their segments
    assert index.doc_count() == 698
    assert len(index.versions()) == 698
    assert search(index, "5/QĐ-UBND").hits[0].id == 5


def test_many_small_writes_are_merged_without_losing_or_reviving_documents(tmp_path: Path) -> None:
    index = SearchIndex(tmp_path / "index")
    for start in range(1, 301, 10):  # thirty ingests of ten documents
        index.add_or_update(entries(10, start=start))
        index.delete([start])  # and a deletion between them
    index.add_or_update([make_entry(2, "old"), make_entry(2, "new")])  # the last of a batch wins
    segments = index._open_index()._segments()
    assert len(segments) < 10  # merged as they came, not thirty segments
    deleted = set(range(1, 301, 10))
    assert index.versions() == {i: ("new" if i == 2 else "v1") for i in range(1, 301) if i not in deleted}
    assert search(index, "11/QĐ-UBND").total == 0  # a deleted document stays deleted after merges
    assert search(index, "12/QĐ-UBND").hits[0].id == 12
    assert search(index, "Lượng").hits[0].fields["number"].endswith("/QĐ-UBND")
