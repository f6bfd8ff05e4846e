"""The letter the field-extraction tests type: its heading, its signature block and its text page.

Shared by ``test_fields_*.py`` and ``test_metadata_patterns.py`` (no test imports another test
module). A ward's letter opens with two columns, the issuing organ and its number on the left, the
national motto and the place-date line on the right, and closes with its recipients beside the
signer's block; a text layer gives the columns one after the other, which is how these tests type
them. The layout is written here once so that the tests cannot drift apart on it; what a module
checks (its ward, its number, its date, who signs and how) stays a parameter it passes, so each
test's page is the text it was before this module existed.
"""

from __future__ import annotations

from sohoa.digitize.model import PageText


def text_page(text: str, number: int = 1, confidence: float = 1.0) -> PageText:
    """``text`` as a born-digital PDF's text layer gives it: no word boxes, so the plain-text reading
    runs (word boxes and OCR confidence are built by the tests that need them)."""
    return PageText(number=number, text=text, method="text-layer", confidence=confidence)


def letter_header(
    ward: str = "KHAI QUANG",
    number: str = "15/QĐ-UBND",
    place: str = "Khai Quang",
    date: str = "ngày 10 tháng 6 năm 2024",
) -> str:
    """A ward people's committee's heading with its number and place-date line, as a decision prints it.

    ``ward`` is printed in capitals after ``PHƯỜNG``; ``place`` and ``date`` make the line
    ``"{place}, {date}"``. Ends with a newline: the title comes next.
    """
    return f"""ỦY BAN NHÂN DÂN
PHƯỜNG {ward}
Số: {number}
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
{place}, {date}
"""


def certificate_header(ward: str = "KHAI QUANG") -> str:
    """The heading of a certificate (marriage, confirmation, permit ...): organ and motto only.

    A certificate prints its number and date, if at all, under its title, so the tests that read
    those put them in the body. Ends with a newline: the title comes next.
    """
    return f"""ỦY BAN NHÂN DÂN
PHƯỜNG {ward}
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
"""


def signature_block(
    first_recipient: str | None = "Như Điều 2", title: str = "CHỦ TỊCH", signer: str = "Lê Anh Tân"
) -> str:
    """The foot of a letter as a text layer gives it: the recipients, then the signer's block.

    ``first_recipient`` is the recipients' line above ``- Lưu: VT.`` (``"Như Điều 3"`` prints
    ``- Như Điều 3;``; ``None`` leaves only the archive copy). ``title`` is what stands under
    ``TM. ỦY BAN NHÂN DÂN``, one line or a deputy's two (``"KT. CHỦ TỊCH\\nPHÓ CHỦ TỊCH"``).
    No newline at the end: the signer's name is the page's last line.
    """
    recipients = f"- {first_recipient};\n" if first_recipient is not None else ""
    return f"""Nơi nhận:
{recipients}- Lưu: VT.
TM. ỦY BAN NHÂN DÂN
{title}
{signer}"""


# A ward's decision heading as Tesseract gives it off a scan: (top, left, text, word confidence)
# per run, the organ and the motto side by side; the tests that build OCR'd pages add their body.
SCANNED_HEADING: list[tuple[int, int, str, float]] = [
    (200, 250, "ỦY BAN NHÂN DÂN", 95.0),
    (200, 1300, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 95.0),
    (260, 250, "PHƯỜNG TÍCH SƠN", 95.0),
    (260, 1450, "Độc lập - Tự do - Hạnh phúc", 95.0),
    (330, 300, "Số: 88/QĐ-UBND", 95.0),
    (330, 1350, "Tích Sơn, ngày 04 tháng 11 năm 2024", 95.0),
    (500, 1000, "QUYẾT ĐỊNH", 95.0),
    (560, 800, "Về việc trợ cấp xã hội hằng tháng", 95.0),
]
