"""Plain data that ``digitize`` hands to ``archive``: what was read off each page.

Kept free of PIL, numpy and Tesseract types so results can cross process boundaries
(pickle) and be stored without the producer's libraries.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Word:
    """One recognised word with its box in page pixels and Tesseract's confidence (0-100)."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    block: int = 0
    line: int = 0


@dataclass
class PageText:
    """What was read off one page.

    ``method`` is ``"ocr"`` (Tesseract on the page image) or ``"text-layer"`` (a born-digital
    PDF page whose text was extracted as is). ``confidence`` is the mean word confidence in
    [0, 1] (1.0 for a text layer). ``pdf`` holds a one-page searchable PDF (the page image with
    an invisible text layer) for OCR'd pages; ``None`` where the original PDF page is kept.
    """

    number: int
    text: str
    method: str
    confidence: float
    words: list[Word] = field(default_factory=list)
    dpi: int = 0
    width: int = 0
    height: int = 0
    rotation: int = 0
    skew: float = 0.0
    pdf: bytes | None = None
    # where a pipeline spilled ``pdf`` to disk to bound memory (a 500-page scan would otherwise
    # hold every page image until its last page is read); ``assemble_pdf`` reads either
    pdf_file: str | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
