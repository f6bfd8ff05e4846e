"""Vietnamese personal names read by OCR: recognising them, and repairing tone marks only where sure.

Names are drawn from a small stock of syllables: a few dozen surnames cover nearly everyone,
and middle and given names come from a few hundred common syllables. OCR errs on tone marks
(``Khổng`` -> ``Không``, ``Hằng`` -> ``Hàng``, especially in capitals). A syllable is changed
only when it is not itself a known name syllable and exactly one known name syllable has the
same letters without marks: then there is a single plausible reading. A name met several
times in a document is read by majority over its occurrences.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from sohoa.digitize.fields_text import fold
from sohoa.digitize.syllables import is_syllable


def _words(text: str) -> list[str]:
    return text.split()


SURNAMES = _words(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đoàn Vương Trịnh Trương "
    "Lâm Lương Mai Đinh Hà Tạ Cao Kiều Lưu Quách Chu Tô Hứa Triệu Khúc Tăng Lại Thái Mạc Nghiêm Phùng "
    "Kim Đồng Doãn Âu Giang Tống Thân Quan Nông Hoa Đàm Vi Khổng Lã Thạch Lò Cù Bạch Hàn Khương Tào Văn"
)

# Common middle and given-name syllables (a name lexicon, not a dictionary of the language).
NAME_SYLLABLES = _words(
    "An Anh Ánh Ân Ấn Bảo Bắc Bích Bình Cảnh Chi Chinh Chính Châu Chiến Chung Công Cúc Cương Cường Diễm "
    "Diệp Diệu Dũng Dung Duy Duyên Dương Đại Đan Đạo Đạt Điệp Định Đông Đức Gấm Giang Hà Hạ Hải Hạnh Hào "
    "Hảo Hằng Hân Hậu Hiền Hiển Hiệp Hiếu Hiệu Hoa Hòa Hóa Hoài Hoàn Hoàng Hồng Huân Huệ Hùng Hưng Hương "
    "Hường Hưởng Hữu Huy Huyền Khang Khanh Khánh Khoa Khôi Kiên Kiều Kim Lam Lan Lâm Lành Lập Liên Liễu "
    "Linh Loan Lộc Lợi Long Luân Lực Lưu Lương Lượng Ly Lý Mai Mạnh My Mỹ Minh Nam Nga Ngà Ngân Nghĩa "
    "Ngọc Nguyên Nguyệt Nhàn Nhân Nhật Nhi Nhung Như Ninh Oanh Phát Phong Phú Phúc Phụng Phương Phượng "
    "Quân Quang Quế Quốc Quý Quyên Quyết Quỳnh Sang Sáng Sơn Sinh Tài Tâm Tân Tấn Thạch Thái Thắm Thắng "
    "Thanh Thành Thảo Thịnh Thiện Thị Thoa Thông Thu Thủy Thúy Thùy Thư Thương Thy Tiến Tiên Tín Toàn "
    "Trà Trang Trâm Trí Triều Trinh Trọng Trung Trúc Trường Tú Tuấn Tuệ Tùng Tuyết Tuyền Uyên Văn Vân Việt "
    "Vinh Vĩnh Vũ Vượng Xuân Yên Yến"
)

_SURNAME_SET = set(SURNAMES)
_NAME_SET = set(NAME_SYLLABLES) | _SURNAME_SET


def _by_fold(words: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for word in words:
        bucket = out.setdefault(fold(word), [])
        if word not in bucket:
            bucket.append(word)
    return out


_SURNAME_FOLD = _by_fold(SURNAMES)
_NAME_FOLD = _by_fold(NAME_SYLLABLES + SURNAMES)


def is_surname(token: str) -> bool:
    """True when ``token``'s letters (marks aside) are those of a Vietnamese surname."""
    return fold(token) in _SURNAME_FOLD


def is_name_syllable(token: str) -> bool:
    """True when ``token``'s letters (marks aside) are those of a common name syllable."""
    return fold(token) in _NAME_FOLD


def rescue_token(token: str) -> str | None:
    """Read a garbled name syllable such as ``HữỮu`` (a letter read twice, once as a capital).

    Returns the known name syllable left after lower-casing the tail and dropping one repeated
    letter, when exactly one such reading exists; else ``None``.
    """
    if len(token) < 3 or not token.isalpha() or not token[0].isupper():
        return None
    tail = token[1:].lower()
    found = set()
    for i in range(len(tail)):
        if i + 1 < len(tail) and fold(tail[i]) == fold(tail[i + 1]):
            for drop in (i, i + 1):
                candidate = token[0] + tail[:drop] + tail[drop + 1 :]
                if candidate in _NAME_SET:
                    found.add(candidate)
    return found.pop() if len(found) == 1 else None


def repair_name(name: str) -> tuple[str, int]:
    """``(name with sure tone repairs, number of syllables changed)``.

    The first syllable is checked against surnames, the others against name syllables.
    """
    tokens = name.split()
    changed = 0
    for i, token in enumerate(tokens):
        known, by_fold = (_SURNAME_SET, _SURNAME_FOLD) if i == 0 else (_NAME_SET, _NAME_FOLD)
        if token in known:
            continue
        candidates = by_fold.get(fold(token), [])
        if not candidates and not is_syllable(token.lower()):
            candidates = _neighbours(token, by_fold)
        if len(candidates) == 1:
            tokens[i] = candidates[0]
            changed += 1
    return " ".join(tokens), changed


_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}


def _tone(token: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", token) if c in _TONES)


def _neighbours(token: str, by_fold: dict[str, list[str]]) -> list[str]:
    """Known syllables one letter away from a token that is no Vietnamese syllable at all (``Nøa``).

    Only a single letter sequence qualifies; among its spellings the one carrying the token's
    tone mark is taken.
    """
    key = fold(token)
    folds = [f for f in by_fold if abs(len(f) - len(key)) <= 1 and Levenshtein.distance(f, key) == 1]
    if len(folds) != 1:
        return []
    spellings = by_fold[folds[0]]
    if len(spellings) == 1:
        return spellings
    tones = _tone(token)
    same_tone = [c for c in spellings if _tone(c) == tones or (_tone(c) and _tone(c) in tones)]
    return same_tone if len(same_tone) == 1 else []


@dataclass
class NameSighting:
    """One occurrence of a name in the text, with how it was found."""

    text: str
    conf: float
    from_capitals: bool


def _plausibility(name: str) -> float:
    """How Vietnamese a reading looks: known name syllables, then well-formed syllables."""
    score = 0.0
    for i, token in enumerate(name.split()):
        if token in (_SURNAME_SET if i == 0 else _NAME_SET):
            score += 1.0
        elif is_syllable(token.lower()):
            score += 0.5
    return score


def _close(a: str, b: str) -> bool:
    """Same person, read twice: same syllable count, letters (marks aside) at most one edit apart."""
    fa, fb = fold(a), fold(b)
    return len(fa.split()) == len(fb.split()) and Levenshtein.distance(fa, fb) <= 1


def consolidate(sightings: list[NameSighting]) -> list[tuple[str, float]]:
    """Merge sightings of the same people into one reading each, in order of first appearance.

    Drops names cut short by a line break (a sighting that is the start of a longer one) and
    picks, for each person, the reading seen most often, then the most plausible, then one
    printed in lower case (marks on capitals are OCR's weak spot).
    """
    folded = [fold(s.text).split() for s in sightings]
    kept: list[NameSighting] = []
    for i, s in enumerate(sightings):
        cut = any(
            len(other) > len(folded[i]) and other[: len(folded[i])] == folded[i] for other in folded
        )
        if not cut:
            kept.append(s)
    groups: list[list[NameSighting]] = []
    for s in kept:
        for group in groups:
            if _close(group[0].text, s.text):
                group.append(s)
                break
        else:
            groups.append([s])
    out: list[tuple[str, float]] = []
    for group in groups:
        readings: dict[str, list[NameSighting]] = {}
        for s in group:
            readings.setdefault(repair_name(s.text)[0], []).append(s)

        def rank(item: tuple[str, list[NameSighting]]) -> tuple[int, float, int]:
            text, seen = item
            return len(seen), _plausibility(text), sum(not s.from_capitals for s in seen)

        best_text, seen = max(readings.items(), key=rank)
        agreement = len(seen) / len(group)
        out.append((best_text, max(s.conf for s in seen) * (0.8 + 0.2 * agreement)))
    return out
