"""ID numbers (CCCD 12 digits, CMND 9) shown only by their last four digits to roles without need.

Masking is for display only: the index and the database keep the full number, so a full number
typed into search still finds its document; what comes back (fields, text, snippets) is masked.
"""

from __future__ import annotations

import re
from typing import Any

# A run of exactly 9 or 12 digits, possibly broken by a highlight mark ("[[0012...]]" keeps its
# marks outside the digits) - never part of a longer number (a household business code, a phone).
_ID_NUMBER = re.compile(r"(?<!\d)(\d{5}|\d{8})(\d{4})(?!\d)")


def mask_text(text: str) -> str:
    """``001234567890`` -> ``********7890``; other text unchanged."""
    return _ID_NUMBER.sub(lambda m: "*" * len(m.group(1)) + m.group(2), text)


def mask_value(value: Any) -> Any:
    """Mask strings, and strings inside lists and dicts (field values keep their shape)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    return value
