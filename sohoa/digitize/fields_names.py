"""Vietnamese personal names read by OCR: finding them in any vocabulary, never changing a correct one.

A name is whatever capitalised syllables stand in a name position (after ``ông``/``bà``, after a
label such as ``Họ và tên:``, under the signer's title). Names are open-vocabulary: a given name
such as ``Lân``, ``Tám`` or ``Chử`` is as good as ``Lan``; a rare surname (``Khuất``, ``Cấn``)
is as good as ``Nguyễn``. The surname list shipped in ``data/vie_surnames.txt`` only weighs how
sure a reading is; it never drops a name.

OCR errs on tone marks, yet most of its slips are themselves valid syllables (``Lân`` read as
``Lan``), which no rule can tell from the truth. So a syllable that is valid Vietnamese is never
"repaired"; only one that is no Vietnamese syllable at all (``Nguyẻn``, ``Hưong``) is, and only
when a single reading is plausible. A name met several times in a document is read by majority
over its occurrences.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from sohoa.digitize.syllables import attested, is_syllable, syllable_set
from sohoa.text import fold_aligned

_SURNAME_FILE = Path(__file__).with_name("data") / "vie_surnames.txt"


def _words(text: str) -> list[str]:
    return text.split()


# Common middle and given-name syllables: a preference when a broken syllable has several
# readings, never a filter.
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
    "Vinh Vĩnh Vũ Vượng Xuân Yên Yến Lân Tư Tám Năm Quyền Toản Thăng Lĩnh Tuân Chử Bẩy Sáu Tình Thơm Mơ"
)

# Words that open a line of a form or a body, never a name (a seal's ring text read as
# "Ủy Ban Nhân Dân", "Phường Khai Quang" under the signature, "Trưởng Phòng" after "ông").
# Not "Lưu": a common surname ("ông Lưu Mạnh Toàn"); the recipients' "Lưu:" ends at its colon.
_NOT_FIRST = frozenset(
    unicodedata.normalize("NFC", w)
    for w in _words(
        "ủy uỷ phường xã thành tỉnh huyện quận thị phòng sở ban hội trung cộng độc chủ phó giám trưởng chánh "
        "tòa toà việt đã ký nơi như kính căn điều ngày tháng năm số mã họ tên giấy quyết thông bộ đảng "
        "nhà trường bệnh thôn tổ xóm đường phố ấp khu công cục chi đội cán chuyên anh chị cháu em "
        "người cấp tại và các của cho theo về đồng"
    )
)


@functools.lru_cache(maxsize=1)
def _surname_list() -> tuple[str, ...]:
    """The shipped list's surnames in its order (the most borne first), NFC, as printed in a name."""
    lines = _SURNAME_FILE.read_text(encoding="utf-8").splitlines()
    words = [word for line in lines if line and line[0] != "#" for word in line.split()]
    return tuple(unicodedata.normalize("NFC", word) for word in words)


@functools.lru_cache(maxsize=1)
def surnames() -> frozenset[str]:
    """Every surname in the shipped list, NFC, capitalised as printed in a name."""
    return frozenset(_surname_list())


@functools.lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(surnames, name syllables, their folds): the preference lists for repairs."""
    names = frozenset(unicodedata.normalize("NFC", w) for w in NAME_SYLLABLES) | surnames()
    return surnames(), names, frozenset(fold_aligned(w) for w in names)


def is_surname(token: str) -> bool:
    """True when ``token`` is a listed surname, exactly or with OCR's tone slips (``Nguyên``)."""
    token = _title(token)
    return token in surnames() or fold_aligned(token) in _surname_folds()


@functools.lru_cache(maxsize=1)
def _surname_folds() -> frozenset[str]:
    return frozenset(fold_aligned(s) for s in surnames())


def is_name_syllable(token: str) -> bool:
    """True when ``token``'s letters (marks aside) are those of a common name syllable or surname."""
    return fold_aligned(_title(token)) in _lexicon()[2]


def _title(token: str) -> str:
    token = unicodedata.normalize("NFC", token.replace("Ð", "Đ").replace("ð", "đ"))
    return token[:1].upper() + token[1:].lower() if token else token


def is_name_token(token: str) -> bool:
    """A capitalised word of letters only (``Lân``, ``Đức``), as names are printed in body text."""
    token = token.replace("Ð", "Đ")
    if not token or not token[0].isupper() or not token.isalpha():
        return False
    rest = token[1:]
    return rest == "" or rest.islower()


def can_open_name(token: str) -> bool:
    """False for words that start form lines or bodies' names (``Ủy``, ``Phường``, ``Trưởng``)."""
    return _title(token).lower() not in _NOT_FIRST


# Weight of a middle or given syllable spelled as no listed name is, whose letters are a listed
# name's with other marks (``Đúc`` for ``Đức``, ``Tuần`` for ``Tuấn``/``Tuân``, ``Lần`` for
# ``Lân``): valid Vietnamese, so kept as read, but the very slip OCR makes on tone marks.
_MARKS_OFF_A_NAME = 0.8


# Middle syllables that mark a man's or a woman's name and are next to never the given name: a
# reading that ends on one lost its given name.
_MIDDLE_ONLY = frozenset({"Văn", "Thị"})
_CUT_NAME = 0.75


def is_middle_only(token: str) -> bool:
    """True for a syllable that marks a man's or a woman's name in the middle (``Văn``, ``Thị``)
    and next to never stands first or last: a name that opens or ends on one lost a syllable."""
    return _title(token) in _MIDDLE_ONLY


def marks_off_a_name(token: str) -> bool:
    """True when ``token`` is no listed name syllable but one is, marks aside (``Đúc``: ``Đức``)."""
    _, names, folds = _lexicon()
    token = _title(token)
    return token not in names and fold_aligned(token) in folds


def name_strength(name: str) -> float:
    """How sure a reading is a person's name, in (0, 1]: a listed surname and valid syllables score 1.

    An unlisted surname is kept (rare surnames exist) but weighs 0.75, so the value goes to
    review, and a listed surname with other marks (``Trấn``) 0.8; each syllable that is not
    Vietnamese at all costs a little more, and so does one whose letters are a listed name's
    with other tone marks (:func:`marks_off_a_name`), or a last syllable that only ever stands
    in the middle (``Nguyễn Văn``: the given name was lost): kept as read, never repaired, but
    the clerk checks it.
    """
    tokens = name.split()
    if not tokens:
        return 0.0
    first = _title(tokens[0])
    strength = 1.0 if first in surnames() else (_MARKS_OFF_A_NAME if is_surname(first) else 0.75)
    for i, token in enumerate(tokens):
        if not is_syllable(token):
            strength *= 0.85
        elif i and marks_off_a_name(token):
            strength *= _MARKS_OFF_A_NAME
    if len(tokens) > 1 and is_middle_only(tokens[-1]):
        strength *= _CUT_NAME  # "Nguyễn Văn": the given name was cut off (a seal, a wrap)
    return strength


def looks_like_name(text: str, name_place: bool = False) -> bool:
    """2-5 capitalised syllables that could be a person: Vietnamese syllables, not a form's words.

    No surname list is consulted: ``Khuất Văn Lân`` is a name even if ``Khuất`` were unlisted.
    A token that is no syllable at all is allowed once (OCR garbles a letter), not more. In
    running text a name never opens on a word that opens a form's lines (``Phó Chủ tịch``,
    ``Căn cứ``). Where only a name stands (``name_place``: the signer's line under the
    signature, the value of a name label) it may, when that word is a listed surname, marks
    aside (``Đồng``, ``Mã``, ``Phó``; ``Căn`` for ``Cấn``): the list of surnames never drops a name.
    """
    tokens = text.replace("Ð", "Đ").split()
    if not 2 <= len(tokens) <= 5 or not all(is_name_token(t) for t in tokens):
        return False
    if not can_open_name(tokens[0]) and not (name_place and is_surname(tokens[0])):
        return False
    repaired = repair_name(" ".join(tokens))[0].split()
    if sum(1 for t in repaired if not is_syllable(t)) > 1:
        return False
    return is_syllable(repaired[0]) or is_surname(repaired[0])


def lost_capital(token: str) -> str | None:
    """The surname a lower-case token is the end of, when a signature's stroke ate its capital.

    ``oàng`` -> ``Hoàng``, ``guyễn`` -> ``Nguyễn``, ``rần`` -> ``Trần``, ``ũ`` -> ``Vũ``: one or two
    letters lost at the front, and exactly one listed surname ends with the letters left (marks
    aside; a single letter must carry its marks). The
    surname is given as listed; ``None`` when the token is no such end, or several surnames fit.
    """
    if not 1 <= len(token) <= 6 or not token.isalpha() or not token.islower():
        return None
    key = fold_aligned(token)
    found = {
        name
        for name in surnames()
        if 1 <= len(name) - len(token) <= 2 and fold_aligned(name)[-len(key) :] == key
    }
    exact = {name for name in found if name.lower().endswith(unicodedata.normalize("NFC", token))}
    if len(token) == 1:
        # A lone letter ('ũ' of 'Vũ') is a surname's end only by its marks: a bare 'u' or 'n' ends
        # too many surnames, or is a speck.
        found = exact if key != token else set()
    found = exact or found
    if len(found) > 1 and key != token:
        # 'ũ' ends Vũ and the rare Ngũ, 'ạ' Tạ and Hạ: the clerk reviews every such completion
        # anyway, so the more common surname (listed first) is the better guess. A bare 'an' may
        # have lost its marks too (Trần, Phan): no guess.
        rank = _surname_rank()
        found = {min(found, key=lambda name: rank.get(name, len(rank)))}
    return found.pop() if len(found) == 1 else None


@functools.lru_cache(maxsize=1)
def _surname_rank() -> dict[str, int]:
    """Each surname's first place in the shipped list, which runs from the most borne to the rarest."""
    rank: dict[str, int] = {}
    for i, name in enumerate(_surname_list()):
        rank.setdefault(name, i)
    return rank


def rescue_token(token: str) -> str | None:
    """Read a garbled name syllable such as ``HữỮu`` (a letter read twice, once as a capital).

    Returns the valid syllable left after lower-casing the tail and dropping one repeated
    letter, when exactly one such reading exists; else ``None``. A token that already is a
    valid syllable is never rescued.
    """
    if len(token) < 3 or not token.isalpha() or not token[0].isupper() or is_name_token(token):
        return None
    tail = token[1:].lower()
    found = set()
    for i in range(len(tail)):
        if i + 1 < len(tail) and fold_aligned(tail[i]) == fold_aligned(tail[i + 1]):
            for drop in (i, i + 1):
                candidate = token[0] + tail[:drop] + tail[drop + 1 :]
                if is_syllable(candidate) and (candidate in _lexicon()[1] or candidate.lower() in attested()):
                    found.add(candidate)
    return found.pop() if len(found) == 1 else None


@functools.lru_cache(maxsize=1)
def _syllables_by_fold() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for syllable in syllable_set():
        index.setdefault(fold_aligned(syllable), []).append(syllable)
    return {key: tuple(sorted(values)) for key, values in index.items()}


def _nfd_distance(a: str, b: str) -> int:
    return Levenshtein.distance(unicodedata.normalize("NFD", a), unicodedata.normalize("NFD", b))


def repair_syllable(token: str, first: bool = False) -> str:
    """One name syllable as it should read, or ``token`` itself when it may be right or is unsure.

    A valid syllable is returned untouched, always. A broken one (``Nguyẻn``) becomes the
    single nearest valid syllable with the same letters, preferring a surname (``first``) or
    name syllable, then syllables in use; else, for a letter misread, the single name syllable
    one letter away.
    """
    if not token or is_syllable(token):
        return token
    lowered = _title(token).lower()
    same_letters = _syllables_by_fold().get(fold_aligned(lowered), ())
    surname_set, name_set, _ = _lexicon()
    preferred = surname_set if first else name_set
    for pool in (
        [c for c in same_letters if _title(c) in preferred],
        [c for c in same_letters if c in attested() or _title(c) in name_set],
    ):
        if not pool:
            continue
        distances = {c: _nfd_distance(lowered, c) for c in pool}
        nearest = min(distances.values())
        best = [c for c, d in distances.items() if d == nearest]
        if len(best) == 1 and nearest <= 2:
            return _match_case(best[0], token)
        if len(best) > 1:
            return token  # several readings fit equally: leave the print for a clerk
    near = _one_letter_away(lowered, preferred)
    return _match_case(near, token) if near else token


def _one_letter_away(lowered: str, lexicon: frozenset[str]) -> str | None:
    """The single lexicon syllable whose letters are one edit from ``lowered``'s (``Nøa`` -> ``Nga``)."""
    key = fold_aligned(lowered)
    folds: dict[str, list[str]] = {}
    for word in lexicon:
        f = fold_aligned(word).lower()
        if abs(len(f) - len(key)) <= 1 and Levenshtein.distance(f, key) == 1:
            folds.setdefault(f, []).append(word.lower())
    marks = _marks(lowered)
    if len(folds) != 1:
        # 'Prạm': 'Phạm' and 'Trầm' are a letter away; the marks OCR did read pick one.
        same = [s for spellings in folds.values() for s in spellings if _marks(s) == marks]
        return same[0] if len(same) == 1 and marks else None
    spellings = next(iter(folds.values()))
    if len(spellings) == 1:
        return spellings[0]
    same = [s for s in spellings if _marks(s) == marks]
    return same[0] if len(same) == 1 else None


def _marks(text: str) -> set[str]:
    return {c for c in unicodedata.normalize("NFD", text) if unicodedata.combining(c)}


def _match_case(candidate: str, model: str) -> str:
    if model.isupper() and len(model) > 1:
        return candidate.upper()
    return candidate[:1].upper() + candidate[1:]


def repair_name(name: str) -> tuple[str, int]:
    """``(name with broken syllables repaired, number of syllables changed)``; valid ones stay as read."""
    tokens = name.split()
    changed = 0
    for i, token in enumerate(tokens):
        fixed = repair_syllable(token, first=i == 0)
        if fixed != token:
            tokens[i] = fixed
            changed += 1
    return " ".join(tokens), changed


# Tesseract's word confidence (0-100) each syllable of a name must reach to count as read
# cleanly: OCR turns one valid name into another (Lân -> Lan, Tuấn -> Tuần) and only its doubt
# shows it. Subjects' names and the signer's are held to the same bar.
CLEAN_NAME_WORD = 80.0


# Strength of a name one of whose letters (not only marks) a repair supplied: below the review
# threshold (0.8), since the page did not show that letter.
_LETTER_GUESS = 0.75


@dataclass
class NameSighting:
    """One occurrence of a name in the text, with how it was found."""

    text: str
    conf: float
    from_capitals: bool
    # (page, line) of the list item or table row the name was read in, if it was one. Two
    # items of one list name two people, however alike: "Nguyễn Thị Tuân" and "Nguyễn Thu
    # Tuân" are a household each, not one name read twice.
    entry: tuple[int, int] | None = None


def _plausibility(name: str) -> float:
    """How Vietnamese a reading looks: listed names, then any valid syllables."""
    surname_set, name_set, _ = _lexicon()
    score = 0.0
    for i, token in enumerate(name.split()):
        if token in (surname_set if i == 0 else name_set):
            score += 1.0
        elif is_syllable(token):
            score += 0.5
    return score


def _close(a: NameSighting, b: NameSighting) -> bool:
    """Same person, read twice: same syllable count, letters (marks aside) at most one edit apart.

    Readings a letter apart in two entries of a list are two people; only the same letters,
    marks aside, are one person there (the same household listed twice, or read twice).
    """
    fa, fb = fold_aligned(a.text), fold_aligned(b.text)
    if len(fa.split()) != len(fb.split()):
        return False
    if a.entry is not None and b.entry is not None and a.entry != b.entry:
        return fa == fb
    return Levenshtein.distance(fa, fb) <= 1


def consolidate(sightings: list[NameSighting]) -> list[tuple[str, float]]:
    """Merge sightings of the same people into one reading each, in order of first appearance.

    Drops names cut short by a line break (a sighting that is the start of a longer one) and
    picks, for each person, the reading seen most often, then the most plausible, then one
    printed in lower case (marks on capitals are OCR's weak spot). The confidence carries how
    name-like the reading is (:func:`name_strength`) and how far its sightings agree.
    """
    folded = [fold_aligned(s.text).split() for s in sightings]
    kept: list[NameSighting] = []
    for i, s in enumerate(sightings):
        n = len(folded[i])
        # A name cut by a line break is the start of a longer one; "Thị Hằng" read after the
        # surname "Ông" (taken for "Mr") is the end of one.
        cut = any(len(other) > n and (other[:n] == folded[i] or other[-n:] == folded[i]) for other in folded)
        if not cut:
            kept.append(s)
    groups: list[list[NameSighting]] = []
    for s in kept:
        for group in groups:
            if _close(group[0], s):
                group.append(s)
                break
        else:
            groups.append([s])
    out: list[tuple[str, float]] = []
    for group in groups:
        readings: dict[str, list[NameSighting]] = {}
        repairs: dict[str, int] = {}
        guessed: set[str] = set()  # readings where a repair changed a letter, not only marks
        for s in group:
            text, changed = repair_name(s.text)
            readings.setdefault(text, []).append(s)
            repairs[text] = max(repairs.get(text, 0), changed)
            if fold_aligned(text) != fold_aligned(s.text):
                guessed.add(text)

        def rank(item: tuple[str, list[NameSighting]]) -> tuple[int, float, int]:
            text, seen = item
            return len(seen), _plausibility(text), sum(not s.from_capitals for s in seen)

        best_text, seen = max(readings.items(), key=rank)
        agreement = len(seen) / len(group)
        conf = max(s.conf for s in seen) * (0.8 + 0.2 * agreement) * name_strength(best_text)
        conf *= 0.9 ** repairs[best_text]  # a repaired syllable is a guess, however good
        if best_text in guessed:
            conf = min(conf, _LETTER_GUESS)  # 'Prạm' -> 'Phạm': a letter OCR did not give us
        out.append((best_text, conf))
    return out
