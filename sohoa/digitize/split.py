"""Split a batch scan (many documents fed through the scanner as one file) into documents.

Three modes, chosen by the clerk (``sohoa ingest --split``):

* ``auto`` (default): a new document starts at a page that opens with a document header —
  the national motto top right, or the issuing body top left with ``Số:`` or the place-and-date
  under it (NĐ 30/2020, Phụ lục I). Continuation pages never start one: pages 2+ carry a page
  number at the top centre, and a last page holding only the end of the body and the signer
  block (``TM. ỦY BAN NHÂN DÂN`` …) has no motto and no ``Số:`` line. Blank pages stay with the
  document before them, so no page is ever lost.
* ``blank``: the clerk put a blank sheet between documents; those sheets split and are dropped.
* ``none``: the whole file is one document.

Pure and cheap: it reads the OCR words/text already produced for each page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from sohoa.digitize.fields_text import Line, page_lines
from sohoa.digitize.fields_vocab import snap_issuer_line
from sohoa.digitize.model import PageText
from sohoa.text import squash

MODES = ("auto", "blank", "none")

_MOTTO = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc")
_NUMBER_LINE = re.compile(r"^\s*(?:s|5)[o0]\s*[:;.,]\s*[0-9oil]")
_DATE_LINE = re.compile(r"ng[a-z]?y\s*[0-9oil]{1,2}\s*th[a-z]?ng\s*[0-9oil]{1,2}\s*n[a-z]?m\s*[0-9oil]{4}")
_PAGE_NUMBER = re.compile(r"^\s*-?\s*([0-9]{1,3})\s*-?\s*$")
_AUTHORITY = ("tm.", "kt.", "tl.", "tuq.", "q.", "tm ", "kt ")


@dataclass(frozen=True)
class PageRole:
    """What a page looks like to the splitter (kept for tests and the ingest log)."""

    blank: bool
    header: bool
    numbered: bool


def _meaningful_chars(page: PageText) -> int:
    """Letters and digits OCR is fairly sure of: speckles on a blank sheet read as a few unsure marks."""
    if page.words:
        return sum(sum(c.isalnum() for c in w.text) for w in page.words if w.conf >= 40)
    return sum(c.isalnum() for c in page.text)


def _top_lines(page: PageText) -> tuple[list[Line], int, int, bool]:
    laid = page_lines(page)
    if laid.has_boxes and laid.height:
        top = [ln for ln in laid.lines if (ln.top or 0) < laid.height * 0.3]
    else:
        top = laid.lines[:8]
    return top, laid.width, laid.height, laid.has_boxes


def classify_page(page: PageText) -> PageRole:
    """Decide whether a page is blank, opens a document, or carries a continuation page number."""
    if _meaningful_chars(page) < 8:
        return PageRole(blank=True, header=False, numbered=False)
    top, width, height, boxes = _top_lines(page)
    numbered = False
    if top:
        first = top[0]
        m = _PAGE_NUMBER.match(first.text)
        centred = True
        if boxes and width and first.centre_x is not None:
            centred = abs(first.centre_x - width / 2) < 0.12 * width
        numbered = bool(m and centred and int(m.group(1)) >= 2)
    motto = False
    issuer = False
    number_or_date = False
    for line in top:
        key = squash(line.folded)
        if any(fuzz.partial_ratio(m, key) >= 85 for m in _MOTTO if len(key) >= 12):
            motto = True
        if key.startswith(_AUTHORITY):
            continue  # "TM. ỦY BAN NHÂN DÂN" opens a signer block, not a document
        left = not boxes or not width or line.centre_x is None or line.centre_x < width * 0.5
        if left and snap_issuer_line(line.text):
            issuer = True
        if _NUMBER_LINE.match(key) or _DATE_LINE.search(key):
            number_or_date = True
    header = (motto or (issuer and number_or_date)) and not numbered
    return PageRole(blank=False, header=header, numbered=numbered)


def split_pages(pages: list[PageText], mode: str = "auto") -> list[tuple[int, int]]:
    """Return the documents in ``pages`` as 1-based inclusive ``(first, last)`` positions in the list.

    ``blank`` leaves the separator sheets out of every range; the other modes cover every page.
    """
    if mode not in MODES:
        raise ValueError(f"split mode must be one of {', '.join(MODES)}, not {mode!r}")
    n = len(pages)
    if n == 0:
        return []
    if mode == "none":
        return [(1, n)]
    roles = [classify_page(p) for p in pages]
    if mode == "blank":
        ranges: list[tuple[int, int]] = []
        start = None
        for i, role in enumerate(roles, 1):
            if role.blank:
                if start is not None:
                    ranges.append((start, i - 1))
                    start = None
            elif start is None:
                start = i
        if start is not None:
            ranges.append((start, n))
        return ranges
    starts = [1]
    seen_content = not roles[0].blank
    for i, role in enumerate(roles[1:], 2):
        if role.header and seen_content:
            starts.append(i)
        seen_content = seen_content or not role.blank
    ends = [s - 1 for s in starts[1:]] + [n]
    return list(zip(starts, ends, strict=True))
