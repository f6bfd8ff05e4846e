"""Write a whole Whoosh segment from analysed documents in one pass (used by rebuild).

Whoosh's writer pushes every posting through a pickling external sort and looks up each
document's field length again while writing: about 10 µs per posting, and a 2 KB Vietnamese
document has some 600 postings (folded, exact and paired syllables), which caps a rebuild
near 100 documents/s. Here the postings of a batch are collected in per-term arrays (the
documents arrive in docnum order, so every list is already sorted) and handed to the codec
a block at a time, with the block statistics computed from lengths we already know.

Next to each segment a *sidecar* holds the same postings as flat numpy arrays (sorted keys,
offsets, document numbers, weights), memory-mapped by the query engine: a common syllable's
100,000 postings are then a slice, not 100 blocks to unpickle, which is what makes a cold
``sohoa search`` process answer quickly. The sidecar is derived data named after the segment,
so Whoosh deletes it with the segment; when it is missing the engine decodes the blocks.

The result is an ordinary Whoosh (codec W3) segment: Whoosh reads it, merges it and deletes
from it like any other, which the tests check. This module depends on the internals of
``whoosh-reloaded`` 2.7.5 (``W3PostingsWriter``'s block buffer), which is why that version is
pinned; the segment-level tests fail loudly if an upgrade changes them.
"""

from __future__ import annotations

import contextlib
from array import array
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3Codec, W3PostingsWriter
from whoosh.index import Index
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

# Postings per block. Whoosh's default is 128; the query engine decodes whole posting lists,
# where the per-block cost (unpickle, decompress) dominates, so larger blocks decode a common
# syllable's list several times faster. Whoosh reads any block size.
BLOCK_POSTINGS = 1024

# Packed frequencies for the Frequency format's posting values (most are small).
_PACKED = [pack_uint(i) for i in range(256)]


def _packed(freq: int) -> bytes:
    return _PACKED[freq] if freq < 256 else pack_uint(freq)


class SegmentBuilder:
    """Collect analysed documents (``analyzed_fields`` output) into one new segment of ``ix``.

    ``finish`` writes the segment and returns the Whoosh segment object, which the caller
    commits into the index's table of contents; nothing is visible before that. Memory
    grows with the documents added (about 15 KB each), so callers finish a segment every few
    tens of thousands of documents.
    """

    def __init__(self, ix: Index, blocklimit: int = BLOCK_POSTINGS) -> None:
        # Not a compound file: Whoosh reads a compound segment's parts through BytesIO copies,
        # which put the whole postings and term files of every segment in memory at open.
        self._writer = SegmentWriter(ix, _lk=False, codec=W3Codec(blocklimit=blocklimit), compound=False)
        self._schema = ix.schema
        self._postings: dict[str, dict[bytes, tuple[array, array]]] = {}
        self._lengths: dict[str, array] = {}
        self.count = 0

    def add(self, doc: Mapping[str, Any]) -> None:
        docnum = self.count
        schema = self._schema
        perdoc = self._writer.perdocwriter
        perdoc.start_doc(docnum)
        try:
            for fieldname in sorted(doc):
                value = doc[fieldname]
                if value is None:
                    continue
                fieldobj = schema[fieldname]
                length = 0
                if fieldobj.indexed:
                    terms = self._postings.setdefault(fieldname, {})
                    for tbytes, freq, weight, _ in fieldobj.index(value):
                        entry = terms.get(tbytes)
                        if entry is None:
                            entry = terms[tbytes] = (array("I"), array("f"))
                        entry[0].append(docnum)
                        entry[1].append(weight)
                        length += freq
                    if fieldobj.scorable:
                        column = self._lengths.setdefault(fieldname, array("I"))
                        column.extend([0] * (docnum + 1 - len(column)))
                        column[docnum] = length
                    else:
                        length = 0
                perdoc.add_field(fieldname, fieldobj, value if fieldobj.stored else None, length)
                if fieldobj.column_type is not None:
                    perdoc.add_column_value(fieldname, fieldobj.column_type, fieldobj.to_column_value(value))
        finally:
            perdoc.finish_doc()
        self.count += 1

    def finish(self) -> Any | None:
        """Write the segment files; returns the segment, or None if no document was added."""
        writer = self._writer
        try:
            if self.count == 0:
                writer.cancel()
                return None
            writer.docnum = self.count
            writer.perdocwriter.close()
            _write_postings(writer, self._schema, self._postings, self._lengths)
            writer._close_segment()
            segment = writer.get_segment()
            write_sidecar(Path(writer.storage.folder), segment.segment_id(), self._postings)
            self._postings.clear()
            writer._finish()
            return segment
        except BaseException:
            self.cancel()
            raise

    def cancel(self) -> None:
        """Drop the segment being built (its files are removed with the temp storage)."""
        if not self._writer.is_closed:
            with contextlib.suppress(Exception):  # the original error matters more
                self._writer.cancel()


def _write_postings(
    writer: SegmentWriter,
    schema: Any,
    postings: dict[str, dict[bytes, tuple[array, array]]],
    lengths: dict[str, array],
) -> None:
    """Feed every term's postings to the codec a block at a time, fields and terms sorted."""
    fieldwriter = writer.fieldwriter
    for fieldname in sorted(postings):
        fieldobj = schema[fieldname]
        fieldwriter.start_field(fieldname, fieldobj)
        postwriter = fieldwriter._postwriter
        if not isinstance(postwriter, W3PostingsWriter):  # pragma: no cover - pinned version
            raise RuntimeError("unexpected Whoosh postings writer: is whoosh-reloaded 2.7.5 installed?")
        blocklimit = postwriter._blocklimit
        fixed = fieldobj.format.fixed_value_size()
        with_values = fixed is not None and fixed > 0
        doclengths = lengths.get(fieldname) if fieldobj.scorable else None
        if doclengths is not None:
            doclengths.extend([0] * (writer.docnum - len(doclengths)))
        terms = postings[fieldname]
        for tbytes in sorted(terms):
            ids, weights = terms[tbytes]
            fieldwriter.start_term(tbytes)
            count = len(ids)
            for start in range(0, count, blocklimit):
                end = min(start + blocklimit, count)
                block_ids = ids[start:end]
                block_weights = weights[start:end]
                postwriter._ids = block_ids
                postwriter._weights = block_weights
                postwriter._values = [_packed(int(w)) for w in block_weights] if with_values else []
                postwriter._maxweight = max(block_weights)
                if doclengths is not None:
                    block_lengths = [doclengths[d] for d in block_ids]
                    postwriter._minlength = min(block_lengths)
                    postwriter._maxlength = max(block_lengths)
                else:
                    postwriter._minlength = None
                    postwriter._maxlength = 0
                if end < count:
                    postwriter._write_block()
            fieldwriter.finish_term()  # writes the last block (or inlines a single posting)
        fieldwriter.finish_field()
    fieldwriter.close()


# Keys (field NUL term, UTF-8) longer than this stay out of the sidecar (the engine decodes
# those few terms from the Whoosh blocks), so one odd OCR token cannot widen every key.
SIDECAR_KEY_BYTES = 64
_SIDECAR_PARTS = ("keys", "offsets", "ids", "weights")


def sidecar_paths(folder: Path, segment_id: str) -> dict[str, Path]:
    """The sidecar files of a segment (named so that Whoosh's file cleaning covers them)."""
    return {part: folder / f"{segment_id}.sx_{part}.npy" for part in _SIDECAR_PARTS}


def sidecar_key(fieldname: str, text: str | bytes) -> bytes:
    tbytes = text if isinstance(text, bytes) else text.encode("utf-8")
    return fieldname.encode("ascii") + b"\x00" + tbytes


def write_sidecar(
    folder: Path, segment_id: str, postings: dict[str, dict[bytes, tuple[array, array]]]
) -> None:
    """Write a segment's postings as flat arrays, term by term (no full copy in memory)."""
    keys = sorted(
        key
        for fieldname, terms in postings.items()
        for tbytes in terms
        if len(key := sidecar_key(fieldname, tbytes)) <= SIDECAR_KEY_BYTES
    )
    lists = []
    for key in keys:
        fieldname, _, tbytes = key.partition(b"\x00")
        lists.append(postings[fieldname.decode("ascii")][tbytes])
    paths = sidecar_paths(folder, segment_id)
    width = max((len(k) for k in keys), default=1)
    np.save(paths["keys"], np.array(keys, dtype=f"S{width}"))
    offsets = np.zeros(len(keys) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(ids) for ids, _ in lists], dtype=np.int64)
    np.save(paths["offsets"], offsets)
    # Written term by term straight from the builder's arrays (native uint32 / float32), so
    # no second copy of the postings is ever made in memory.
    for part, typecode, dtype in (("ids", "I", np.uint32), ("weights", "f", np.float32)):
        assert array(typecode).itemsize == np.dtype(dtype).itemsize
        with open(paths[part], "wb") as out:
            header = {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": (int(offsets[-1]),)}
            np.lib.format.write_array_header_1_0(out, header)
            index = 0 if part == "ids" else 1
            for pair in lists:
                out.write(pair[index])


class Sidecar:
    """Read side of a segment's sidecar (memory-mapped; nothing is loaded up front)."""

    def __init__(self, folder: Path, segment_id: str) -> None:
        paths = sidecar_paths(folder, segment_id)
        self.keys = np.load(paths["keys"], mmap_mode="r")
        self.offsets = np.load(paths["offsets"], mmap_mode="r")
        self.ids = np.load(paths["ids"], mmap_mode="r")
        self.weights = np.load(paths["weights"], mmap_mode="r")

    @classmethod
    def open(cls, folder: Path, segment_id: str) -> Sidecar | None:
        """The sidecar, or None when the segment has none (written by Whoosh itself)."""
        try:
            return cls(folder, segment_id)
        except (OSError, ValueError):
            return None

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """(docnums, weights) of a term; empty arrays if absent; None if not covered here."""
        key = sidecar_key(fieldname, text)
        if len(key) > SIDECAR_KEY_BYTES:
            return None
        if len(key) > self.keys.dtype.itemsize:  # longer than every key here: absent
            return self.ids[0:0], self.weights[0:0]
        # The probe gets the keys' own dtype, so numpy never converts the mapped array.
        probe = np.array(key, dtype=self.keys.dtype)
        index = int(np.searchsorted(self.keys, probe))
        if index < len(self.keys) and self.keys[index] == key:
            start, end = int(self.offsets[index]), int(self.offsets[index + 1])
            return self.ids[start:end], self.weights[start:end]
        return self.ids[0:0], self.weights[0:0]
