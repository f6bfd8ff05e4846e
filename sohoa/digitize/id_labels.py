"""The identity papers a form's label names, and the lengths of number each promises.

One rule for OCR and for the fields: ``read`` reads again a number its label says is cut short,
and ``fields.people`` keeps only a number of a length its label allows. A personal number
(định danh, CCCD, căn cước) has 12 digits; an old identity card (CMND) 9, though forms still
labelled CMND carry the 12-digit card that replaced it, as a person's papers (giấy tờ pháp lý,
tùy thân) may.
"""

from __future__ import annotations

import re

PERSONAL_LABEL = re.compile(r"dinh\s*danh|cccd|can\s*cuoc")
CMND_LABEL = re.compile(r"cmnd|cmtnd|chung\s*minh")
# A person's papers ("Số giấy tờ pháp lý của cá nhân", "giấy tờ tùy thân"): a CMND or a CCCD.
PAPERS_LABEL = re.compile(r"giay\s*to\s*(?:tuy\s*than|phap\s*ly)")


def promised_lengths(folded_label: str) -> tuple[int, ...] | None:
    """The digit counts a folded label allows its number, or None when it names no identity paper."""
    if PERSONAL_LABEL.search(folded_label):
        return (12,)
    if CMND_LABEL.search(folded_label) or PAPERS_LABEL.search(folded_label):
        return (9, 12)
    return None
