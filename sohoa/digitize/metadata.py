"""Metadata of a result document, read from its OCR'd pages (issue 3).

The layout of NĐ 30/2020 tells where each field sits: the issuing body top left with the
number under it, the motto and the place-and-date top right, the title centred, the signer
block bottom right. Where pages carry word boxes we use that geometry; text-layer pages (and
lines merged across the two header columns) fall back on text patterns alone.

Keywords are matched on folded text so that OCR's tone-mark errors (``Sô:``, ``Quyêt định``)
do not hide them, but every value is returned as printed, in NFC. Only corrections that are
certain are applied: known phrases (issuers, titles, positions, places) get their accents
back, and OCR letter-for-digit swaps are repaired inside numbers.

This module is pure and fast: no I/O, no logging of document text (it is personal data).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from sohoa.digitize.fields_dates import WORDED_DATE, add_months, find_dates
from sohoa.digitize.fields_names import (
    NameSighting,
    consolidate,
    is_name_syllable,
    is_surname,
    rescue_token,
)
from sohoa.digitize.fields_text import (
    Line,
    PageLines,
    fix_digits,
    fold,
    is_upper_text,
    nfc,
    page_lines,
    sentence_case,
    squash,
)
from sohoa.digitize.fields_vocab import (
    AUTHORITY,
    PLACES,
    SYMBOL_TYPES,
    field_for,
    restore_accents,
    snap_issuer_line,
    snap_position,
    title_type,
)
from sohoa.digitize.model import PageText
from sohoa.fields import FIELD_NAMES, LIST_FIELDS

Value = str | list[str] | None


@dataclass
class ExtractedFields:
    """The 15 metadata fields of one document, each with a confidence in [0, 1] and a source.

    ``values`` always holds every name in :data:`FIELD_NAMES` (``None`` or ``[]`` when not
    found; dates as ISO ``YYYY-MM-DD``). ``confidence`` is 0 for a missing field. ``source``
    is ``"auto"`` for what was extracted here and ``"manual"`` once a clerk set the value.
    """

    values: dict[str, Value] = field(default_factory=dict)
    confidence: dict[str, float] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in FIELD_NAMES:
            self.values.setdefault(name, [] if name in LIST_FIELDS else None)
            self.confidence.setdefault(name, 0.0)
            self.source.setdefault(name, "auto")

    def set(self, name: str, value: Value, confidence: float) -> None:
        """Record an automatically extracted value (empty values get confidence 0)."""
        if name not in FIELD_NAMES:
            raise KeyError(name)
        empty = value is None or value == [] or value == ""
        self.values[name] = [] if (empty and name in LIST_FIELDS) else (None if empty else value)
        self.confidence[name] = 0.0 if empty else round(max(0.0, min(1.0, confidence)), 3)
        self.source[name] = "auto"

    def to_dict(self) -> dict[str, dict]:
        """Plain JSON-ready form: ``{"values": …, "confidence": …, "source": …}``."""
        values = {k: (list(v) if isinstance(v, list) else v) for k, v in self.values.items()}
        return {"values": values, "confidence": dict(self.confidence), "source": dict(self.source)}

    def set_manual(self, name: str, value: Value) -> None:
        """Record a value a clerk typed or confirmed: full confidence, source ``manual``."""
        if name not in FIELD_NAMES:
            raise KeyError(name)
        if isinstance(value, str):
            value = nfc(value)
        elif isinstance(value, list):
            value = [nfc(v) for v in value]
        self.values[name] = value
        self.confidence[name] = 1.0 if value not in (None, [], "") else 0.0
        self.source[name] = "manual"


# --- the header: issuer, number, motto, place and date, title --------------------------------

_MOTTO_KEYS = ("cong hoa xa hoi", "doc lap", "tu do", "hanh phuc", "chu nghia viet nam")
_NUMBER_LABEL = re.compile(r"^\s*(?:s|5)[o0]\s*(?:[:;.,]\s*|(?=[0-9oil]))")
_NUMBER_BODY = re.compile(
    r"(?P<num>[0-9OIl][0-9OIl ]{0,7})"
    r"(?P<year>\s*/\s*[0-9OIl]{4}(?=\s*/))?"
    r"(?P<sym>\s*/\s*[A-Za-zĐđÐ][A-Za-zĐđÐ0-9]*(?:\s*[-–]\s*[A-Za-zĐđÐ][A-Za-zĐđÐ0-9]*)*)?"
)
_PLACE_DATE = re.compile(r"(?P<place>[a-z][a-z .]{1,30}?)\s*[,.]\s*ng[a-z]?y\s*[:.,]?\s*[0-9oil]")


@dataclass
class _Header:
    left: list[Line]
    right: list[Line]
    title_at: int | None  # index into the first page's lines of the title line
    body_from: int  # first line index after the header (and title, summary)


def _is_motto(line: Line) -> bool:
    key = squash(line.folded)
    return any(k in key for k in _MOTTO_KEYS)


def _split_text_line(line: Line) -> list[Line]:
    """Split a text-layer line that runs across both header columns into its two parts."""
    key = line.folded
    cuts = []
    for marker in ("cong hoa xa hoi", "doc lap"):
        pos = key.find(marker)
        if pos > 0:
            cuts.append(pos)
    m = _NUMBER_LABEL.match(key)
    if m:
        body = _NUMBER_BODY.match(line.text, m.end())
        if body and body.end() < len(line.text) and _PLACE_DATE.search(key, body.end()):
            cuts.append(body.end())
    else:
        pd = _PLACE_DATE.search(key)
        if pd and pd.start() > 0 and is_upper_text(line.text[: pd.start()]):
            cuts.append(pd.start())
    if not cuts:
        return [line]
    cut = min(cuts)
    left = Line(squash(line.text[:cut]), line.page, line.index, line.conf, zone="left")
    right = Line(squash(line.text[cut:]), line.page, line.index, line.conf, zone="right")
    return [part for part in (left, right) if part.text]


def _find_title(lines: list[Line], page: PageLines, start: int = 0) -> int | None:
    """Index of the title line: a known type name, centred on pages with boxes."""
    limit = min(len(lines), start + 25)
    for i in range(start, limit):
        line = lines[i]
        if line.zone == "right" or _is_motto(line) or _NUMBER_LABEL.match(line.folded):
            continue
        cx = line.centre_x
        if page.has_boxes and page.width and cx is not None and abs(cx - page.width / 2) > 0.15 * page.width:
            continue
        if not is_upper_text(line.text):
            continue
        if title_type(line.text):
            return i
    return None


def _header(page: PageLines) -> tuple[_Header, list[Line]]:
    """Sort the first page's top lines into the left and right header columns."""
    lines: list[Line] = []
    if page.has_boxes:
        lines = list(page.lines)
        # Header columns are centred near 30% and 70% of the width, titles near 50%.
        half = page.width / 2 if page.width else None
        for line in lines:
            cx = line.centre_x
            if half is None or cx is None:
                line.zone = ""
            elif cx < half * 0.8:
                line.zone = "left"
            elif cx > half * 1.2:
                line.zone = "right"
            else:
                line.zone = "centre"
    else:
        for line in page.lines[:20]:
            lines.extend(_split_text_line(line))
        lines.extend(page.lines[20:])
        for i, line in enumerate(lines):
            line.index = i
            if not line.zone:
                line.zone = "right" if (_is_motto(line) or _PLACE_DATE.match(line.folded)) else ""
    title_at = _find_title(lines, page)
    end = title_at if title_at is not None else min(len(lines), 12)
    if title_at is None:
        # A công văn has no title line: its header ends where the body starts.
        for i, line in enumerate(lines[:end]):
            key = line.folded
            if key.startswith(("kinh gui", "can cu", "ubnd ") ) and i > 2 and not _NUMBER_LABEL.match(key):
                end = i
                break
    left, right = [], []
    for line in lines[:end]:
        if line.zone == "right" or (line.zone == "" and _is_motto(line)):
            right.append(line)
        elif line.zone in ("left", ""):
            left.append(line)
        elif line.zone == "centre" and _is_motto(line):
            right.append(line)
    return _Header(left, right, title_at, end), lines


# A parent line that is only a kind of body needs the line under it to name the issuer.
_GENERIC_BODIES = {"uy ban nhan dan", "hoi dong nhan dan"}


def _issuer(header: _Header) -> tuple[str | None, float]:
    """The issuing body: the capitals above ``Số:`` in the left column, lines joined."""
    parts: list[str] = []
    confs: list[float] = []
    strength = 1.0
    for line in header.left:
        key = line.folded
        if _NUMBER_LABEL.match(key) or key.startswith("v/v"):
            break
        text = line.text.strip(" -_=~.*")
        if sum(c.isalpha() for c in text) < 2:
            continue  # a speckle or the rule under the issuer, not a line of text
        if not is_upper_text(text):
            if parts:
                break
            continue
        if _is_motto(line):
            continue
        snapped = snap_issuer_line(text)
        if snapped:
            text, sim = snapped
            strength = min(strength, 0.95 + 0.05 * sim)
        else:
            strength = min(strength, 0.8)
        parts.append(text)
        confs.append(line.conf)
        if len(parts) == 3:
            break
    if not parts:
        return None, 0.0
    if len(parts) > 1 and fold(parts[0]) not in _GENERIC_BODIES:
        # "UBND THÀNH PHỐ VĨNH YÊN / PHÒNG TÀI CHÍNH - KẾ HOẠCH": the upper line names the
        # superior body, the issuer is the bold line under it.
        return parts[-1], strength * confs[-1]
    return " ".join(parts), strength * (sum(confs) / len(confs))


def clean_number(raw: str) -> str:
    """Normalise a printed number: OCR spaces around ``/`` and ``-`` out, ``Ð`` -> ``Đ``, digits fixed."""
    text = squash(raw).replace("Ð", "Đ").replace("ð", "đ").replace("–", "-")
    text = re.sub(r"\s*([/-])\s*", r"\1", text)
    parts = text.split("/")
    parts[0] = fix_digits(parts[0].replace(" ", ""))
    if len(parts) > 2 and re.fullmatch(r"[0-9OIl]{4}", parts[1]):
        parts[1] = fix_digits(parts[1])
    if len(parts) > 1:
        symbol = parts[-1]
        symbol = re.sub(r"(?<![A-Za-z])QD(?![A-Za-z])", "QĐ", symbol)
        parts[-1] = symbol
    return "/".join(parts)


def _number(header: _Header, lines: list[Line]) -> tuple[str | None, float]:
    """``Số: 1234/QĐ-UBND`` under the issuer (the left column, or the top lines of a text page)."""
    candidates = header.left + [ln for ln in lines[: header.body_from] if ln not in header.left]
    for line in candidates:
        key = line.folded
        m = _NUMBER_LABEL.match(key)
        if not m:
            continue
        body = _NUMBER_BODY.match(line.text, m.end())
        if not body or not re.search(r"[0-9]", fix_digits(body.group("num"))):
            continue
        raw = body.group(0).rstrip(" -/")
        number = clean_number(raw)
        if not re.match(r"^[0-9]+(/|$)", number):
            continue
        strength = 1.0 if body.group("sym") else 0.9
        if ":" not in line.text[: m.end() + 1]:
            strength *= 0.9
        return number, strength * line.conf
    return None, 0.0


def _snap_place(text: str) -> tuple[str | None, float]:
    """A place name before ``, ngày``, given back with accents when it is a known place."""
    text = squash(text.strip(" ,.:;-"))
    if not text:
        return None, 0.0
    key = fold(text)
    for place in PLACES:
        if fold(place) == key:
            return restore_accents(text, place), 1.0
    for place in PLACES:
        if key.endswith(" " + fold(place)):
            return place, 0.9
    best = max(PLACES, key=lambda p: fuzz.ratio(key, fold(p)))
    score = fuzz.ratio(key, fold(best))
    if score >= 80:
        return best, score / 100.0  # "Khat Quang": one letter misread in a known place name
    return text, 0.7


def _issued(header: _Header, lines: list[Line], pages: list[PageLines]) -> tuple[
    dt.date | None, float, str | None, float
]:
    """Issue date and place: ``Vĩnh Yên, ngày 10 tháng 6 năm 2024`` under the motto."""
    for group, strength in ((header.right, 1.0), (lines[: header.body_from], 0.95)):
        for line in group:
            key = line.folded
            m = WORDED_DATE.search(key)
            if not m:
                continue
            date = next((d for d, s, _ in find_dates(key, numeric=False) if s == m.start()), None)
            if date is None:
                continue
            place_text = line.text[: m.start()]
            place, place_conf = _snap_place(place_text) if place_text.strip(" ,") else (None, 0.0)
            return date, strength * line.conf, place, place_conf * line.conf
    # Some certificates print "…, ngày … tháng … năm …" near the bottom, above the signer.
    for page in pages:
        for line in page.lines:
            key = line.folded
            pd = _PLACE_DATE.search(key)
            if not pd:
                continue
            found = [d for d in find_dates(key, numeric=False) if d[1] >= pd.end() - 12]
            if found:
                place, place_conf = _snap_place(line.text[pd.start("place") : pd.end("place")])
                return found[0][0], 0.8 * line.conf, place, place_conf * line.conf * 0.8
    return None, 0.0, None, 0.0


_SUMMARY_START = re.compile(r"^[\s\-_.•~]*(?:v\s*[/l|1]\s*[vw]|ve\s+viec)\b")
_VV_PREFIX = re.compile(r"^[\s\-_.•~]*[vV]\s*[/l|1]\s*[vVwW]\b\.?")
_BODY_START = ("can cu", "kinh gui", "xet ", "theo de nghi", "dieu ", "chu tich", "uy ban nhan dan")


def _summary(header: _Header, lines: list[Line], page: PageLines) -> tuple[str | None, float]:
    """Trích yếu: ``Về việc …`` under the title, or ``V/v …`` under a công văn's number.

    A summary wraps over a few lines; it ends at capitals (the body's opening line), a
    ``Căn cứ``/``Kính gửi`` line, or, on pages with boxes, a vertical gap or another column.
    """
    start = None
    if header.title_at is not None:
        for i in range(header.title_at + 1, min(len(lines), header.title_at + 4)):
            if _SUMMARY_START.match(lines[i].folded):
                start = i
                break
    if start is None:
        for line in lines[: max(header.body_from, 14)]:
            if _SUMMARY_START.match(line.folded):
                start = line.index
                break
    if start is None:
        return None, 0.0
    first = lines[start]
    chosen = [first]
    for line in lines[start + 1 : start + 8]:
        key = line.folded
        if key.startswith(_BODY_START) or _is_motto(line) or WORDED_DATE.search(key):
            break
        if is_upper_text(line.text) or line.text.strip(" -_") == "":
            break
        if first.zone == "left" and line.zone == "right":
            continue
        if page.has_boxes:
            if first.zone == "left" and line.zone != "left":
                continue
            prev = chosen[-1]
            height = (first.bottom or 0) - (first.top or 0)
            if (line.top or 0) - (prev.bottom or 0) > 1.2 * height:
                break
        chosen.append(line)
        if len(chosen) == 4:
            break
    # The rule drawn under a summary comes back as stray "-" or "_" at a line's edge on noisy
    # scans; Vietnamese never hyphenates a syllable across lines, so edge dashes are noise.
    parts = []
    for ln in chosen:
        words = ln.text.split()
        while words and not any(c.isalnum() for c in words[-1]):
            words.pop()
        while len(words) > 1 and not any(c.isalnum() for c in words[0]) and ln is not first:
            words.pop(0)
        parts.append(" ".join(words))
    text = squash(" ".join(parts)).strip(" ;")
    # The fixed prefixes come back as printed: "V/w", "- Về việc" are OCR's doing.
    text = _VV_PREFIX.sub("V/v", text, count=1).lstrip(" -_.•~")
    return text, 0.9 * sum(ln.conf for ln in chosen) / len(chosen)


# --- the signer block ----------------------------------------------------------------------

def _is_name_token(token: str) -> bool:
    token = token.replace("Ð", "Đ")
    if not token or not token[0].isupper() or not token.isalpha():
        return False
    rest = token[1:]
    return rest == "" or rest.islower()


def name_tail(text: str) -> list[str]:
    """The trailing run of capitalised syllables of ``text`` (``- Lưu: VT. Lê Anh Tân`` -> 3 tokens)."""
    tokens = text.replace("Ð", "Đ").split()
    tail: list[str] = []
    for token in reversed(tokens):
        if not _is_name_token(token):
            token = rescue_token(token) or ""
        if token:
            tail.append(token)
        else:
            break
    tail.reverse()
    return tail


def looks_like_name(text: str) -> bool:
    """2-5 capitalised syllables, the first one a Vietnamese surname."""
    tokens = text.replace("Ð", "Đ").split()
    if not 2 <= len(tokens) <= 5 or not all(_is_name_token(t) for t in tokens):
        return False
    return is_surname(tokens[0])


def _position_of(line: Line) -> tuple[str | None, float, bool]:
    """``(position, similarity, signed for the head)`` named on a signer-block line.

    The authority prefix is dropped; ``KT.`` (ký thay) is reported because it means the
    signer is the named head's deputy.
    """
    text = line.text.strip(" .,:;")
    key = fold(text)
    prefix = next((p for p in AUTHORITY if key.startswith(p)), None)
    if prefix:
        text = text[len(prefix) :].strip(" .")
    if not text or not is_upper_text(text):
        return None, 0.0, False
    snapped = snap_position(text)
    if snapped:
        return snapped[0], snapped[1], bool(prefix and prefix.startswith("kt"))
    return None, 0.0, False


def _left_of_signer(line: Line, page: PageLines) -> bool:
    """True for lines of the left half (recipients), which never hold the signer block."""
    cx = line.centre_x
    return bool(page.has_boxes and page.width and cx is not None and cx < page.width * 0.45)


def _signer(pages: list[PageLines]) -> tuple[str | None, float, str | None, float]:
    """Signer name and position from the last page that has a signer block.

    The position is the last capitals line naming a known position (``KT. CHỦ TỊCH`` then
    ``PHÓ CHỦ TỊCH`` gives ``PHÓ CHỦ TỊCH``); the name is the last name-like line below it,
    past the signature and seal, in the right half where the page has boxes.
    """
    for page in reversed(pages):
        lines = page.lines
        pos_idx = None
        position, pos_conf = None, 0.0
        for i in range(len(lines) - 1, -1, -1):
            line = lines[i]
            if _left_of_signer(line, page):
                continue
            candidates = [line]
            if not page.has_boxes:
                candidates = _split_signer_text(line)
            found = None
            for cand in candidates:
                pos, sim, deputy = _position_of(cand)
                if pos and (found is None or (sim, len(pos), deputy) >= (found[1], len(found[0]), found[2])):
                    found = (pos, sim, deputy)
            if found:
                # The lowest position line is the signer's own ("KT. CHỦ TỊCH / PHÓ CHỦ TỊCH").
                # When OCR lost that line, "KT." (ký thay: a deputy signs for the head) still
                # tells the position: the head's deputy.
                pos_idx = i
                position, pos_conf = found[0], found[1] * line.conf
                if found[2] and not fold(position).startswith("pho "):
                    position, pos_conf = f"PHÓ {position}", pos_conf * 0.85
                break
        if pos_idx is None:
            continue
        name, name_conf = None, 0.0
        for line in lines[pos_idx + 1 :]:
            if _left_of_signer(line, page):
                continue
            tail = name_tail(line.text)
            if page.has_boxes:
                candidate = " ".join(tail) if len(tail) == len(line.text.split()) else ""
            else:
                candidate = " ".join(tail)
            if candidate and looks_like_name(candidate):
                name, name_conf = candidate, 0.95 * line.conf
        return name, name_conf, position, pos_conf
    return None, 0.0, None, 0.0


def _split_signer_text(line: Line) -> list[Line]:
    """On a text-layer page the recipients column shares lines with the signer block."""
    key = line.folded
    out = [line]
    for marker in (" tm.", " kt.", " tl.", " tuq.", " q."):
        pos = key.find(marker)
        if pos > 0:
            out.append(Line(line.text[pos + 1 :], line.page, line.index, line.conf))
    # "- Lưu: VT, TP. PHÓ CHỦ TỊCH": the capitals at the end are the signer's position.
    words = line.text.split()
    for k in range(1, min(6, len(words))):
        tail = " ".join(words[-k:])
        if snap_position(tail):
            out.append(Line(tail, line.page, line.index, line.conf))
    return out


# --- people, identifiers, codes --------------------------------------------------------------

_NAME_LABELS = re.compile(
    r"(?:ho,?\s*chu\s*dem,?\s*(?:va\s*)?ten|ho\s*va\s*ten|ho\s*ten)[^:]{0,40}:\s*"
)
_HONORIFICS = {"ong", "ba", "ong/ba"}
_ID12 = re.compile(r"(?<![0-9./-])([0-9]{12})(?![0-9])")
_ID_LABELLED = re.compile(
    r"(?:dinh\s*danh|cccd|cmnd|can\s*cuoc|ma\s*so\s*(?:ho\s*kinh\s*doanh|thue|doanh\s*nghiep)|so\s*dang\s*ky)"
    r"[^:0-9]{0,40}:?\s*([0-9oil][0-9oil ]{8,16}[0-9])(?![0-9.])"
)
_DOSSIER = re.compile(
    r"([0-9OIl]{3}\s*[.,]\s*[0-9OIl]{2}\s*[.,]\s*[0-9OIl]{2}\s*[.,]\s*[A-Z1|][0-9OIl]{2})\s*[-–]\s*"
    r"([0-9OIl]{6})\s*[-–]\s*([0-9OIl]{4})"
)
_PROCEDURE = re.compile(r"(?<![0-9.])([0-9])\s*[.,]\s*([0-9OIl]{6})(?![0-9])")


def _name_run(tokens: list[str], allow_caps: bool) -> list[str]:
    """The name at the start of ``tokens``: capitalised syllables up to punctuation (capitals title-cased)."""
    run: list[str] = []
    for token in tokens[:5]:
        bare = token.rstrip(",.;:)")
        if allow_caps and bare.isalpha() and bare.isupper():
            bare = bare.capitalize()
        if not _is_name_token(bare):
            break
        run.append(bare)
        if len(bare) != len(token):  # punctuation ends the name
            break
    return run


def _subject_names(pages: list[PageLines], exclude: set[str]) -> tuple[list[str], float]:
    """People the result is about: labelled names (``Họ, chữ đệm và tên:``) and ``ông``/``bà`` + name.

    The honorific search runs over each page's lines joined, so a name wrapped onto the next
    line is read whole; every sighting then goes to :func:`fields_names.consolidate`.
    """
    sightings: list[NameSighting] = []
    for page in pages:
        for line in page.lines:
            for m in _NAME_LABELS.finditer(line.folded):
                run = _name_run(line.text[m.end() :].split(), allow_caps=True)
                if len(run) >= 2 and looks_like_name(" ".join(run)):
                    caps = line.text[m.end() :].split()[0].isupper()
                    sightings.append(NameSighting(" ".join(run), line.conf, caps))
        tokens = [(tok, k) for k, ln in enumerate(page.lines) for tok in ln.text.split()]
        for t, (tok, _line) in enumerate(tokens):
            if fold(tok).strip("(:,") not in _HONORIFICS:
                continue
            start = t + 1
            if start < len(tokens) and fold(tokens[start][0]) in ("/ba", "/ba:", "ba:"):
                start += 1
            following = tokens[start : start + 5]
            if not following:
                continue
            first_line = following[0][1]
            # A name wrapped onto the next line goes on only with known name syllables.
            words = []
            for tok2, k2 in following:
                if k2 != first_line and not is_name_syllable(tok2.rstrip(",.;:)")):
                    break
                words.append(tok2)
            run = _name_run(words, allow_caps=False)
            if 2 <= len(run) <= 5 and looks_like_name(" ".join(run)):
                sightings.append(NameSighting(" ".join(run), page.lines[first_line].conf * 0.9, False))
    names: list[str] = []
    confs_out: list[float] = []
    for name, conf in consolidate(sightings):
        if fold(name) not in exclude:
            names.append(name)
            confs_out.append(conf)
    return names, (min(confs_out) if confs_out else 0.0)


def _id_numbers(lines: Iterable[Line]) -> tuple[list[str], float]:
    """12-digit personal numbers anywhere; 10-13 digit codes where a label names them."""
    found: list[str] = []
    confs: list[float] = []
    for line in lines:
        key = line.folded
        for m in _ID12.finditer(key):
            if m.group(1) not in found:
                found.append(m.group(1))
                confs.append(line.conf)
        for m in _ID_LABELLED.finditer(key):
            digits = fix_digits(m.group(1)).replace(" ", "")
            if digits.isdigit() and 10 <= len(digits) <= 13 and digits not in found:
                found.append(digits)
                confs.append(line.conf * 0.9)
    return found, (min(confs) if confs else 0.0)


def _dossier_code(lines: Iterable[Line]) -> tuple[str | None, float]:
    for line in lines:
        m = _DOSSIER.search(line.text)
        if m:
            unit = re.sub(r"\s*[.,]\s*", ".", m.group(1))
            head, _, tail = unit.rpartition(".")
            letter, digits = tail[0], fix_digits(tail[1:])
            if digits == "62":
                letter = "H"  # Vĩnh Phúc's organ codes all end in H62; OCR reads that H as I or 1
            unit = fix_digits(head) + "." + letter + digits
            return f"{unit}-{fix_digits(m.group(2))}-{fix_digits(m.group(3))}", line.conf
    return None, 0.0


def _procedure_code(lines: Iterable[Line]) -> tuple[str | None, float]:
    for line in lines:
        key = line.folded
        if "thu tuc" not in key and "tthc" not in key:
            continue
        m = _PROCEDURE.search(key)
        if m:
            return f"{m.group(1)}.{fix_digits(m.group(2))}", line.conf
    return None, 0.0


_VALID_MONTHS = re.compile(r"gia\s*tri[^.]{0,40}?([0-9]{1,2})\s*thang[\s,]*(?:ke\s*tu|tinh\s*tu)")
_VALID_UNTIL = re.compile(r"(?:gia\s*tri|hieu\s*luc)[^.]{0,30}?den\s*(?:het\s*)?")


def _valid_until(lines: list[Line], issued: dt.date | None) -> tuple[str | None, float]:
    """Validity stated in the text: ``có giá trị đến ngày …`` or ``… 6 tháng kể từ ngày cấp``."""
    for line in lines:
        key = line.folded
        m = _VALID_UNTIL.search(key)
        if m:
            dates = [d for d, s, _ in find_dates(key) if s >= m.end() - 2]
            if dates:
                return dates[0].isoformat(), 0.9 * line.conf
        m = _VALID_MONTHS.search(key)
        if m and issued is not None:
            return add_months(issued, int(m.group(1))).isoformat(), 0.8 * line.conf
    return None, 0.0


_BUSINESS_CODE = re.compile(r"ma\s*so\s*ho\s*kinh\s*doanh\s*[:.]?\s*([0-9oil][0-9oil ]{8,14}[0-9oil])")

# A công văn's symbol ends with the drafting unit, which tells the field: 12/UBND-TP is Tư pháp's.
_DRAFTING_FIELDS = {
    "tp": "Tư pháp",
    "dc": "Đất đai",
    "tnmt": "Đất đai",
    "dt": "Xây dựng",
    "qldt": "Xây dựng",
    "nc": "Khiếu nại tố cáo",
    "tcd": "Khiếu nại tố cáo",
    "ld": "Lao động – Thương binh xã hội",
    "ldtbxh": "Lao động – Thương binh xã hội",
    "gd": "Giáo dục",
    "gddt": "Giáo dục",
    "yt": "Y tế",
    "nv": "Nội vụ",
    "vh": "Văn hóa",
    "vhtt": "Văn hóa",
}


def _symbol_field(number: str | None) -> str | None:
    if not number or "/" not in number:
        return None
    parts = number.split("/")[-1].split("-")
    return _DRAFTING_FIELDS.get(fold(parts[-1])) if len(parts) >= 2 else None


def _business_code(lines: list[Line]) -> tuple[str | None, float]:
    """``Mã số hộ kinh doanh: 2500123456``: the number of a household business certificate."""
    for line in lines[:30]:
        m = _BUSINESS_CODE.search(line.folded)
        if m:
            digits = fix_digits(m.group(1)).replace(" ", "")
            if digits.isdigit() and 8 <= len(digits) <= 14:
                return digits, 0.95 * line.conf
    return None, 0.0


def _doc_type(title_line: Line | None, number: str | None) -> tuple[str | None, str | None, float, float]:
    """``(doc_type, title, type confidence, title confidence)`` from the title line or the symbol."""
    if title_line is not None:
        found = title_type(title_line.text)
        if found:
            phrase, doc_type, sim = found
            key_len = len(phrase)
            printed = title_line.text if sim == 1.0 else phrase
            printed = restore_accents(printed[:key_len], phrase) + printed[key_len:] if sim == 1.0 else phrase
            title = sentence_case(squash(printed).strip(" .,:;"))
            return doc_type, title, sim * title_line.conf, sim * title_line.conf
    if number and "/" in number:
        parts = number.split("/")[-1].split("-")
        sym = fold(parts[0])
        if sym in SYMBOL_TYPES:
            return SYMBOL_TYPES[sym], None, 0.7, 0.0
        if len(parts) >= 2:
            # A công văn's symbol is the issuing body then the drafting unit: 12/UBND-VX.
            return "Công văn", None, 0.6, 0.0
    return None, None, 0.0, 0.0


def extract_fields(pages: list[PageText]) -> ExtractedFields:
    """Read the 15 metadata fields of one document from its pages (first page first).

    Works on OCR'd pages (using word boxes for the layout) and on text-layer pages (text
    patterns only). Missing fields are ``None``/``[]`` with confidence 0.
    """
    result = ExtractedFields()
    if not pages:
        return result
    laid = [page_lines(p) for p in pages]
    header, first_lines = _header(laid[0])
    laid[0] = PageLines(laid[0].number, first_lines, laid[0].width, laid[0].height, laid[0].has_boxes,
                        laid[0].confidence)
    all_lines = [ln for p in laid for ln in p.lines]

    issuer, c = _issuer(header)
    result.set("issuer", issuer, c)
    number, c = _number(header, first_lines)
    if number is None:
        number, c = _business_code(first_lines)
    result.set("number", number, c)
    date, c, place, pc = _issued(header, first_lines, laid)
    result.set("issued_date", date.isoformat() if date else None, c)
    result.set("place", place, pc)

    title_line = first_lines[header.title_at] if header.title_at is not None else None
    doc_type, title, tc, tlc = _doc_type(title_line, number)
    result.set("doc_type", doc_type, tc)
    result.set("title", title, tlc)
    summary, c = _summary(header, first_lines, laid[0])
    result.set("summary", summary, c)
    if doc_type == "Công văn" and summary and summary.startswith("V/v"):
        # No type line, a body-unit symbol and a "V/v" summary: the three marks of a công văn.
        result.set("doc_type", doc_type, 0.95 * max(result.confidence["number"], c))

    signer, sc, position, pc = _signer(laid)
    result.set("signer", signer, sc)
    result.set("signer_title", position, pc)

    exclude = {fold(signer)} if signer else set()
    names, c = _subject_names(laid, exclude)
    result.set("subject_names", names, c)
    ids, c = _id_numbers(all_lines)
    # A household business certificate's number is its business code: not an identifier of a subject.
    result.set("id_numbers", [i for i in ids if i != number], c)

    field_name = _symbol_field(number) if doc_type == "Công văn" else None
    field_conf = 0.85
    if field_name is None:
        field_name = field_for(title, summary, " ".join(ln.text for ln in all_lines[:60]))
        field_conf = 0.9 if field_name and field_for(title, summary) else 0.6
    result.set("field", field_name, field_conf)
    code, c = _dossier_code(all_lines)
    result.set("dossier_code", code, c)
    code, c = _procedure_code(all_lines)
    result.set("procedure_code", code, c)
    valid, c = _valid_until(all_lines, date)
    result.set("valid_until", valid, c)
    return result
