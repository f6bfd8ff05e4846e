"""The signer block, bottom right: authority prefixes, the position as printed, the signer's name.

``TM. ỦY BAN NHÂN DÂN`` / ``KT. CHỦ TỊCH`` / ``PHÓ CHỦ TỊCH`` / (signature, seal) / ``Lê Anh Tân``.
The position is parsed from the block's structure, not picked from a list: whatever capitals
stand under the lowest authority line (``TUQ. CHỦ TỊCH`` / ``TRƯỞNG PHÒNG TƯ PHÁP``) are the
signer's position, given back with accents when a known position matches letter for letter.
"""

from __future__ import annotations

import itertools
import re
import statistics
import unicodedata
from dataclasses import replace

from rapidfuzz.distance import Levenshtein

from sohoa.digitize.fields.header import is_motto
from sohoa.digitize.fields_context import FieldContext
from sohoa.digitize.fields_names import (
    CLEAN_NAME_WORD,
    is_name_token,
    looks_like_name,
    lost_capital,
    name_strength,
    rescue_token,
    surnames,
)
from sohoa.digitize.fields_text import (
    Line,
    PageLines,
    is_upper_text,
)
from sohoa.digitize.fields_vocab import (
    AUTHORITY,
    POSITIONS,
    snap_issuer_line,
    snap_position,
    title_type,
)
from sohoa.digitize.model import Word
from sohoa.digitize.rows import level
from sohoa.digitize.syllables import is_syllable
from sohoa.text import fold_aligned, squash


def name_tail(text: str) -> list[str]:
    """The trailing run of capitalised syllables of ``text`` (``- Lưu: VT. Lê Anh Tân`` -> 3 tokens)."""
    tokens = [t.strip("'`’‘\"“”„") for t in text.replace("Ð", "Đ").split()]  # specks OCR reads as quotes
    if tokens:
        tokens[-1] = tokens[-1].rstrip(".")
    tail: list[str] = []
    for token in reversed([t for t in tokens if t]):
        if not is_name_token(token):
            token = rescue_token(token) or ""
        if token:
            tail.append(token)
        else:
            break
    tail.reverse()
    return tail


# Abbreviations a printed position may hold besides syllables.
_TITLE_ABBREVIATIONS = {"ubnd", "hdnd", "tt", "-", "–", "&"}


def _authority(text: str) -> tuple[str, str] | None:
    """``(prefix, rest)`` for a line opening with TM., KT., TUQ., TL. or Q.; ``None`` otherwise.

    A mark OCR misread (``Tui.``, ``TƯO.``, ``TỪ,`` for ``TUQ.``) before a known position counts
    too (:func:`_misread_authority`).
    """
    key = fold_aligned(text.strip(" .,:;"))
    prefix = next((p for p in AUTHORITY if key.startswith(p)), None)
    if prefix is None:
        return _misread_authority(text) or _authority_after_debris(text)
    return prefix.strip(" .,").replace("/", ""), text.strip(" .,:;")[len(prefix) :].strip(" .")


# The delegation marks' letters, for telling a misread mark by its nearest one.
_MARKS = ("tm", "kt", "tuq", "tl", "q")


def _misread_authority(text: str) -> tuple[str, str] | None:
    """``(prefix, rest)`` for a known position after a delegation mark OCR misread; else ``None``.

    A seal's ring or a speck over ``TUQ.`` gives ``Tui.``, ``TQ.``, ``TƯO.``, ``TUỢ,`` or ``JQ›``:
    a token of four letters or fewer, one letter off a mark, ending in punctuation where no word
    of a title ends in one, before a position. The prefix is the nearest mark's, or ``"?"`` when
    two are as near or one letter is all there is (any letter is one off ``Q.``); either way the
    lines under it hold the signer's own title, and without them the head's title is doubtful.
    """
    tokens = text.split()
    if len(tokens) < 2 or tokens[0][-1].isalnum():
        return None
    letters = fold_aligned("".join(c for c in tokens[0] if c.isalpha()))
    rest = " ".join(tokens[1:]).strip(" .")
    if not letters or len(letters) > 4 or not snap_position(rest):
        return None
    near = [m for m in _MARKS if Levenshtein.distance(letters, m) <= 1]
    if not near:
        return None
    return (near[0] if len(near) == 1 and len(letters) > 1 else "?"), rest


# A delegation mark read whole after a few characters of a seal's or a signature's debris.
_MARK_AFTER_DEBRIS = re.compile(r"^\S{1,6}?\s?(?P<mark>TM|KT|TUQ|TL)\.\s*(?P<rest>\S.*)$")


def _authority_after_debris(text: str) -> tuple[str, str] | None:
    """``(prefix, rest)`` for ``KT. CHỦ TỊCH`` read behind debris (``qñAKT. CHỦ TỊCH``, ``NHẦM
    KT. CHỦ TỊCH``: the seal's ink over the line's start, or the end of the line above run into
    it), when what follows the mark is a known position; else ``None``. Without it the deputy's
    title under it lost its "PHÓ" for good: 'CHỦ TỊCH' for 'PHÓ CHỦ TỊCH'.
    """
    match = _MARK_AFTER_DEBRIS.match(text.strip(" .,:;"))
    if match is None or not snap_position(match.group("rest").strip(" .")):
        return None
    return match.group("mark").lower(), match.group("rest").strip(" .")


def _upper_tail(text: str) -> str:
    """The trailing capitals of a line (``- Lưu: VT. PHÓ CHỦ TỊCH`` -> ``PHÓ CHỦ TỊCH``).

    A token ending in punctuation (``VT.``, ``TP;``) belongs to the recipients column and ends
    the run; so does a token with lower-case letters.
    """
    out: list[str] = []
    for token in reversed(text.split()):
        bare = token.rstrip(".,;:")
        if bare != token and out:
            break
        if bare in ("-", "–") or (bare.isalpha() and bare.isupper()):
            if bare != token:
                break
            out.append(bare)
        else:
            break
    while out and out[-1] in ("-", "–"):
        out.pop()
    return " ".join(reversed(out))


def _title_part(line: Line, page: PageLines) -> str:
    """What of a signer-block line is capitals: the whole line, or its tail on a merged text line."""
    text = line.text.strip(" .,;:")
    if page.has_boxes:
        return text if is_upper_text(text) else ""  # OCR may read one capital as lower case
    return text if is_upper_text(text) and not any(c.islower() for c in text) else _upper_tail(line.text)


# Strength of a known position matched only approximately: below the review threshold.
_NEAR_POSITION = 0.8


def _printed_position(text: str) -> tuple[str, float]:
    """``(position, strength)``: the position as printed, accents restored when it is a known one.

    A position read as valid Vietnamese is kept as printed (``TRƯỞNG PHÒNG TƯ PHÁP``) even when
    no list knows it; one garbled by OCR is snapped to the nearest known position, or kept with
    a strength that sends it to review.
    """
    text = squash(text.strip(" .,:;-"))
    snapped = snap_position(text)
    if snapped and snapped[1] == 1.0:
        return snapped[0], 1.0
    if snapped:
        # A letter off a known position ('HỦ TỊCH', 'CHÚ ỊCH'): OCR lost or changed a letter of
        # the known one, even when what it read happens to be valid Vietnamese.
        return snapped[0], _NEAR_POSITION * snapped[1]
    words = [w.strip(".,") for w in text.split()]
    exact = _known_head(words)
    known = exact or _known_head(words, garbled=True)
    if known:
        # 'TRƯỜNG PHÒNG TƯ PHÁP': a known position's words, accents as the position has them,
        # then the department as printed. 'TRƯỜNG ?HÒNG TƯ PHÁP': a letter the ring took.
        garbled = exact is None
        words = known.split() + words[len(known.split()) :]
        text = " ".join(words)
        if garbled and all(fold_aligned(w) in _TITLE_ABBREVIATIONS or is_syllable(w) for w in words):
            return text, _DOUBTFUL_TITLE  # a letter restored: the clerk checks it
    elif completed := _completed_position(text):
        # 'PHÒNG TƯ PHÁP': a position's opening word lost to the seal, restored; doubtful.
        return completed, _NEAR_POSITION
    if all(fold_aligned(w) in _TITLE_ABBREVIATIONS or is_syllable(w) for w in words):
        return text, 0.9
    return text, 0.5


def _known_head(words: list[str], garbled: bool = False) -> str | None:
    """The longest known position whose letters, accents aside, open ``words``; ``None`` if none.

    With ``garbled``, a word that is no Vietnamese syllable at all may be one letter off the
    position's (``?HÒNG``, ``ĐHÒNG`` for ``PHÒNG``, ``TRHỞNG`` for ``TRƯỞNG``): the seal's ring
    over a letter. A valid syllable (``TƯỞNG``) is never taken for another.
    """
    keys = [fold_aligned(w) for w in words]
    best = None
    for known in POSITIONS:
        parts = known.split()
        if len(parts) >= len(words):
            continue
        opens = all(
            fold_aligned(p) == key or (garbled and _letter_off(p, w))
            for p, key, w in zip(parts, keys, words, strict=False)
        )
        if opens and (best is None or len(parts) > len(best.split())):
            best = known
    return best


def _letter_off(part: str, word: str) -> bool:
    """True when ``word`` is no syllable and one letter off a position's ``part`` (marks aside)."""
    if len(part) < 4 or is_syllable(word):
        return False
    return Levenshtein.distance(fold_aligned(part), fold_aligned(word)) <= 1


# Share of the page's width the recipients' column ends within; the signer block stands right of it.
_RECIPIENTS_EDGE = 0.45


def _left_of_signer(line: Line, page: PageLines) -> bool:
    """True for lines of the left half (recipients), which never hold the signer block."""
    cx = line.centre_x
    return bool(page.has_boxes and page.width and cx is not None and cx < page.width * _RECIPIENTS_EDGE)


def _block_lines(page: PageLines) -> list[Line]:
    """The page's lines that may hold the signer block, split where a text line merges two columns."""
    out: list[Line] = []
    for line in page.lines:
        if _left_of_signer(line, page):
            continue
        if page.has_boxes:
            out.append(line)
            continue
        key = line.folded
        marks = (" tm.", " kt.", " tl.", " tuq.", " q.")
        cut = min((key.find(m) for m in marks if key.find(m) > 0), default=-1)
        if cut > 0 and not key.lstrip(" -").startswith(("tm", "kt", "tl", "tuq")):
            out.append(Line(line.text[cut + 1 :], line.page, line.index, line.conf))
        else:
            out.append(line)
    return out


def _speck(word: Word) -> bool:
    """True for a mark of the seal or the signature read as a word: no letter at all (``2``,
    ``&``; a dash too, which :func:`_title_view` keeps inside a line), or one letter alone read
    unsure (``x`` at 49). Two characters read unsure may be a word the seal covered (``và`` at
    22 for ``VĂN``, ``1Ó`` for ``PHÓ``), which :func:`_masked_position` needs in its place, and
    a letter with a full stop may be a delegation mark (``Q.``, ``I¡.``)."""
    text = word.text.strip(_WORD_EDGES)
    letters = [c for c in text if c.isalpha() and unicodedata.category(c) != "Lm"]
    mark = word.text.endswith((".", ","))
    return not letters or (len(text) == 1 and word.conf < _DEBRIS_WORD and not mark)


def _one_row(upper: Line, lower: Line) -> bool:
    """True when two lines are pieces of one printed row: side by side a word's gap apart, one
    holding the other's middle (a title row a speck between its words cut in two: ``TRƯỜNG`` |
    ``PHÒNG TƯ PHÁP``; a word the seal's ring grew holds its neighbours' middles, not they its
    own; OCR gives some words a box of a few pixels, so the taller line sets the gap allowed).
    A piece far off on the row is a recipients' word or a word the seal took lies between."""
    a = (upper.top, upper.bottom, upper.left, upper.right)
    b = (lower.top, lower.bottom, lower.left, lower.right)
    if None in a or None in b:
        return False
    gap = max(a[2] - b[3], b[2] - a[3])  # negative where the two overlap
    near = 0 <= gap <= 3 * max(a[1] - a[0], b[1] - b[0])
    return level(a[:2], b[:2]) and near


def _line_of(words: list[Word], like: Line) -> Line:
    """A block line holding ``words`` (in reading order), numbered as ``like``."""
    words = sorted(words, key=lambda w: w.left)
    return Line(
        " ".join(w.text for w in words),
        like.page,
        like.index,
        sum(w.conf for w in words) / (100.0 * len(words)),
        min(w.left for w in words),
        min(w.top for w in words),
        max(w.left + w.width for w in words),
        max(w.top + w.height for w in words),
        words,
        like.zone,
    )


# Specks OCR reads as quotes around a word of the signer block ('“TRƯỞNG').
_QUOTES = "'`’‘\"“”„"


def _in_recipients(word: Word, page: PageLines) -> bool:
    """True for a word wholly in the left column, the recipients', that OCR put on a line of the
    signer block (``phổ;`` of ``- Chủ tịch UBND thành phố;`` before ``TRƯỞNG PHÒNG TƯ PHÁP``)."""
    return bool(page.width) and word.left + word.width < page.width * _RECIPIENTS_EDGE


def _joins(one: Line, other: Line) -> bool:
    """True when two pieces of a row may be one title line: the right one no title line on its
    own (``NHẬ`` left of ``CHỦ TỊCH`` is what was left of a mark), the left one no authority line
    (``TRƯỞNG PHÒNG`` | ``TƯ PHÁP`` is one title)."""
    left, right = sorted((one, other), key=lambda ln: ln.left or 0)
    snapped = snap_position(right.text)
    whole = _authority(right.text) or (snapped and snapped[1] == 1.0)
    return not whole and not _authority(left.text)


def _title_view(lines: list[Line], page: PageLines) -> tuple[list[Line], list[int]]:
    """The block's lines as its title is read from them, and where each view line ends in ``lines``.

    The seal and the signature leave specks between and inside the title lines (``Q. CHỦ TỊCH``
    / ``2`` / ``TRƯỜNG PHÒNG TƯ PHÁP``; ``T n ƯỞNG``; a recipient's dash or words read on the
    title's row):
    they are set aside, so that the lines right under the authority line are still its title.
    Capitals OCR gave as two lines though printed on one row are joined again (:func:`_joins`).
    The signer's name is read from ``lines`` as they are, specks and all: they say the pen
    crossed it.
    """
    if not page.has_boxes:
        return lines, list(range(len(lines)))
    view: list[Line] = []
    ends: list[int] = []
    for i, line in enumerate(lines):
        if not line.words:
            view.append(line)
            ends.append(i)
            continue
        words = [w for w in line.words if not _speck(w) or w.text in ("-", "–")]
        while words and (words[0].text in ("-", "–") or _in_recipients(words[0], page)):
            words.pop(0)
        words = [replace(w, text=w.text.strip(_QUOTES)) for w in words if w.text.strip(_QUOTES)]
        if not words:
            continue
        if [w.text for w in words] != [w.text for w in line.words]:
            line = _line_of(words, line)
        joined = False
        for back in range(len(view) - 1, max(-1, len(view) - 3), -1):
            other = view[back]
            capitals = is_upper_text(other.text) and is_upper_text(line.text)
            if other.words and capitals and _one_row(other, line) and _joins(other, line):
                view[back] = _line_of(other.words + line.words, other)
                ends[back] = i
                joined = True
                break
        if not joined:
            view.append(line)
            ends.append(i)
    return view, ends


def _adjacent(prev: Line, line: Line, page: PageLines) -> bool:
    """True when ``line`` sits right under ``prev`` (no signature space between them)."""
    if not page.has_boxes or prev.bottom is None or line.top is None:
        return True
    height = max(1, (prev.bottom or 0) - (prev.top or 0))
    return line.top - prev.bottom <= 1.2 * height


def _seal_text(text: str, context: FieldContext) -> bool:
    """True for capitals that name the issuer (a seal's ring text read by OCR), not a position."""
    key = squash(fold_aligned(text))
    if len(key) < 4 or snap_issuer_line(text, context):
        return True
    return any(key in squash(fold_aligned(line)) for line in context.issuer_lines())


# Below the review threshold (0.8): a title read where the seal or signature damaged the block.
_DOUBTFUL_TITLE = 0.7
# A signer name read at least this sure says the block below the title came through whole.
_SURE_NAME = 0.8
# Tesseract word confidence (0-100) under which a title word counts as damaged: a seal's ring
# over a title line leaves letters that OCR still reads, but unsure of them.
_DAMAGED_WORD = 75.0


def _damaged(lines: list[Line]) -> bool:
    """True when a word of these OCR lines was read unsure: the seal or signature crosses them."""
    return any(w.conf < _DAMAGED_WORD for ln in lines for w in ln.words if any(c.isalpha() for c in w.text))


def _signer_position(
    lines: list[Line], page: PageLines, context: FieldContext
) -> tuple[int, int, str, float] | None:
    """``(first, last title line's index, position, confidence)`` of the signer block on a page.

    The block is the lowest authority line (``TM.``, ``KT.``, ``TUQ.``, ``TL.``, ``Q.``) or the
    lowest line naming a known position, whichever is lower. The position is the capitals lines
    right under the lowest authority line, as printed (``TUQ. CHỦ TỊCH`` / ``TRƯỞNG PHÒNG TƯ
    PHÁP`` gives ``TRƯỞNG PHÒNG TƯ PHÁP``); with no such line, ``KT. CHỦ TỊCH`` still says a
    deputy signed (``PHÓ CHỦ TỊCH``, doubtful).
    """
    start = None
    for i in range(len(lines) - 1, -1, -1):
        title = _title_part(lines[i], page)
        if not title:
            continue
        if _authority(title) or snap_position(title):
            start = i
            break
    if start is None:
        return _position_above_name(lines, page)
    title = _title_part(lines[start], page)
    if not _authority(title) and start > 0:
        above = _title_part(lines[start - 1], page)
        if above and _authority(above) and _adjacent(lines[start - 1], lines[start], page):
            start, title = start - 1, above
    auth = _authority(title)
    if auth is None:
        cut = _cut_title_below(lines, start, page, context)
        if cut is not None:
            # 'CHỦ TỊCH' / 'VĂN PHÒNG': the seal ate "TL." and "CHÁNH"; the head's title stands
            # over the signer's own, whose lost words a known position restores.
            return start, start + 1, cut, min(_line_conf(lines, start, start + 1), _DOUBTFUL_TITLE)
        twice = _deputy_of_twice(lines, start, page)
        if twice is not None:
            return start - 1, start, twice, min(_line_conf(lines, start - 1, start), _DOUBTFUL_TITLE)
        parts, last = [title], start
    else:
        parts, last = [], start
    for j in range(last + 1, min(len(lines), last + 3)):
        more = _title_part(lines[j], page)
        if not more or _authority(more) or not _adjacent(lines[j - 1], lines[j], page):
            break
        if parts and not parts[-1].rstrip().endswith(("-", "–")) and snap_position(" ".join(parts)):
            cut = _cut_title_below(lines, j - 1, page, context) if len(parts) == 1 else None
            if cut is not None:
                # 'TM. ỦY BAN NHÂN DÂN' / 'CHỦ TỊCH' / 'Ó CHỦ TỊCH': the head's title whose
                # "KT." the seal took, over the signer's own, cut on the left.
                return start, j, cut, min(_line_conf(lines, start, j), _DOUBTFUL_TITLE)
            break  # a full position already; capitals further down are the seal's ring text
        if parts and lines[j].conf * 100 < _DAMAGED_WORD and _printed_position(" ".join(parts))[1] >= 0.9:
            break  # 'TRƯỞNG PHÒNG TƯ PHÁP' read whole; '(AX NHANG' under it is the seal's, read unsure
        if _ring_text(lines[j], more, context, cut=not parts):
            break
        parts.append(more)
        last = j
    conf = _line_conf(lines, start, last)
    if _damaged(lines[start : last + 1]):
        conf = min(conf, _DOUBTFUL_TITLE)
    if parts:
        position, strength = _printed_position(" ".join(parts))
        masked = _masked_position(lines[start + (auth is not None) : last + 1]) if strength < 1.0 else None
        if masked:
            # 'C1T1Ủ TỊCH': the seal's ring over a word; the words read sure fix the position.
            position, strength, conf = masked, 1.0, min(conf, _DOUBTFUL_TITLE)
        head = snap_position(auth[1]) if auth and auth[0] == "kt" else None
        last_word = fold_aligned(head[0]).split()[-1:] if head else None
        if head and strength < 1.0 and fold_aligned(position).split()[-1:] == last_word:
            # 'ĐHÓ CHẾ TỊCH' under "KT. CHỦ TỊCH": the seal garbled the deputy's title, whose
            # last word still says whose deputy signed.
            position, strength, conf = f"PHÓ {head[0]}", 1.0, min(conf, _DOUBTFUL_TITLE)
        elif auth and auth[0] == "kt" and not fold_aligned(position).startswith("pho "):
            # Under "KT. CHỦ TỊCH" a deputy signs: a title without "PHÓ" lost it to the seal or
            # the signature ('\\⁄4A⁄PHÓ + CHỦ TỊCH'), so the deputy's title is given, doubtful.
            position = f"PHÓ {position}" if fold_aligned(position) == fold_aligned(auth[1]) else position
            conf = min(conf, _DOUBTFUL_TITLE)
        return start, last, position, strength * conf
    prefix, rest = auth if auth else ("", "")
    if not rest or prefix == "tm":
        return None  # "TM. ỦY BAN NHÂN DÂN" names the body, not the signer's position
    head, strength = _printed_position(rest)
    if prefix == "kt":
        if not fold_aligned(head).startswith("pho "):
            return start, last, f"PHÓ {head}", 0.85 * strength * conf
        return start, last, head, 0.85 * strength * conf
    # "Q. CHỦ TỊCH": the acting head signs under the head's title; "TL."/"TUQ." alone lost the
    # signer's own title line, so the head's title stands in, doubtful.
    return start, last, head, (0.85 if prefix == "q" else 0.6) * strength * conf


def _line_conf(lines: list[Line], first: int, last: int) -> float:
    """The mean OCR confidence of the block's lines ``first`` to ``last``."""
    return sum(ln.conf for ln in lines[first : last + 1]) / (last - first + 1)


def _cut_title_below(lines: list[Line], start: int, page: PageLines, context: FieldContext) -> str | None:
    """The signer's own title under a head's title whose delegation mark the seal took, or ``None``.

    ``TL. CHỦ TỊCH`` / ``CHÁNH VĂN PHÒNG`` read as ``CHỦ TỊCH`` / ``VĂN PHÒNG``: a known position
    with capitals right under it that no list knows and that are not the seal's ring text. Those
    capitals are the signer's title with its first words lost on the left, where the seal sits;
    :func:`_completed_position` restores them. A line it cannot complete is left alone, and so is
    the ring's text (:func:`_ring_text`).
    """
    if start + 1 >= len(lines) or not snap_position(_title_part(lines[start], page)):
        return None
    below = _title_part(lines[start + 1], page)
    if (
        not below
        or _authority(below)
        or snap_position(below)
        or not _adjacent(lines[start], lines[start + 1], page)
        or _ring_text(lines[start + 1], below, context)
    ):
        return None
    if _known_head(below.split()):
        return _printed_position(below)[0]  # 'TRƯỞNG PHÒNG TƯ PHÁP' whole, "TUQ." lost above
    words = below.split()
    if len(words) > 2 and len(words[0]) == 1:
        # 'T ƯỞNG PHÒNG TƯ PHÁP': a word the seal split, its first letter left standing alone
        return _completed_position(below) or _completed_position(" ".join(words[1:]))
    return _completed_position(below)


# Tesseract word confidence (0-100) at which a capitals line is print, not the seal's ring:
# letters set on an arc are never all read this sure.
_PRINT_WORD = 90.0


def _ring_text(line: Line, text: str, context: FieldContext, cut: bool = True) -> bool:
    """True for a block line that is the seal's ring text rather than a title line.

    A title cut on its left (``PHÒNG TƯ PHÁP`` of ``TRƯỞNG PHÒNG TƯ PHÁP``) names a unit, as the
    ring does; it is print when every word of it was read sure (letters set on an arc never
    are) and a known position completes it. ``cut`` is false where a title line was already
    read whole: capitals naming a unit under it are the ring's.
    """
    if not _seal_text(text, context):
        return False
    if not cut:
        return True
    words = [w for w in line.words if any(c.isalpha() for c in w.text)]
    sure = bool(words) and all(w.conf >= _PRINT_WORD for w in words)
    return not (sure and _completed_position(text))


def _completed_position(text: str) -> str | None:
    """A position whose opening words were lost, completed from the known position it ends like.

    ``VĂN PHÒNG`` is ``CHÁNH VĂN PHÒNG``; ``HÒNG TƯ PHÁP`` and ``RƯỞNG PHÒNG TƯ PHÁP`` are
    ``TRƯỞNG PHÒNG TƯ PHÁP`` (a word cut inside counts when three letters or more remain, or two
    whole words follow it, as in ``Ó CHỦ TỊCH``; marks are not compared, OCR drops them under a
    seal). The fewest words restored wins, and a tie between two positions gives ``None``; so
    does a department that is not Vietnamese syllables, and a text that opens with a whole
    position.
    """
    words = [w.strip(".,;:") for w in text.split()]
    keys = [fold_aligned(w) for w in words]
    # A word cut to a letter or two is told by the two whole words after it ('Ó CHỦ TỊCH').
    if not keys or (len(keys[0]) < 3 and len(keys) < 3) or snap_position(text) or _known_head(words):
        return None  # a whole position is not cut ('TRƯỞNG PHÒNG' is no 'PHÓ TRƯỞNG PHÒNG')
    found: dict[int, set[str]] = {}
    for known in POSITIONS:
        parts = known.split()
        for k in range(len(parts)):
            tail = [fold_aligned(p) for p in parts[k:]]
            if len(tail) > len(keys) or keys[1 : len(tail)] != tail[1:]:
                continue
            if tail[0].endswith(keys[0]) and (k or tail[0] != keys[0]):  # k = 0: letters lost
                rest = words[len(tail) :]
                if all(fold_aligned(w) in _TITLE_ABBREVIATIONS or is_syllable(w) for w in rest):
                    found.setdefault(k, set()).add(" ".join([*parts, *rest]))
    if not found:
        return None
    best = found[min(found)]
    return next(iter(best)) if len(best) == 1 else None


def _deputy_of_twice(lines: list[Line], start: int, page: PageLines) -> str | None:
    """``PHÓ CHỦ TỊCH`` for a position read twice, one line over the other, or ``None``.

    ``KT. CHỦ TỊCH`` / ``PHÓ CHỦ TỊCH`` read as ``CHỦ TỊCH`` / ``CHỦ TỊCH``: no block prints the
    same position twice, so the seal took "KT." above and "PHÓ" below, and a deputy signed.
    """
    if start == 0 or not _adjacent(lines[start - 1], lines[start], page):
        return None
    here = snap_position(_title_part(lines[start], page))
    upper = _title_part(lines[start - 1], page)
    above = snap_position(upper)
    if above is None and (completed := _completed_position(upper)):
        above = completed, _NEAR_POSITION  # 'TỊCH' over 'CHỦ TỊCH': the seal took "KT. CHỦ"
    if here is None or above is None or here[0] != above[0] or fold_aligned(here[0]).startswith("pho "):
        return None
    return f"PHÓ {here[0]}"


def _masked_position(lines: list[Line]) -> str | None:
    """The one known position the title lines' sure words spell, the unsure ones standing for any word.

    ``C1T1Ủ(12) TỊCH(96)`` is ``CHỦ TỊCH``; ``ï(20) 1Ó(30) CHỦ TỊCH`` is ``PHÓ CHỦ TỊCH`` (the
    longest position that fits, an unsure word in front being a word the ring covered; a lone
    unsure character is a speck, not a word). ``None`` without word boxes, without an unsure
    word, or when no single position fits.
    """
    # A lone character read unsure is a speck of the seal or the signature, not a covered word.
    words = [
        w for ln in lines for w in ln.words if len(w.text.strip(_WORD_EDGES)) >= 2 or w.conf >= _DEBRIS_WORD
    ]
    if not words or all(w.conf >= _DEBRIS_WORD for w in words):
        return None
    fits: list[str] = []
    for known in POSITIONS:
        parts = known.split()
        if len(parts) > len(words):
            continue
        extra, tail = words[: len(words) - len(parts)], words[len(words) - len(parts) :]
        sure_ok = all(
            w.conf < _DEBRIS_WORD or fold_aligned(w.text.strip(".,;:")) == fold_aligned(part)
            for w, part in zip(tail, parts, strict=True)
        )
        if (
            sure_ok
            and all(w.conf < _DEBRIS_WORD for w in extra)
            and any(w.conf >= _DEBRIS_WORD for w in tail)
        ):
            fits.append(known)
    if not fits:
        return None
    longest = max(len(f.split()) for f in fits)
    best = {fold_aligned(f) for f in fits if len(f.split()) == longest}
    return next(f for f in fits if len(f.split()) == longest) if len(best) == 1 else None


def _position_above_name(lines: list[Line], page: PageLines) -> tuple[int, int, str, float] | None:
    """A block with no authority line and no known position: the capitals right above the last name.

    ``CÔNG CHỨC TƯ PHÁP -`` / ``HỘ TỊCH`` / (signature) / name. Read as printed, a little doubtful.
    """
    for n in range(len(lines) - 1, max(-1, len(lines) - 8), -1):
        if not looks_like_name(" ".join(name_tail(lines[n].text))):
            continue
        parts: list[str] = []
        first = n
        head_above = False
        for j in range(n - 1, max(-1, n - 4), -1):
            title = _title_part(lines[j], page)
            if not title or is_motto(lines[j]) or title_type(title):
                break
            if parts and _head_over_title(title, parts[0]):
                head_above = True
                break
            parts.insert(0, title)
            first = j
        if not parts:
            return None
        position, strength = _printed_position(" ".join(parts))
        conf = sum(ln.conf for ln in lines[first:n]) / (n - first)
        if head_above:
            conf = min(conf, _DOUBTFUL_TITLE)
        return first, n - 1, position, 0.9 * strength * conf
    return None


def _head_over_title(upper: str, lower: str) -> bool:
    """True when ``upper`` is a whole position and ``lower`` opens with another one.

    Two positions are never stacked as one title: the upper is the head's, whose ``TUQ.`` or
    ``TL.`` the seal took (a fax read ``TỊCH`` / ``TRƯỞNG PHÒNG TƯ PHÁP``, which came out
    ``CHỦ TỊCH TRƯỞNG PHÒNG TƯ PHÁP``), and the signer's title is the lower. A title wrapped
    over two lines is not parted here: its first line ends in a dash (``CÔNG CHỨC TƯ PHÁP -`` /
    ``HỘ TỊCH``), or its second opens no position (``... / TÀI NGUYÊN VÀ MÔI TRƯỜNG``).
    """
    upper = upper.strip(" .,:;")
    if upper.endswith(("-", "–")):
        return False
    snapped = snap_position(upper)
    head = snapped[0] if snapped and snapped[1] == 1.0 else _completed_position(upper)
    if head is None or fold_aligned(head) not in {fold_aligned(p) for p in POSITIONS}:
        return False
    words = [w.strip(".,") for w in lower.split()]
    return bool(_known_head(words) or snap_position(lower))


# How far (in the name's line heights) a title line's centre may sit from the name's before a word
# of it counts as lost: the lines of a signer block are centred on one axis (NĐ 30, Phụ lục I).
_CENTRE_SLACK = 0.45


def _off_centre(title_lines: list[Line], name_line: Line) -> bool:
    """True when a title line is not centred over the signer's name: a word of it was not read.

    ``KT. CHỦ TỊCH`` / ``PHÓ CHỦ TỊCH`` under a seal may come out as one clean ``CHỦ TỊCH``: every
    word read sure, yet ``KT.`` and ``PHÓ`` lost, which leaves the line's centre half a word to the
    right of the block's axis. The name, printed on the same axis, shows where that axis is.
    """
    if name_line.centre_x is None or name_line.top is None or name_line.bottom is None:
        return False
    height = max(1, name_line.bottom - name_line.top)
    return any(
        line.centre_x is not None and abs(line.centre_x - name_line.centre_x) > _CENTRE_SLACK * height
        for line in title_lines
    )


def _name_off_axis(title_lines: list[Line], name_line: Line) -> bool:
    """True when the title lines agree on the block's axis and the name is not centred on it.

    Then the name, not the title, has lost a syllable to the signature's stroke or the seal
    (``Phạm Kim`` read with ``Tám`` pushed onto a line of its own: the printed name stands on the
    block's axis, what was read of it half a syllable to the left). Two title lines at least
    must agree, so that a title line that lost a word (:func:`_off_centre`) is not taken for
    the axis.
    """
    if name_line.centre_x is None or name_line.top is None or name_line.bottom is None:
        return False
    slack = _CENTRE_SLACK * max(1, name_line.bottom - name_line.top)
    centres = [line.centre_x for line in title_lines if line.centre_x is not None]
    if len(centres) < 2 or max(centres) - min(centres) > slack:
        return False
    return abs(statistics.median(centres) - name_line.centre_x) > slack


def read_signer(pages: list[PageLines], context: FieldContext) -> tuple[str | None, float, str | None, float]:
    """Signer name and position from the last page that has a signer block.

    The name is the last name-like line below the position, past the signature and seal, in
    the right half where the page has boxes. A name whose surname is unlisted is kept, with a
    confidence that sends it to review.
    """
    for page in reversed(pages):
        lines = _block_lines(page)
        view, ends = _title_view(lines, page)
        found = _signer_position(view, page, context)
        if found is None:
            continue
        first, pos_idx, position, pos_conf = found
        title_lines = view[first : pos_idx + 1]
        name, name_conf, name_line, read_conf = None, 0.0, None, 0.0
        for line, rejoined in _name_rows(lines[ends[pos_idx] + 1 :]):
            candidate, line_conf = _name_on_line(line, page)
            if candidate and (rejoined or _shares_row(line, lines)):
                line_conf = min(line_conf, _NAME_WITHOUT_BLOCK)  # a piece of a row the signature split
            if candidate:
                strength = name_strength(candidate)
                if name is None or strength >= name_strength(name):
                    name, name_conf, name_line = candidate, 0.95 * line_conf * strength, line
                    read_conf = 0.95 * line_conf
        if page.has_boxes and (name is None or read_conf < _SURE_NAME):
            # The name under the seal was lost or read unsure: the seal sits on this block, and
            # the title read beside it (a line cut short, a word taken for the ring) is doubtful too.
            # How name-like the reading is (a surname off by its marks) says nothing of the title.
            pos_conf = min(pos_conf, _DOUBTFUL_TITLE)
        if name_line is not None and _name_off_axis(title_lines, name_line):
            name_conf = min(name_conf, _NAME_WITHOUT_BLOCK)
        elif name_line is not None and _off_centre(title_lines, name_line):
            pos_conf = min(pos_conf, _DOUBTFUL_TITLE)
        return name, name_conf, position, pos_conf
    if pages and pages[-1].has_boxes:
        name, name_conf = _name_without_block(_block_lines(pages[-1]), pages[-1])
        return name, name_conf, None, 0.0
    return None, 0.0, None, 0.0


def _name_rows(lines: list[Line]) -> list[tuple[Line, bool]]:
    """The lines under the title, each followed by the row it completes, when OCR gave one
    printed row as pieces (``Trần`` | ``Bá Khánh``, ``Nguyễn`` | ``Thủy``: the seal's ring or the
    pen's stroke between them): ``(line, True)`` for such a row joined again (:func:`_one_row`).
    The pieces stay candidates on their own: a speck beside a name may spoil the row joined.
    """
    out: list[tuple[Line, bool]] = []
    row: Line | None = None
    for line in lines:
        out.append((line, False))
        if row is not None and row.words and line.words and _one_row(row, line):
            row = _line_of(row.words + line.words, row)
            out.append((row, True))
        else:
            row = line
    return out


# Punctuation and specks read as quotes around a word of the signer block ('Hiền.', '‘Trần').
_WORD_EDGES = ".,;:" + _QUOTES
# OCR confidence (0-100) under which a short or non-name word beside a name is a signature's
# stroke or a speck read as a letter ('Sz Trần Quang Cường'), not part of the line.
_DEBRIS_WORD = 60.0


def _split_at_strokes(words: list[Word]) -> list[Word]:
    """``words`` with a pen's stroke read between two syllables (``Hữu/Tám``) made a gap.

    A signature's last stroke often crosses the name between two syllables, and OCR reads it
    as a slash or a bar joining them into one word that no name check accepts. Each piece gets
    its share of the word's box by its letters.
    """
    out: list[Word] = []
    for word in words:
        text = _unglued(word.text)
        if text != word.text:
            word = replace(word, text=text)
        pieces = [p for p in _STROKE.split(word.text) if p]
        if len(pieces) < 2 or not all(any(ch.isalpha() for ch in p) for p in pieces):
            out.append(word)
            continue
        step = word.width / max(1, len(word.text))
        start = 0
        for piece in pieces:
            at = word.text.index(piece, start)
            left, width = word.left + round(at * step), round(len(piece) * step)
            out.append(replace(word, text=piece, left=left, width=width))
            start = at + len(piece)
    return out


# A pen's stroke read inside a word of the name's row.
_STROKE = re.compile(r"[/|\\]+")


def _letter(ch: str) -> bool:
    """True for a letter of a word (a spacing mark such as ``ˆ`` is no letter, though Unicode's Lm)."""
    return ch.isalpha() and unicodedata.category(ch) != "Lm"


def _unglued(text: str) -> str:
    """A word of the name's row without the marks the seal's ring or the pen left on it.

    Marks glued between two syllables, the second capitalised, become a stroke that
    :func:`_split_at_strokes` parts (``ĐăngˆThị``, ``Trần›Đức``); marks stuck to its edges are cut
    off (``Ngọc@``, ``*:Đăng``), but for the punctuation a name line may carry (``Hiền.``).
    """
    at = [i for i, ch in enumerate(text) if _letter(ch)]
    if not at or any(ch.isdigit() for ch in text):
        return text  # a speck, or a reference ('N312'): no name's word to free
    core = text[at[0] : at[-1] + 1]
    edges = text[: at[0]] + text[at[-1] + 1 :]
    runs = ["".join(group) for _, group in itertools.groupby(core, key=_letter)]  # letters, marks, ...
    unglued = "".join(
        "/" if k % 2 and runs[k + 1][0].isupper() and not _STROKE.fullmatch(run) else run
        for k, run in enumerate(runs)
    )
    if all(ch in _WORD_EDGES for ch in edges):
        return text[: at[0]] + unglued + text[at[-1] + 1 :]
    return unglued


def _pieces_joined(texts: list[str]) -> list[str]:
    """The name's words with a syllable OCR cut in two joined again: a piece that is no syllable,
    then one in small letters, that together make one (``Kh`` | ``ánh``, ``N`` | ``guyễn``)."""
    out: list[str] = []
    for text in texts:
        if out and text[:1].islower() and not is_syllable(out[-1]) and is_syllable(out[-1] + text):
            out[-1] += text
        else:
            out.append(text)
    return out


def _name_case(token: str) -> str:
    """A name syllable OCR read in mixed case (``KÍm``) as a name prints it (``Kím``).

    Only letters mixed after a capital are touched; a word all in capitals (a title) stays.
    """
    mixed = token[0].isupper() and not token.isupper() and not token[1:].islower()
    if len(token) > 1 and token.isalpha() and mixed:
        return token[0] + token[1:].lower()
    return token


def _name_on_line(line: Line, page: PageLines) -> tuple[str, float]:
    """``(name, confidence 0-1)`` when the line holds a signer's name and nothing else, else ``("", 0)``.

    Unsure specks the signature leaves on the line are set aside first; the line's confidence
    is then the name's words' own, kept below the review threshold when specks were there.
    """
    if not page.has_boxes or not line.words:
        tail = name_tail(line.text)
        alone = len(tail) == len(line.text.split())
        candidate = " ".join(tail) if alone or not page.has_boxes else ""
        return (candidate, line.conf) if candidate and looks_like_name(candidate, alone) else ("", 0.0)
    words = _split_at_strokes(list(line.words))
    row = _row_middle(words)

    def debris(word: Word) -> bool:
        text = word.text.strip(_WORD_EDGES)
        if _off_row(word, row):
            return True  # a stroke of the signature above or below the row, grouped with it
        if not any(ch.isalpha() and unicodedata.category(ch) != "Lm" for ch in text):
            return True  # a seal's ring or a pen's end read as a mark ('ˆ' at 72), never a name's
        return word.conf < _DEBRIS_WORD and not (is_name_token(text) and is_syllable(text) and len(text) > 1)

    kept = [w for w in words if not debris(w)]
    if not kept:
        return "", 0.0
    before = [w for w in words if w.left < kept[0].left and (not _off_row(w, row) or _grown_over(w, row))]
    if before and _capital_lost(before[-1].text.strip(_WORD_EDGES)):
        # 'guyen Thị Hùng': the stroke that ate the surname's capital left the rest of it unsure;
        # 'lương' (49): the stroke over it grew its box and turned its capital to a small letter.
        kept.insert(0, before[-1])
    texts = [_name_case(w.text.strip(_WORD_EDGES) or w.text) for w in kept]
    if any(t.islower() or t.istitle() for t in texts):
        # 'Nguyễn THÍ Ngọc Ánh': one syllable in capitals beside name-cased ones is a seal's
        # ring read into it, not a title: cased as the name prints it, and checked by the clerk
        texts = [t.title() if t.isupper() and len(t) > 1 else t for t in texts]
    texts = _pieces_joined(texts)
    recased = texts != [w.text.strip(_WORD_EDGES) or w.text for w in kept]
    text = " ".join(texts)
    tail = name_tail(text)
    restored = None
    remains = False
    if len(tail) == len(texts) - 1 and len(tail) >= 1:
        # 'oàng Minh Hiền': the signature's stroke ate the surname's capital.
        restored = _capital_lost(texts[0].strip(_WORD_EDGES)) or _surname_misread(texts[0])
        if restored:
            tail = [restored, *tail]
        # 'láp Quang Thịnh', '¡nh Kim Thủy': what the pen or the seal left of a surname (Giáp,
        # Ninh) is no name's word; the name stands without it, for the clerk to complete.
        remains = not restored and len(tail) >= 2 and not texts[0][:1].isupper()
    candidate = " ".join(tail)
    if len(tail) + remains != len(text.split()) or not looks_like_name(candidate, name_place=True):
        return "", 0.0
    conf = sum(w.conf for w in kept) / (100.0 * len(kept))
    if restored or remains:
        conf = min(conf, _NAME_WITHOUT_BLOCK)  # a letter or a word the page lost: the clerk checks it
    if min(w.conf for w in kept) < CLEAN_NAME_WORD:
        # One syllable read unsure ('Tuần' at 74 beside two at 96): OCR's doubt is on that
        # syllable's marks, which the line's mean hides.
        conf = min(conf, _NAME_WITHOUT_BLOCK)
    if len(kept) < len(words) or recased or [w.text for w in words] != [w.text for w in line.words]:
        # The signature crossed the line: what is left may have lost a syllable to it
        # ('Trần NV Quang Cường' cut after 'NV'), or its stroke was read between two syllables
        # ('Hữu/Tám') or its marks glued to a syllable ('Ngọc@'), or a letter OCR read in the
        # wrong case may carry the wrong accent too ('KÍm'), so the clerk checks it.
        conf = min(conf, _NAME_WITHOUT_BLOCK)
    return candidate, conf


# How far (in the row's median word heights) a word's middle may stand from the row's middle
# and still be on the row: a name's syllables, marks and all, stay within a third of a height.
_OFF_ROW = 0.75


def _row_middle(words: list[Word]) -> tuple[float, float] | None:
    """(median middle, median height) of a row's surely-read words; ``None`` under two of them."""
    sure = [w for w in words if w.conf >= _DEBRIS_WORD and w.height > 0]
    if len(sure) < 2:
        return None
    middles = sorted(w.top + w.height / 2 for w in sure)
    heights = sorted(w.height for w in sure)
    return middles[len(middles) // 2], heights[len(heights) // 2]


def _grown_over(word: Word, row: tuple[float, float] | None) -> bool:
    """True for a word whose box a pen's stroke grew over its row: it spans the row's middle and
    stands half again as tall as the row's words (``lương`` at 108 px beside ``Thu`` at 41)."""
    return row is not None and word.top <= row[0] <= word.top + word.height and word.height >= 1.5 * row[1]


def _capital_lost(token: str) -> str | None:
    """The surname a lower-case token stands for: its capital eaten (``guyễn``, :func:`lost_capital`)
    or read as a small letter (``lương`` is ``Lương``); ``None`` otherwise."""
    if token.isalpha() and token.islower() and (whole := token[0].upper() + token[1:]) in surnames():
        return whole
    return lost_capital(token)


def _surname_misread(token: str) -> str | None:
    """The listed surname a capitalised token stands for whose one letter OCR read as a mark
    (``Ngu$ễn``: Nguyễn), when exactly one surname fits the letters around it; else ``None``."""
    inner = [i for i, ch in enumerate(token) if not _letter(ch)]
    if len(token) < 3 or len(inner) != 1 or not 0 < inner[0] < len(token) - 1 or not token[0].isupper():
        return None
    at = inner[0]
    key = fold_aligned(token[:at] + token[at + 1 :])
    found = {
        name
        for name in surnames()
        if len(name) == len(token) and fold_aligned(name[:at] + name[at + 1 :]) == key
    }
    return found.pop() if len(found) == 1 else None


def _off_row(word: Word, row: tuple[float, float] | None) -> bool:
    """True when ``word`` stands above or below the row ``row`` describes."""
    return row is not None and abs(word.top + word.height / 2 - row[0]) > _OFF_ROW * row[1]


def _shares_row(line: Line, lines: list[Line]) -> bool:
    """True when other marks sit on the same row close beside ``line``.

    A row the signature crosses comes apart into pieces ('ve Trần' | 'NV' | 'Quang Cường'):
    a name piece of it may have lost its first syllables to the piece beside it.
    """
    if line.top is None or line.bottom is None or line.left is None or line.right is None:
        return False
    height = max(1, line.bottom - line.top)
    for other in lines:
        if other is line or other.top is None or other.bottom is None or other.left is None:
            continue
        overlap = min(line.bottom, other.bottom) - max(line.top, other.top)
        near = other.right is not None and (
            0 <= line.left - other.right <= 3 * height or 0 <= other.left - line.right <= 3 * height
        )
        if overlap >= 0.5 * height and near:
            return True
    return False


# A name found with no readable signer block above it is never sure: the block (title,
# authority) that says it is the signer's was lost to the seal or the signature.
_NAME_WITHOUT_BLOCK = 0.75
# Mean confidence (0-1) of a line that is text rather than a signature's strokes read as marks.
_TEXT_LINE = 0.6


def _name_without_block(lines: list[Line], page: PageLines) -> tuple[str | None, float]:
    """The signer's name when the seal or signature made the block above it unreadable.

    The name stands alone on the page's last line in the right half, in the lower part, with
    the signature's blank space (two lines or more) above it. Given for review, never sure.
    """
    right = [ln for ln in lines if ln.centre_x is not None and ln.centre_x >= 0.5 * page.width]
    if not right:
        return None, 0.0
    last = max(right, key=lambda ln: ln.top or 0)
    if last.top is None or last.bottom is None or last.top < 0.4 * page.height:
        return None, 0.0
    candidate, conf = _name_on_line(last, page)
    if not candidate:
        return None, 0.0
    height = max(1, last.bottom - last.top)
    above = [
        ln.bottom
        for ln in right
        if ln is not last and ln.bottom is not None and ln.bottom <= last.top and ln.conf >= _TEXT_LINE
    ]
    if above and last.top - max(above) < 2 * height:
        return None, 0.0  # text right above it: a line of the body, not a name under a signature
    return candidate, min(_NAME_WITHOUT_BLOCK, 0.95 * conf * name_strength(candidate))
