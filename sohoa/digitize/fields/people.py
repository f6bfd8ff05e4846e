"""People and their identifiers: subject names and personal numbers.

Names are found by position (after ``ông``/``bà``, after ``Họ và tên:`` and the like; beside a
table's row label, under a column header such as ``Họ và tên chủ hộ``) in an open vocabulary
(see ``fields_names``); labels that follow a name on the same line are cut off. A result may
be about several people (husband and wife, household heads, households whose land is
recovered): every one is given, in printed order, and a name cell that OCR left unreadable
sends the list to review. Identifiers: CCCD / personal number (12 digits), CMND (9 digits),
business codes and passports where a label names them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable

from sohoa.digitize.fields_names import (
    CLEAN_NAME_WORD,
    NameSighting,
    can_open_name,
    consolidate,
    is_middle_only,
    is_name_syllable,
    is_name_token,
    is_surname,
    looks_like_name,
    surnames,
)
from sohoa.digitize.fields_text import Line, PageLines, fix_digits
from sohoa.digitize.id_labels import promised_lengths
from sohoa.digitize.model import Word
from sohoa.digitize.rows import holds_middle, top_bottom
from sohoa.digitize.syllables import is_syllable
from sohoa.text import fold_aligned

# Labels after which a form prints a person's name; OCR reads the label's colon as a semicolon
# at times ('Họ, chữ đệm, tên người đã chết; LÊ NGỌC THỊNH' on a fax).
_NAME_LABELS = re.compile(
    r"(?:ho[,.]?\s*chu\s*dem[,.]?\s*(?:va\s*)?ten|ho\s*va\s*ten|ho\s*ten|ten\s*chu\s*ho|chu\s*ho"
    r"|nguoi\s*(?:yeu\s*cau|de\s*nghi|duoc\s*cap|nop\s*(?:ho\s*so|don)|dai\s*dien|giam\s*ho|duoc\s*giam\s*ho"
    r"|khai|dung\s*ten|dung\s*don|khieu\s*nai|to\s*cao|dang\s*ky|(?:duoc\s*)?nhan|duoc\s*huong)"
    r"|cap\s*cho|chu\s*dau\s*tu|ten\s*thuong\s*nhan)"
    r"(?P<rest>[^:;]{0,40})[:;]\s*"
)
# A household business goes by its owner's name ("Hộ kinh doanh Nguyễn Văn An") or by a trade
# name ("Hộ kinh doanh Tạp hóa Minh Anh"): a name after it needs a listed surname.
_BUSINESS_OF = "ho kinh doanh"
# A household's or a citizen's name after "hộ" or "công dân" in running text.
_HOUSEHOLD_OR_CITIZEN = "ho/cong dan"
# Words put before a person's name: ông, bà, anh, chị, cháu, em (and a household business's, a
# household's, a citizen's).
_HONORIFICS = {"ong", "ba", "ong/ba", "anh", "chi", "chau", "em", _BUSINESS_OF, _HOUSEHOLD_OR_CITIZEN}
# "anh", "chị", "em", "cháu", "hộ" and "dân" are also common words: a name after them needs a
# listed surname.
_WEAK_HONORIFICS = {"anh", "chi", "chau", "em", _BUSINESS_OF, _HOUSEHOLD_OR_CITIZEN}
# The honorifics as spelled: a capitalised word that folds to one but is another syllable is no
# honorific ("Bá" in "CẤN BÁ THỊNH"); in lower case OCR's slips on the marks still count.
_SPELLED_HONORIFICS = {"ông", "bà", "ông/bà", "anh", "chị", "cháu", "em"}
# Form labels that may follow a name on the same line ("… MINH ANH Giới tính: Nữ").
_FORM_LABELS = (
    "gioi tinh", "ngay sinh", "sinh ngay", "nam sinh", "ngay, thang, nam sinh", "dan toc", "quoc tich",
    "noi sinh", "noi cu tru", "que quan", "so dinh danh", "dia chi", "thuong tru", "tam tru", "cmnd",
    "cccd", "can cuoc", "ho chieu", "nghe nghiep", "chuc vu", "dien thoai", "ton giao", "trinh do",
    "quan he", "sinh nam", "noi o", "cu tru", "nam sinh",
)


# Words that never stand inside a person's name: a position or a unit follows the name in a
# table row ("Ông Khuất Văn Lân Chủ tịch UBND").
_NEVER_IN_NAME = frozenset((
    "chủ", "phó", "trưởng", "giám", "cán", "ủy", "uỷ", "phường", "xã", "tỉnh", "huyện", "quận", "phòng", "sở",
    "ban", "ngày", "tháng", "số", "mã", "họ", "giấy", "nơi", "địa", "tổ", "thôn", "xóm", "ấp", "đường",
    "chánh",
))  # fmt: skip


def _known_label_at(tokens: list[str], k: int) -> bool:
    rest = fold_aligned(" ".join(tokens[k : k + 6]))
    return any(rest.startswith(label) for label in _FORM_LABELS)


def _starts_label(tokens: list[str], k: int) -> bool:
    """True when ``tokens[k:]`` opens a form label: a known one, or a word then lower case up to ``:``.

    ``… Văn An sinh năm: 1970``: a known label right after ``An`` makes ``An`` part of the name.
    """
    if _known_label_at(tokens, k):
        return True
    if _known_label_at(tokens, k + 1):
        return False
    for j in range(k + 1, min(len(tokens), k + 5)):
        word = tokens[j]
        if word.endswith(":"):  # not where a known label follows: 'DŨNG:' was the name's end
            return (word[:1].islower() or word.isupper()) and not _known_label_at(tokens, j + 1)
        if not word[:1].islower():
            return False
    return False


def _name_run(tokens: list[str], allow_caps: bool) -> list[str]:
    """The name at the start of ``tokens``: capitalised syllables up to punctuation or a label.

    Capitals are title-cased when ``allow_caps`` (forms print names in capitals). A token that
    opens the next label (``Giới tính:``) or ends in ``:`` is not part of the name.
    """
    run: list[str] = []
    for k, token in enumerate(tokens[:6]):
        # "Hộ ông Tạ Năm: 71 m2": a list item's name ends on the colon before its figures.
        item_end = token.endswith(":") and k and k + 1 < len(tokens) and tokens[k + 1][:1].isdigit()
        # "NGUYỄN CÔNG DŨNG: Giới tính: Nam": OCR read the full stop as a colon; a known label
        # right after it says the colon ends the name, not a label of its own.
        item_end = item_end or (token.endswith(":") and k and _known_label_at(tokens, k + 1))
        if (token.endswith(":") and not item_end) or (k and _starts_label(tokens, k)):
            break
        if k and token[:1] == "(" and ")" not in token and token[1:].isupper():
            token = token[1:]  # 'NGỚ (QUANG HÙNG': a seal's ring edge read as an opening bracket
        bare = token.rstrip(",.;)" + (":" if item_end else ""))
        if allow_caps and bare.isalpha() and bare.isupper():
            bare = bare.capitalize()
        if not is_name_token(bare) or (k and bare.lower() in _NEVER_IN_NAME):
            break
        run.append(bare)
        if len(bare) != len(token):  # punctuation ends the name
            break
    return run[:5]


def _strip_leaders(tokens: list[str]) -> list[str]:
    """Drop the dot leaders a form prints before a filled-in value (``……``, ``____``)."""
    while tokens and not any(c.isalnum() for c in tokens[0]):
        tokens = tokens[1:]
    if tokens and tokens[0][:1] in ".…_" and any(c.isalpha() for c in tokens[0]):
        tokens = [tokens[0].lstrip("._…"), *tokens[1:]]
    return tokens


def _height(line: Line) -> float:
    return float(max(1, (line.bottom or 0) - (line.top or 0)))


def _strip_honorific(tokens: list[str]) -> list[str]:
    if len(tokens) > 2 and fold_aligned(tokens[0]).strip(":,") in _HONORIFICS:
        return tokens[1:]
    return tokens


# Strength of a name one of whose syllables OCR read unsure: below the review threshold (0.8).
_DOUBTFUL_NAME = 0.7


def _name_conf(page: PageLines, index: int, run: list[str]) -> float:
    """The confidence of a name read on line ``index`` (and the next, where it wraps): the line's,
    capped to doubtful when a word carrying one of its syllables was read unsure."""
    wanted = {fold_aligned(token) for token in run}
    lines = page.lines[index : index + 2]
    confs = [w.conf for ln in lines for w in ln.words if fold_aligned(w.text.strip(",.;:()")) in wanted]
    conf = lines[0].conf if lines else 0.0
    if (confs and min(confs) < CLEAN_NAME_WORD) or (lines and _cut_short(page, lines[0], run)):
        return min(conf, _DOUBTFUL_NAME)
    return conf


def _cut_short(page: PageLines, line: Line, run: list[str]) -> bool:
    """True when the name may go on past what was read of it: the word right after it on its row
    was read unsure (``PHẠM KIM`` | ``TRU2&G`` at 68; ``KHUẤT XUÂN`` | a seal's ``T2`` at 68),
    or it opens on a middle syllable (``VĂN LUYẾN``: the surname lost). Such a name is a part
    of one, for the clerk to complete."""
    if is_middle_only(run[0]):
        return True
    last = fold_aligned(run[-1])
    ends = [w for w in line.words if fold_aligned(w.text.strip(",.;:()")) == last]
    if not ends:
        return False
    end = ends[0]
    after = [
        w
        for ln in page.lines
        for w in ln.words
        if w.left > end.left + end.width and holds_middle(top_bottom(w), top_bottom(end))
    ]
    following = min(after, key=lambda w: w.left, default=None)
    if following is None:
        return False
    return following.conf < CLEAN_NAME_WORD and any(c.isalnum() for c in following.text)


# A name label standing as a table's row label or column header, with no value after it on its
# line: "Họ, chữ đệm, tên" | husband | wife; "STT | Họ và tên chủ hộ | Thôn"; "Tên người sử dụng
# đất". The roles after "Họ và tên" name a person, never a business or a body.
_ROLE = (
    r"(?:chu\s*ho(?:\s*kinh\s*doanh)?|chong|vo|(?:chu|nguoi)\s*su\s*dung(?:\s*dat)?"
    r"|ho\s*gia\s*dinh(?:,?\s*ca\s*nhan)?|nguoi\s*(?:duoc|yeu\s*cau|de\s*nghi|dai\s*dien)[a-z ]{0,20}"
    r"|thanh\s*vien)"
)
_NAME_HEAD = re.compile(
    r"^\W*(?:\w{1,4}\W+)?(?P<label>(?:ho[,.]?\s*chu\s*dem[,.]?\s*(?:va\s*)?ten|ho\s*va\s*ten|ho\s*ten)"
    rf"(?:\s*(?:cua\s*)?{_ROLE})?|ten\s*(?:cua\s*)?{_ROLE}|chu\s*ho|ho\s*gia\s*dinh,?\s*ca\s*nhan)\s*(?P<colon>:)?\s*"
)
# A line that opens a list item or a table row: "1. Ông …", "2) …", "- Bà …", "3 | …".
_ENTRY_LINE = re.compile(r"^\s*(?:[0-9]{1,3}\s*[.,)/|]?|[-–+•*])\s")
# What opens a table cell or a list item before the name: its number, a rule read as a bar, and
# the household's or person's honorific ("1. Hộ ông", "2 | Bà", "- Hộ gia đình bà").
_ITEM_LEAD = re.compile(r"^(?:[\s|.\-–:;)(]|[0-9]{1,3}[.)]?(?=\s|$))+")
# A number OCR garbled ("Z2", "l.", "(1"): a short token at the front with a digit or a bar in it.
_GARBLED_NUMBER = re.compile(r"^\W*\w{0,2}[0-9|]\w{0,2}\W*\s+")
_CELL_HONORIFIC = re.compile(
    r"^(?:(?P<business>ho\s+kinh\s+doanh\s+)"
    r"|(?:ho\s+(?:gia\s+dinh\s+)?)?(?:ong|ba|anh|chi|chau|em)(?:\s*/\s*ba|\s*\(ba\))?\s+)"
)
# How many rows a name column is read down at most.
_COLUMN_ROWS = 60


def _same_row(a: Line, b: Line) -> bool:
    """True when two lines of an OCR'd page share a visual row (half their height overlaps)."""
    if a.top is None or b.top is None or a.bottom is None or b.bottom is None:
        return False
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap >= 0.5 * min(_height(a), _height(b))


def _cells(words: list[Word], text: str) -> list[str]:
    """``text`` (the line's words, or its end) cut into table cells at gaps much wider than a space.

    A ruled table's cells read as one line when its rules vanish: "NGUYỄN VĂN AN   TRẦN THỊ BÌNH".
    Names are set with single spaces, so a gap of well over a space (and over half a capital's
    height) parts two cells.
    """
    tokens = text.split()
    if not words or len(tokens) > len(words):
        return [text] if tokens else []
    words = sorted(words, key=lambda w: w.left)[len(words) - len(tokens) :]
    heights = sorted(w.height for w in words)
    gaps = [b.left - (a.left + a.width) for a, b in zip(words, words[1:], strict=False)]
    normal = sorted(gaps)[len(gaps) // 2] if gaps else 0
    limit = max(heights[len(heights) // 2] * 0.75, 2.5 * normal)
    cells, current = [], [tokens[0]]
    for token, gap in zip(tokens[1:], gaps, strict=True):
        if gap > limit:
            cells.append(" ".join(current))
            current = []
        current.append(token)
    cells.append(" ".join(current))
    return cells


# What opens the name of a body, not a person's, after a label that takes either ("Cấp cho:",
# "Chủ đầu tư:"): "CÔNG TY CỔ PHẦN …", "Ban quản lý dự án …", "Trường Mầm non …". Công, Ban
# and Trường are surnames too, so the surname list cannot tell them.
_BODY_OPENING = re.compile(
    r"^(?:cong\s*ty|tong\s*cong\s*ty|ban\s*quan\s*ly|ban\s*chi\s*dao|truong\s*(?:mam|tieu|trung|dai|cao|thcs|thpt)"
    r"|trung\s*tam|uy\s*ban|hop\s*tac\s*xa|doanh\s*nghiep|chi\s*nhanh|cua\s*hang|benh\s*vien|tram\s*y\s*te"
    r"|van\s*phong|nha\s*may|xi\s*nghiep|tap\s*doan|hoi\s|quy\s|cong\s*an|phong\s|so\s|nha\s*van\s*hoa)"
)


def _cell_reading(text: str, honorific: bool = True, label_value: bool = False) -> tuple[list[str], bool]:
    """``(name, cut)``: the name a table cell or a list item holds, its number (and honorific)
    aside, else ``[]``; and whether a garbled word follows or opens it ("NGUYỄN QUAN qggYẾN",
    "ẾẠM VĂN LUYẾN": the name lost its end or its surname to a seal or a stain).

    The value after a "Họ và tên:" label keeps a leading "Ông": there it is a surname; and a
    label's value (``label_value``) may open on a surname that opens a form's lines elsewhere
    (``ĐỒNG VĂN HẢI``, ``MÃ THỊ LAN``: see :func:`looks_like_name`).
    """
    lead = _ITEM_LEAD.match(text) or _GARBLED_NUMBER.match(text)
    text = text[lead.end() :] if lead else text
    title = _CELL_HONORIFIC.match(fold_aligned(text)) if honorific else None
    if title and not _spelled_as_honorific(text[: title.end()]):
        title = None  # "HỒ BÁ LUYẾN" folds as "hộ bà" does: a surname and a middle name
    text = text[title.end() :] if title else text
    if _BODY_OPENING.match(fold_aligned(text)):
        return [], False
    tokens = _strip_leaders(text.split())
    run = _name_run(tokens, allow_caps=True)
    if title and title.group("business") and not (run and is_surname(run[0])):
        return [], False  # "HỘ KINH DOANH TẠP HÓA MINH ANH": a trade name, not its owner's
    lost = len(tokens) >= 3 and _garbled(tokens[0]) and not looks_like_name(" ".join(run), label_value)
    if lost:
        # "ẾẠM VĂN LUYẾN": the seal over the surname left no syllable of it; the name is read
        # on from the next word, and the clerk supplies the surname
        tokens = tokens[1:]
        run = _name_run(tokens, allow_caps=True)
    if not looks_like_name(" ".join(run), label_value):  # two to five syllables, as a name has
        return [], False
    after = tokens[len(run)].strip(",.;:()") if len(tokens) > len(run) else ""
    cut = lost or _garbled(after)
    return run, cut


def _names_run_together(cell: str) -> list[str]:
    """``cell`` as the two names it holds when two columns' names ran together with no wider gap
    between them (``NGUYỄN MINH DŨNG NGUYỄN THANH YẾN``: a husband's and a wife's), else ``[cell]``.

    Five capitalised words or more are two names where a listed surname stands third or later
    with two words after it: a name runs to four syllables, and a middle surname (``Nguyễn Lê
    Minh Anh``) stands second. Neither name ends on a middle syllable (``NGUYỄN VĂN`` | ``AN
    TRẦN THỊ BÌNH`` is no parting: An is a surname too). The parting is a guess, so the list
    goes to review.
    """
    tokens = cell.split()
    words = [t.strip(",.;:") for t in tokens]
    if len(words) < 5 or not all(w.isalpha() and w[:1].isupper() for w in words):
        return [cell]
    if _BODY_OPENING.match(fold_aligned(cell)):
        return [cell]  # "BAN QUẢN LÝ DỰ ÁN …": a body's name, no person in it
    # "HỘ KINH DOANH NGUYỄN VĂN TƯ", "HỘ ÔNG …": one name after its honorific, not two names
    opening = _CELL_HONORIFIC.match(fold_aligned(cell))
    spelled = opening and _spelled_as_honorific(cell[: opening.end()])
    honorific = len(opening.group(0).split()) if spelled else 0
    for k in range(2 + honorific, len(words) - 1):
        whole = not is_middle_only(words[k - 1]) and not is_middle_only(words[-1])
        if whole and words[k].capitalize() in surnames():
            return [" ".join(tokens[:k]), " ".join(tokens[k:])]
    return [cell]


def _garbled(token: str) -> bool:
    """True for a word of letters that is no Vietnamese syllable: what OCR made of a name's word
    a seal or a stain covered."""
    token = token.strip(",.;:()")
    return token.isalpha() and not is_syllable(token.lower())


# How a cell's honorific is spelt ("Hộ gia đình bà", "Ông/Bà"), for telling it from a name's
# syllables that fold the same ("HỒ BÁ" is "ho ba" as "hộ bà" is).
_CELL_HONORIFIC_WORDS = frozenset({
    "hộ", "gia", "đình", "kinh", "doanh", "ông", "bà", "anh", "chị", "cháu", "em",
})  # fmt: skip


def _spelled_as_honorific(text: str) -> bool:
    """True unless a word of ``text`` carries marks other than the honorific's (``HỒ``, ``BÁ``).

    A word OCR read without marks (``Ho ong``) may still be the honorific: folding matched it.
    """
    for token in re.split(r"[\s/()]+", text.lower()):
        if token and fold_aligned(token) != token and token not in _CELL_HONORIFIC_WORDS:
            return False
    return True


def _cell_name(text: str, honorific: bool = True, label_value: bool = False) -> list[str]:
    """The name a table cell or a list item holds (see :func:`_cell_reading`), else ``[]``."""
    return _cell_reading(text, honorific, label_value)[0]


def _unread_name(text: str) -> bool:
    """True when a cell where a name stands holds letters that gave none ("LÊTHANHYẾN", glued by
    OCR): the list of names read around it lacks one."""
    lead = _ITEM_LEAD.match(text)
    tokens = (text[lead.end() :] if lead else text).split()
    return (
        0 < len(tokens) <= 5
        and all(t.strip(",.;").isalpha() for t in tokens)
        and tokens[0][:1].isupper()
        and can_open_name(tokens[0])
        and not _cell_name(text)
    )


def _beside(page: PageLines, line: Line) -> list[Line]:
    """Lines to the right of ``line`` in its visual row, left to right (OCR'd pages only)."""
    right = line.right or 0
    return [o for o in page.lines if o is not line and (o.left or 0) >= right and _same_row(line, o)]


def _column_below(page: PageLines, head: Line, span: tuple[int, int]) -> list[Line]:
    """The cell under the header ``head`` in each following row: the line overlapping most of
    the header's horizontal ``span``; the column ends at a row with nothing under it."""
    x0, x1 = span
    cells: list[Line] = []
    rows: list[list[Line]] = []
    for other in page.lines[head.index + 1 :]:
        if (other.top or 0) <= (head.bottom or 0) - 0.3 * _height(head):
            continue
        if rows and _same_row(rows[-1][0], other):
            rows[-1].append(other)
        else:
            rows.append([other])
    for row in rows[:_COLUMN_ROWS]:
        width, cell = max(((min(x1, o.right or 0) - max(x0, o.left or 0), o) for o in row), key=_first)
        if width <= 0:
            break
        cells.append(cell)
    return cells


def _first(pair: tuple[int, Line]) -> int:
    return pair[0]


def _label_span(line: Line, span: tuple[int, int]) -> tuple[int, int]:
    """The horizontal extent of the label at character ``span`` of ``line``: a column header's
    column, not the "STT" or the next header merged into its line."""
    words = sorted(line.words, key=lambda w: w.left)
    first = len(line.text[: span[0]].split())
    last = len(line.text[: span[1]].split()) - 1
    if not words or len(words) != len(line.text.split()) or not 0 <= first <= last < len(words):
        return line.left or 0, line.right or 0
    return words[first].left, words[last].left + words[last].width


def _heads_a_column(line: Line, span: tuple[int, int]) -> bool:
    """True when a label with more text after it on its line is a table's header cell: the line
    opens with "STT", or a column's gap parts the label from what follows."""
    if span[0] > 0 and re.fullmatch(r"\W*\w{1,4}\W*", line.folded[: span[0]]):
        return True  # "STT" (or OCR's "sTr") before the label: a header row
    label = line.text[span[0] : span[1]].strip(" :")
    return bool(line.words) and _cells(line.words, line.text[span[0] :])[0].strip(" :") == label


def _values_of_label(
    page: PageLines, line: Line, span: tuple[int, int], keep: bool, colon: bool
) -> tuple[list[tuple[list[str], int]], bool]:
    """Names the label at ``span`` of ``line`` gives, ``(name syllables, line index)`` each, and
    whether a cell among them held letters that gave no name (the list lacks one).

    In order: what follows the label on its line, cut into cells (a table row merged into one
    line: "Họ, chữ đệm, tên  NGUYỄN VĂN AN  TRẦN THỊ BÌNH"); the cells beside it in its row (the
    husband's and the wife's columns); else the cells under it, read down its column while they
    are names (a list of household heads under "Họ và tên chủ hộ"; the value under "Họ, chữ đệm,
    tên vợ:"). On text-layer pages, the lines after it. After a colon the value is on the
    label's line when anything is.
    """
    rest = line.text[span[1] :].strip()
    if rest:
        printed = _cells(line.words, rest)
        cells = [name for cell in printed for name in _names_run_together(cell)]
        readings = [_cell_reading(cell, not keep, label_value=True) for cell in cells]
        found = [(run, line.index) for run, _ in readings if run]
        if found or colon or not _heads_a_column(line, span):
            unread = any(_unread_name(cell) for cell in cells)
            together = len(cells) > len(printed)
            return found, bool(found) and (unread or together or any(cut for _, cut in readings))
        # "STT  Họ và tên chủ sử dụng đất  Thửa số": a header row read as one line.
    found = []
    if page.has_boxes and line.top is not None:
        if not rest:
            cells_beside = [(cell, o.index) for o in _beside(page, line) for cell in _cells(o.words, o.text)]
            found = [(run, at) for cell, at in cells_beside if (run := _cell_name(cell, label_value=True))]
            if found:
                return found, any(_unread_name(cell) for cell, _ in cells_beside)
        below = _column_below(page, line, _label_span(line, span))
    else:
        below = page.lines[line.index + 1 : line.index + 1 + _COLUMN_ROWS]
    lacking = False
    for cell in below:
        run, cut = _cell_reading(cell.text)
        if not run and not _unread_name(cell.text):
            break
        lacking = lacking or cut or not run  # a cell OCR garbled: the list lacks a name, read on
        if run:
            found.append((run, cell.index))
    return found, bool(found) and lacking


def _label_sightings(page: PageLines) -> tuple[list[tuple[tuple[int, int, int], NameSighting]], bool]:
    """Names after labels (``Họ, chữ đệm, tên chồng:``) and in labelled rows and columns of
    tables, and whether a name cell among them was not read (the names found lack one)."""
    out: list[tuple[tuple[int, int, int], NameSighting]] = []
    lacking = False
    for line in page.lines:
        spans = []
        for m in _NAME_LABELS.finditer(line.folded):
            if m.start() and line.folded[m.start() - 1].isalpha():
                continue  # "…chồng" inside another word
            spans.append((m.start(), m.end(), fold_aligned(m.group(0)).startswith("ho"), True))
        head = _NAME_HEAD.match(line.folded)
        if not spans and head:
            spans.append((head.start("label"), head.end(), True, bool(head.group("colon"))))
        for start, end, keep, colon in spans:
            values, unread = _values_of_label(page, line, (start, end), keep, colon)
            lacking = lacking or unread
            for k, (run, at) in enumerate(values):
                conf = _name_conf(page, at, run)
                if len(run) == 5:
                    conf = min(conf, _DOUBTFUL_NAME)  # five syllables: two names run together?
                caps = run[0].isupper() or page.lines[at].text.split()[0].isupper()
                listed = len(values) > 1 or _ENTRY_LINE.match(page.lines[at].text)
                entry = (page.number, at) if listed else None
                out.append(((page.number, at, k), NameSighting(" ".join(run), conf, caps, entry)))
    return out, lacking


def _after_cong(tokens: list[tuple[str, int]], t: int) -> bool:
    """True when the token before ``t`` is "công" ("công dân", a citizen)."""
    return t > 0 and fold_aligned(tokens[t - 1][0]) == "cong"


def _honorific_sightings(page: PageLines) -> list[tuple[tuple[int, int, int], NameSighting]]:
    """Names after ``ông``/``bà``/``anh``/``chị``/``hộ kinh doanh``, read over the page's lines joined."""
    out: list[tuple[tuple[int, int, int], NameSighting]] = []
    tokens = [(tok, k) for k, ln in enumerate(page.lines) for tok in ln.text.split()]
    for t, (tok, _line) in enumerate(tokens):
        honorific = fold_aligned(tok).strip("(:,")
        after_business = [fold_aligned(x) for x, _ in tokens[max(0, t - 2) : t]] == ["ho", "kinh"]
        if fold_aligned(tok) == "doanh" and after_business:
            # "Hộ kinh doanh Nguyễn Văn An": a household business is its owner's (not the
            # label "Tên hộ kinh doanh:", whose value is a trade name)
            honorific = _BUSINESS_OF
        elif tok.lower() == "hộ" or (fold_aligned(tok) == "dan" and _after_cong(tokens, t)):
            # "đối với hộ Lường Văn Chiến", "đơn của công dân Trịnh Văn Tuyển"
            honorific = _HOUSEHOLD_OR_CITIZEN
        if honorific not in _HONORIFICS:
            continue
        spelled = tok.lower().strip("(:,")
        other_word = spelled not in _SPELLED_HONORIFICS and is_syllable(spelled)
        if not tok[:1].islower() and honorific != _BUSINESS_OF and other_word:
            continue  # "Bá", a middle name, folds to "ba" as "bà" does
        sentence_start = t == 0 or tokens[t - 1][0][-1:] in ".:;"
        if honorific in _WEAK_HONORIFICS and not tok[:1].islower() and not sentence_start:
            continue  # "Anh" capitalised inside a name is a given name, not "brother"
        start = t + 1
        if start < len(tokens) and fold_aligned(tokens[start][0]).strip("()/:,") == "ba":
            start += 1  # "Ông/bà", "Ông (bà):"
        following = tokens[start : start + 6]
        if not following:
            continue
        first_line = following[0][1]
        words = []
        for tok2, k2 in following:
            bare = tok2.rstrip(",.;:)")
            # A name wrapped onto the next line goes on with syllables that fit a name.
            if k2 != first_line and (
                (len(words) >= 3 and not is_name_syllable(bare))
                or not can_open_name(bare)
                or page.lines[k2].folded.lstrip(" -.").startswith(_FORM_LABELS)  # "Sinh ngày …"
            ):
                break
            words.append(tok2)
        caps = len(words) >= 2 and all(w.rstrip(",.;:)").isupper() for w in words[:2])
        run = _name_run(words, allow_caps=caps)
        if not 2 <= len(run) <= 5 or not looks_like_name(" ".join(run)):
            continue
        if caps and not is_surname(run[0]):
            continue  # "ông UBND …": capitals after an honorific are a name only from a surname
        if honorific in _WEAK_HONORIFICS and not is_surname(run[0]):
            continue
        conf = _name_conf(page, first_line, run) * 0.9
        if honorific == _BUSINESS_OF and run[0] not in surnames():
            # "Hộ Kinh Doanh Tạp Hóa": "Hộ" is "Hồ" only marks aside; a trade name. But a surname
            # OCR slipped on ('Đỉnh Văn Lần' for 'Đinh Văn Lân') before Văn or Thị is a person's.
            if not (len(run) >= 3 and is_middle_only(run[1])):
                continue
            conf = min(conf, _DOUBTFUL_NAME)
        entry = (page.number, first_line) if _ENTRY_LINE.match(page.lines[first_line].text) else None
        out.append(((page.number, first_line, t), NameSighting(" ".join(run), conf, False, entry)))
    return out


def read_subject_names(pages: list[PageLines], exclude: set[str]) -> tuple[list[str], float]:
    """People the result is about, in printed order: labelled names and honorific + name.

    Labels give names after them (``Họ, chữ đệm và tên:``), beside them in a table's row (the
    husband's and the wife's columns of a marriage certificate) and under them in a column
    (``Họ và tên chủ hộ`` over a list of households); honorifics give the names after them
    (``hộ ông Nguyễn Văn A và bà Trần Thị B``). Open-vocabulary: any capitalised Vietnamese
    syllables in a name position make a name; a listed surname only adds confidence. Every
    sighting then goes, in page order, to :func:`fields_names.consolidate`.
    """
    found: list[tuple[tuple[int, int, int], NameSighting]] = []
    lacking = False
    for page in pages:
        labelled, unread = _label_sightings(page)
        found += labelled + _honorific_sightings(page)
        lacking = lacking or unread
    found.sort(key=lambda item: item[0])
    names: list[str] = []
    confs_out: list[float] = []
    for name, conf in consolidate([s for _, s in found]):
        if fold_aligned(name) not in exclude:
            names.append(name)
            confs_out.append(conf)
    if lacking:
        confs_out.append(_DOUBTFUL_NAME)  # a name cell was not read: the list is the clerk's to complete
    if len(names) > 1:
        confs_out.append(_SEVERAL_NAMES)
    return names, (min(confs_out) if confs_out else 0.0)


# Titles of results that by their nature concern two people: the husband and the wife of a
# marriage certificate or extract, the parent and the child whose parentage is recognised, the
# guardian and the ward.
_TWO_PARTY_TITLES = re.compile(r"ket\s*hon|nhan\s*cha|nhan\s*me|cha,?\s*me,?\s*con|giam\s*ho")


def subjects_for_kind(names: list[str], conf: float, doc_type: str | None, title: str | None) -> float:
    """The subject list's confidence once the kind of result is known.

    A result about two people of which fewer than two names were found has lost one (a spouse's
    column, the child beside the parent): the list is the clerk's to complete. Minutes (biên bản)
    name the officials who drew them up, witnesses and the person concerned alike, and which of
    them the result is about is a reading of the text, not of its layout: the clerk confirms it.
    """
    if names and doc_type == "Biên bản":
        return min(conf, _SEVERAL_NAMES)
    if names and len(names) < 2 and title and _TWO_PARTY_TITLES.search(fold_aligned(title)):
        return min(conf, _DOUBTFUL_NAME)
    return conf


# Strength of a list of several subjects, however well each was read: a result about several
# people is where a name is lost, merged with the next or taken from the wrong row (the officials
# of a minutes' "Thành phần" beside the households concerned, a spouse's column read as the
# other's), so the clerk confirms the list. Kept apart from a single name, which stays sure.
_SEVERAL_NAMES = 0.75


_ID12 = re.compile(r"(?<![0-9./-])([0-9]{12})(?![0-9])")
_ID_LABEL = (
    r"(?:dinh\s*danh|cccd|cmnd|cmtnd|can\s*cuoc|chung\s*minh|giay\s*to\s*(?:tuy\s*than|phap\s*ly)"
    r"|ma\s*so\s*(?:ho\s*kinh\s*doanh|thue|doanh\s*nghiep)|so\s*dang\s*ky)"
)
_ID_LABEL_BEFORE = re.compile(_ID_LABEL[:-1] + r"|ca\s*nhan|so\s*dinh)")
# The number after its label: digits (OCR may read 0, 1 as o, i, l), spaced groups or dotted
# groups of three ("026.070.001.234"); a full stop after it ends the sentence, not the number.
_ID_LABELLED = re.compile(
    _ID_LABEL
    + r"[^:0-9]{0,40}:?\s*([0-9oil][0-9oil ]{7,16}[0-9]|[0-9]{3}(?:\.[0-9]{3}){2,3})(?![0-9]|\.[0-9])"
)
_BUSINESS_LABEL = re.compile(r"ma\s*so\s*(?:ho\s*kinh\s*doanh|thue|doanh\s*nghiep)|so\s*dang\s*ky")
_PASSPORT = re.compile(
    r"(?:ho\s*chieu|passport|giay\s*to\s*tuy\s*than)[^:0-9]{0,30}:?\s*([a-z])\s?([0-9]{7})(?![0-9])"
)

# Codes of the provinces and centrally-run cities that open a 12-digit personal number (CCCD /
# số định danh cá nhân, Thông tư 07/2016/TT-BCA): 63 codes between 001 and 096, with gaps.
_CCCD_PROVINCES = frozenset((
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020", "022", "024",
    "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038", "040", "042", "044", "045",
    "046", "048", "049", "051", "052", "054", "056", "058", "060", "062", "064", "066", "067", "068", "070",
    "072", "074", "075", "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093",
    "094", "095", "096",
))  # fmt: skip
# Tesseract's word confidence (0-100) every word of a number must reach to count as read cleanly:
# a digit misread for its neighbour (8/3, 1/7) leaves a valid-looking number, so a clean reading
# is the only sign that it is right.
# Printed digits read cleanly come back at 95-97 in every scan condition of the samples (lowest
# 95.0 over 8 conditions); a seal's ring over a digit left one misread at 85 (devset2).
_CLEAN_DIGITS = 90.0
# Strength of an identifier that fails a structural check or was not read cleanly: below the
# review threshold (0.8), so the clerk checks it against the paper.
_DOUBTFUL_ID = 0.6


def cccd_is_plausible(digits: str, this_year: int | None = None) -> bool:
    """True when a 12-digit number has the structure of a personal number (CCCD).

    Digits 1-3: a province code; digit 4: sex and century (0/1 born in the 1900s, 2/3 in the
    2000s; 4 and up are later centuries, not yet possible); digits 5-6: the year of birth, which
    cannot be in the future.
    """
    if len(digits) != 12 or not digits.isdigit() or digits[:3] not in _CCCD_PROVINCES:
        return False
    century = int(digits[3])
    if century > 3:
        return False
    year = 1900 + 100 * (century // 2) + int(digits[4:6])
    return year <= (this_year or dt.date.today().year)


def cmnd_is_plausible(digits: str) -> bool:
    """True when a 9-digit number can be an old identity card (CMND): its first two digits are a
    province's (01-38), the card numbers the police issued before the CCCD."""
    return len(digits) == 9 and digits.isdigit() and 1 <= int(digits[:2]) <= 38


# Punctuation that may stand alone after a number in print; any other mark of a letter or two
# right after it is a stamp's or a pen's stroke read as text.
_PRINTED_MARKS = frozenset(",;.-–()/:")


def _stray_mark_after(line: Line, words: list[Word]) -> bool:
    """True when a stray mark (``*``, ``š``) follows the number's last word within a few letters:
    a seal's ring or a signature crosses the number's end, where a digit may be misread."""
    end = max(w.left + w.width for w in words)
    limit = 4 * max(w.height for w in words)
    for word in line.words:
        text = word.text.strip()
        near = 0 < word.left - end <= limit
        odd = (len(text) <= 2 and not text.isalnum()) or (len(text) == 1 and not text.isdigit())
        if near and odd and text not in _PRINTED_MARKS:
            return True
    return False


def _read_cleanly(line: Line, digits: str) -> bool:
    """True when every OCR word that carries part of ``digits`` was read with a high confidence
    and no stray mark stands right after the number.

    Text-layer lines carry no words: their digits are as the PDF prints them.
    """
    parts = []
    for word in line.words:
        found = re.sub(r"[^0-9]", "", word.text)
        if len(found) >= 3 and found in digits:
            parts.append(word)
    if not line.words:
        return True
    return (
        bool(parts)
        and min(w.conf for w in parts) >= _CLEAN_DIGITS
        and not _stray_mark_after(line, parts)
        and not _inked_over(line, parts)
    )


# Height of a number's box over the median of its line's other words above which something more
# than digits is in the box. Printed digits stand no taller than the letters beside them (0.9-1.0
# of them on devset2's forms); a seal's ring through the number grew its box to 1.26 of them, and
# Tesseract still gave the misread number 90.
_INKED_HEIGHT = 1.15


def _inked_over(line: Line, words: list[Word]) -> bool:
    """True when a number's box is taller than its line's words: a stamp or pen stroke crosses it."""
    others = sorted(w.height for w in line.words if w not in words and w.height > 0)
    if len(others) < 2:
        return False
    median = others[len(others) // 2]
    return max(w.height for w in words) > _INKED_HEIGHT * median


def _id_strength(line: Line, digits: str, base: float, substituted: bool = False) -> float:
    """Confidence of one identifier: the line's, capped to doubtful unless the number passes its
    structural check (CCCD, CMND) and was read cleanly (no letter taken for a digit, every word sure)."""
    plausible = {12: cccd_is_plausible, 9: cmnd_is_plausible}.get(len(digits), lambda _d: True)(digits)
    if not plausible or substituted or not _read_cleanly(line, digits):
        return min(base, _DOUBTFUL_ID)
    return base


_LABEL_FIELD = re.compile(_ID_LABEL + r"[^:0-9]{0,40}:\s*(?P<value>[0-9oil](?:[0-9oil ]|\.(?=[0-9]))*)")


def _fits_label(label: str, digits: str) -> bool:
    """True when a number has the length its label promises: a personal number (định danh, CCCD,
    căn cước) 12 digits, an identity card (CMND) or a person's papers (giấy tờ pháp lý, tùy thân)
    9 or 12; other labels any length they allow. A household business certificate's 'Số giấy tờ
    pháp lý của cá nhân: 0261922076' was a CCCD with its last two digits lost, read sure."""
    lengths = promised_lengths(label)
    return lengths is None or len(digits) in lengths


def _unfilled_label(key: str, found: list[str]) -> bool:
    """True when a form's identity label (``… định danh cá nhân:``) is followed by digits that gave
    no number found: text was there and was not read whole. A label with no value at all (a blank
    form, or the value on the next line) says nothing."""
    for m in _LABEL_FIELD.finditer(key):
        digits = fix_digits(m.group("value").replace(" ", "").replace(".", ""))
        if len(digits) >= 3 and digits.isdigit() and digits not in found:
            return True
    return False


def read_id_numbers(lines: Iterable[Line], exclude: Collection[str] = ()) -> tuple[list[str], float]:
    """Personal numbers: CCCD / personal number (12 digits) anywhere; where a label names them,
    CMND (9 digits), business and tax codes (10-13 digits) and passports (a letter + 7 digits).

    A number is sure only when its structure checks out and OCR read it cleanly; a business or
    tax code is an identifier of a business rather than a person, so it is kept but doubtful.
    Numbers in ``exclude`` (the document's own number) are not identifiers of anyone.
    """
    found: list[str] = list(exclude)
    confs: list[float] = []
    for line in lines:
        key = line.folded
        for m in _ID12.finditer(key):
            if m.group(1) not in found:
                # A 12-digit number with no label before it may be some other number: doubtful.
                labelled = _ID_LABEL_BEFORE.search(key[max(0, m.start() - 45) : m.start()])
                found.append(m.group(1))
                confs.append(_id_strength(line, m.group(1), line.conf * (1.0 if labelled else 0.75)))
        for m in _ID_LABELLED.finditer(key):
            raw = m.group(1).replace(" ", "").replace(".", "")
            digits = fix_digits(raw)
            if digits.isdigit() and (len(digits) == 9 or 10 <= len(digits) <= 13) and digits not in found:
                business = _BUSINESS_LABEL.match(key, m.start()) is not None
                found.append(digits)
                base = line.conf * 0.9
                sure = _id_strength(line, digits, base, raw != digits)
                if not _fits_label(key[m.start() : m.start(1)], digits):
                    sure = min(sure, _DOUBTFUL_ID)  # a personal number cut short (a seal over its end)
                confs.append(min(base, _DOUBTFUL_ID) if business else sure)
        if _unfilled_label(key, found):
            # "Số định danh cá nhân: 0263022…": the form prints a number here that was not read whole,
            # so the list may lack one; the numbers found are the clerk's to complete.
            confs.append(min(line.conf, _DOUBTFUL_ID))
        for m in _PASSPORT.finditer(key):
            code = line.text[m.start(1) : m.start(1) + 1].upper() + m.group(2)
            if code not in found:
                found.append(code)
                confs.append(_id_strength(line, m.group(2), line.conf * 0.9))
    found = found[len(exclude) :]
    return found, (min(confs) if confs else 0.0)
