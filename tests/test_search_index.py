"""The index folder of a file-based engine: generations, atomic rebuilds, schema stamps, the lock.

Real indexes under ``tmp_path``, real processes for the concurrency test; failures are
injected through the entries handed over (an iterator that breaks) or by holding the lock
file, never by patching. What every engine must do for a clerk is in
``test_search_conformance.py``; this file holds what the folder layout promises.
"""

from __future__ import annotations

import fcntl
import re
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from sohoa.errors import ExitCode, IndexBusyError, SearchIndexError
from sohoa.search import SCHEMA_VERSION, IndexEntry, open_backend, search
from sohoa.search import analysis as an
from sohoa.search._tantivy import _PLAIN_FOLD, PLAIN_CHARS, TantivyBackend, analyzers

from .search_support import entries

ROOT = Path(__file__).resolve().parent.parent


def breaking(items: list[IndexEntry], after: int) -> Iterator[IndexEntry]:
    """Yield ``after`` entries, then fail as a database read would."""
    yield from items[:after]
    raise RuntimeError("database went away")


def generations(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.is_dir())


def test_opening_writes_nothing_and_an_absent_index_finds_nothing(tmp_path: Path) -> None:
    index = open_backend(None, tmp_path / "index")
    assert isinstance(index, TantivyBackend)
    assert not (tmp_path / "index").exists()  # a reader never creates files
    assert index.needs_rebuild
    assert search(index, "luong").total == 0 and index.versions() == {} and index.count() == 0
    index.add_or_update(entries(2))  # the first writer creates it
    assert not index.needs_rebuild and (tmp_path / "index" / "CURRENT").read_text().strip() == "g000001"


def test_rebuild_swaps_in_a_new_generation_and_open_readers_keep_answering(tmp_path: Path) -> None:
    reader = open_backend(None, tmp_path / "index")
    reader.add_or_update(entries(5))
    assert search(reader, "Lượng").total == 1
    writer = open_backend(None, tmp_path / "index")
    writer.rebuild(entries(8, start=100))
    assert generations(tmp_path / "index") == ["g000002"]  # the old generation is retired
    assert sorted(reader.versions()) == list(range(100, 108))  # the same object follows the swap
    assert search(reader, "104/QĐ-UBND").hits[0].id == 104


def test_a_failed_rebuild_leaves_the_live_index_untouched(tmp_path: Path) -> None:
    index = open_backend(None, tmp_path / "index")
    index.add_or_update(entries(3))
    before = generations(tmp_path / "index")
    with pytest.raises(RuntimeError, match="database went away"):
        index.rebuild(breaking(entries(50, start=10), after=20))
    assert generations(tmp_path / "index") == before
    assert sorted(index.versions()) == [1, 2, 3]


# "tantivy N.2": an index of the last release, before the pair fields; "1": a Whoosh-era index
@pytest.mark.parametrize("stamp", [f"tantivy {SCHEMA_VERSION - 1}", f"tantivy {SCHEMA_VERSION}.2", "1"])
def test_another_schema_or_engine_asks_for_a_rebuild(tmp_path: Path, stamp: str) -> None:
    index = open_backend(None, tmp_path / "index")
    index.add_or_update(entries(3))
    (tmp_path / "index" / "g000001" / "SCHEMA_VERSION").write_text(stamp + "\n")
    reopened = open_backend(None, tmp_path / "index")
    assert reopened.needs_rebuild
    with pytest.raises(SearchIndexError, match="rebuild"):
        reopened.add_or_update(entries(1, start=50))
    reopened.rebuild(entries(3))
    assert not reopened.needs_rebuild
    assert sorted(reopened.versions()) == [1, 2, 3]


def test_held_lock_ends_in_busy_error_and_readers_never_wait(tmp_path: Path) -> None:
    index = open_backend(None, tmp_path / "index", lock_timeout=0.5)
    index.add_or_update(entries(2))
    with open(tmp_path / "index" / "write.lock", "a+b") as other:  # another process's ingest, in effect
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(IndexBusyError, match="sync") as caught:
            index.add_or_update(entries(2, start=10))
        assert 0.4 <= time.monotonic() - started < 3
        assert caught.value.exit_code == ExitCode.archive
        started = time.monotonic()
        assert search(index, "nghia").total == 1  # reading never waits for the lock
        assert time.monotonic() - started < 0.4
    index.add_or_update(entries(2, start=10))  # released: writes go through again
    assert sorted(index.versions()) == [1, 2, 10, 11]


WRITER = """
import sys
sys.path.insert(0, {root!r})
from sohoa.search import open_backend
from tests.search_support import make_entry
index = open_backend(None, {path!r}, lock_timeout=60)
start = int(sys.argv[1])
for batch in range(start, start + 200, 10):
    index.add_or_update([make_entry(i) for i in range(batch, batch + 10)])
"""


def test_two_processes_writing_at_once_leave_every_document(tmp_path: Path) -> None:
    path = tmp_path / "index"
    script = WRITER.format(root=str(ROOT), path=str(path))
    procs = [subprocess.Popen([sys.executable, "-c", script, str(start)]) for start in (1, 1001)]
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    index = open_backend(None, path)
    assert sorted(index.versions()) == list(range(1, 201)) + list(range(1001, 1201))
    assert search(index, "1150/QĐ-UBND").hits[0].id == 1150


def _vietnamese_letters() -> str:
    """Every letter a Vietnamese text holds: 12 vowels x 6 tones (and capitals), đ, the rest."""
    vowels = "aăâeêioôơuưy"
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    letters = [unicodedata.normalize("NFC", v + t) for v in vowels for t in tones]
    letters += ["đ", *"bcdfghjklmnpqrstvwxz"]
    return " ".join(letters + [c.upper() for c in letters])


def test_tantivy_tokenizers_cut_and_fold_exactly_as_our_analysis() -> None:
    """tantivy cuts the text in Rust; queries are cut by our functions: they must agree."""
    text = (
        _vietnamese_letters()
        + "\nNGUYỄN Văn Lượng, ĐỐNG ĐA — Số: 1234/QĐ-UBND; 026 197 419 930; hồ_sơ e-mail (thửa 12a)"
    )
    found = {name: analyzer.analyze(text) for name, analyzer in analyzers().items()}
    assert found["sohoa_folded"] == an.folded_syllables(text)
    assert found["sohoa_exact"] == an.exact_syllables(text)


def test_every_character_left_to_rust_is_cut_and_folded_as_our_analysis_does() -> None:
    """Values made only of PLAIN_CHARS are cut in Rust: prove it for each of those characters."""
    plain = re.compile(f"[{PLAIN_CHARS}]")
    chars = [chr(c) for c in range(0x20, 0x30000) if not 0xD800 <= c < 0xE000 and plain.fullmatch(chr(c))]
    assert len(chars) > 1700 and "₫" in chars and "№" in chars and "ư" in chars and "Ỹ" in chars
    folded, exact = analyzers()["sohoa_folded"], analyzers()["sohoa_exact"]
    disagree = []
    for c in chars:
        for context in (f"a{c}b {c} {c}{c}a a{c}", f"Đ{c}Ư ư{c} {c}ư", f"1{c}2"):
            text = an.nfc(context)
            if folded.analyze(text) != an.folded_syllables(text) or exact.analyze(text) != an.exact_syllables(
                text
            ):
                disagree.append(f"U+{ord(c):04X}")
                break
    assert disagree == []


def test_pair_terms_are_cut_from_every_plain_character_as_our_analysis_cuts() -> None:
    """The pair fields get their syllables from one ``translate`` and ``split`` on plain
    values: prove that cut equal to :func:`analysis.folded_syllables` for each character."""
    plain = re.compile(f"[{PLAIN_CHARS}]")
    chars = [chr(c) for c in range(0x20, 0x30000) if not 0xD800 <= c < 0xE000 and plain.fullmatch(chr(c))]
    disagree = []
    for c in chars:
        for context in (f"a{c}b {c} {c}{c}a a{c}", f"Đ{c}Ư ư{c} {c}ư", f"1{c}2\n{c}"):
            text = an.nfc(context)
            if any(ord(ch) not in _PLAIN_FOLD for ch in text):
                continue  # NFC made it unusual (Ω ohm sign → omega): our own cut takes it
            if text.translate(_PLAIN_FOLD).split() != an.folded_syllables(text):
                disagree.append(f"U+{ord(c):04X}")
                break
    assert disagree == []


def test_two_word_phrases_and_bonuses_come_from_pairs_of_one_value(tmp_path: Path) -> None:
    """Pairs are adjacent in one value, across punctuation and line breaks, never across two."""
    index = open_backend(None, tmp_path / "index")
    index.add_or_update(
        [
            IndexEntry(
                1, "v1", "a.pdf", "P01", "P01", {"subject_names": ["Nguyễn Thị", "Thu Hà"]}, "Cư trú."
            ),
            IndexEntry(2, "v1", "b.pdf", "P01", "P01", {}, "Cấp cho bà NGUYỄN THỊ\nTHU HÀ, cư trú."),
            IndexEntry(3, "v1", "c.pdf", "P01", "P01", {}, "Hà Thu, Thị Nguyễn: cư trú, thu hà."),
            IndexEntry(4, "v1", "d.pdf", "P01", "P01", {"subject_names": ["Lê Thị Thu Hà"]}, "Thị thu phí."),
        ]
    )
    assert sorted(h.id for h in search(index, '"thi thu"').hits) == [2, 4]
    assert sorted(h.id for h in search(index, '"ha, cu"').hits) == [2]  # punctuation between
    assert sorted(h.id for h in search(index, '"nguyen thi thu"').hits) == [2]
    assert [h.id for h in search(index, 'ten:"thi thu"').hits] == [4]
    assert search(index, 'ten:"thi thu ha"').total == 1
    assert sorted(h.id for h in search(index, "nguyen thi thu ha").hits) == [1, 2, 3]  # unquoted: anywhere


# Characters on which Rust and our analysis disagree: a combining mark NFC leaves (circumflex
# typed after the tone), a superscript, a circled digit, letters ascii_fold maps and we keep.
UNUSUAL = ["Xe\u0301\u0302m", "m²", "①", "Søren", "Straße"]


def test_values_with_unusual_characters_are_indexed_as_our_analysis_cuts_them(tmp_path: Path) -> None:
    body = "Giấy xác nhận: " + " ".join(UNUSUAL) + " ở Đống Đa."
    index = open_backend(None, tmp_path / "index")
    index.add_or_update(
        [
            IndexEntry(1, "v1", "a.pdf", "P01", "P01", {"subject_names": ["Søren Nguyễn", "Thị Lan"]}, body),
            IndexEntry(2, "v1", "b.pdf", "P01", "P01", {}, "Giấy xác nhận cư trú cho ông Xuân ở Đống Đa."),
        ]
    )
    for word in UNUSUAL:
        assert [h.id for h in search(index, word).hits] == [1], word
        assert [h.id for h in search(index, f'"{word}"').hits] == [1], word
    assert [h.id for h in search(index, '"nhan xe\u0301\u0302m m²"').hits] == [1]  # positions kept
    assert [h.id for h in search(index, 'ten:"Søren Nguyen"').hits] == [1]
    assert search(index, 'ten:"nguyen thi"').total == 0  # two names never join, on this path too
    assert sorted(h.id for h in search(index, "Đống Đa").hits) == [1, 2]


def test_a_dense_exact_mark_bonus_is_left_out_and_counts_and_telling_marks_stay(tmp_path: Path) -> None:
    """On a large index the exact-mark bonus of a syllable every match carries alike (``nghĩa``
    of the national motto) is not scored: the same documents and totals, and marks that tell
    documents apart (``Hà`` against ``Hạ``) still put the exact ones first."""
    motto = "Độc lập - Tự do - Hạnh phúc. Cộng hòa xã hội chủ nghĩa Việt Nam."
    bodies = [
        "Nghĩa vụ thuế của hộ ở Hà Nội.",
        "Nghĩa vụ nộp phí ở Hạ Long, nghĩa vụ thuế.",
        "Xác nhận cư trú ở Hà Giang.",
        "Hạ tầng xã, ông Hạ Văn Ha.",
    ]
    path = tmp_path / "index"
    small = TantivyBackend(path)
    small.add_or_update(
        [IndexEntry(i, "v1", f"{i}.pdf", "P01", "P01", {}, f"{motto} {b}") for i, b in enumerate(bodies, 1)]
    )
    large = TantivyBackend(path)
    large.dense_bonus_docs = 2  # what 50,000 documents are to the default
    for text in ("nghĩa", "nghĩa vụ thuế", '"nghĩa vụ"', "Hà"):
        found, before = search(large, text), search(small, text)
        assert sorted(h.id for h in found.hits) == sorted(h.id for h in before.hits)
        assert found.total == before.total
    # the dense bonus is really left out: every document scores less than with it
    with_bonus = {h.id: h.score for h in search(small, "nghĩa").hits}
    assert all(h.score < with_bonus[h.id] for h in search(large, "nghĩa").hits)
    assert sorted(h.id for h in search(large, "Hà").hits[:2]) == [1, 3]
    small.close()
    large.close()
