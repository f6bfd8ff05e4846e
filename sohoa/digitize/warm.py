"""Loaded once by the local pool's fork server, so that every reading process starts warm.

Reading its first page, a process imported pypdf (the page's PDF), pytesseract (the OCR call)
and rapidfuzz (the repair), and built the repair's index of syllables: ~0.2 s of CPU in each
process, paid while the batch waited for its first pages. In the fork server it is paid once,
while the parent opens the batch and hashes the first files, and the forked processes share it.
Importing this module does that work; nothing else imports it.
"""

from __future__ import annotations

import pypdf  # noqa: F401 - imported for the processes forked from here
import pytesseract  # noqa: F401
from rapidfuzz.distance import Levenshtein  # noqa: F401

from sohoa.digitize import read  # noqa: F401
from sohoa.digitize.syllables import repair_token

repair_token("Nguyẽn")  # builds the syllable sets and the index by folded letters
