"""Write a whole Whoosh segment from analysed documents in one pass (used by rebuild).

Whoosh's writer pushes every posting through a pickling external sort and looks up each
document's field length again while writing: about 10 µs per posting, and a 2 KB Vietnamese
document has some 600 postings (folded, exact and paired syllables), which caps a rebuild
near 100 documents/s. Here the postings of a batch are collected in per-term arrays (the
documents arrive in docnum order, so every list is already sorted) and handed to the codec
a block at a time, with the block statistics computed from lengths we already know.

The result is an ordinary Whoosh (codec W3) segment: Whoosh reads it, merges it and deletes
from it like any other, which the tests check. This module depends on the internals of
``whoosh-reloaded`` 2.7.5 (``W3PostingsWriter``'s block buffer), which is why that version is
pinned; the segment-level tests fail loudly if an upgrade changes them.
"""

from __future__ import annotations

import contextlib
from array import array
from collections.abc import Mapping
from typing import Any

from whoosh.codec.whoosh3 import W3PostingsWriter
from whoosh.index import Index
from whoosh.system import pack_uint
from whoosh.writing import SegmentWriter

# Packed frequencies for the Frequency format's posting values (most are small).
_PACKED = [pack_uint(i) for i in range(256)]


def _packed(freq: int) -> bytes:
    return _PACKED[freq] if freq < 256 else pack_uint(freq)


class SegmentBuilder:
    """Collect analysed documents (``analyzed_fields`` output) into one new segment of ``ix``.

    ``finish`` writes the segment and returns the Whoosh segment object, which the caller
    commits into the index's table of contents; nothing is visible before that. Memory
    grows with the documents added (about 5 KB each), so callers finish a segment every few
    tens of thousands of documents.
    """

    def __init__(self, ix: Index) -> None:
        self._writer = SegmentWriter(ix, _lk=False)
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
            self._postings.clear()
            writer._close_segment()
            writer._assemble_segment()
            segment = writer.get_segment()
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
