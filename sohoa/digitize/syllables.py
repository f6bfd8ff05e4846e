"""Vietnamese syllables: the closed set of well-formed ones, and tools built on it.

Vietnamese writes every syllable as onset + rhyme + at most one tone mark, under a handful of
spelling rules (``k`` before ``i e ê y``, ``gh``/``ngh`` before ``i e ê``, stop finals take only
the acute or dot-below tone ...). Generating the set from those rules gives every syllable in
use (and a few never seen) without shipping a word list. The set serves two purposes:

* telling a real text layer from garbage (legacy TCVN3/VNI fonts extract as ``Céng hßa``, an
  empty or broken layer has no syllables at all): :func:`valid_share`;
* repairing OCR tone-mark errors, touching only tokens that are NOT valid syllables:
  :func:`repair_text`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from sohoa.text import strip_marks


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Combining marks of the five tones (huyền, sắc, hỏi, ngã, nặng). Breve, circumflex and horn
# are part of the vowel letter, not the tone.
_TONE_MARKS = {"\u0300": 1, "\u0301": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}
_TONE_BY_NUMBER = {number: mark for mark, number in _TONE_MARKS.items()}
_VOWELS = set("aăâeêioôơuưy")
_MODIFIED = "ăâêôơư"

_ONSETS = (
    "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
    "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
)  # fmt: skip

# Rhymes written as after an ordinary consonant (``iê`` becomes ``yê`` with no onset, see below).
_PLAIN_RHYMES = _words(
    """
a ac ach ai am an ang anh ao ap at au ay
ăc ăm ăn ăng ăp ăt
âc âm ân âng âp ât âu ây
e ec em en eng eo ep et
ê êch êm ên ênh êp êt êu
i ia ich iêc iêm iên iêng iêp iêt iêu im in inh ip it iu
o oc oi om on ong ooc oong op ot
ô ôc ôi ôm ôn ông ôp ôt
ơ ơi ơm ơn ơp ơt
u ua uc ui um un ung uôc uôi uôm uôn uông uôt up ut
ư ưa ưc ưi ưm ưn ưng ươc ươi ươm ươn ương ươp ươt ươu ưt ưu
y
"""
)

# Rhymes with the rounded glide (written o before a ă e, u before â ê ơ y).
_GLIDE_RHYMES = _words(
    """
oa oac oach oai oam oan oang oanh oao oap oat oay
oăc oăm oăn oăng oăt
oe oen oeo oet
uân uâng uât uây
uê uêch uênh uơ
uy uya uych uyên uyêt uynh uyt uyu
"""
)

# Onsets that take the glide rhymes (``hoa``, ``khuy``, ``thuận``; never ``boa`` or ``mua`` as oa).
_GLIDE_ONSETS = {"", "ch", "d", "đ", "g", "h", "kh", "l", "n", "ng", "nh", "s", "t", "th", "tr", "x"}
_FRONT = ("i", "e", "ê", "y")
_STOP_FINALS = ("c", "ch", "p", "t")
_OLD_STYLE = {"oa", "oe", "uy"}  # hòa / hoà, thúy / thuý: both placements are in use


def _spell(onset: str, rhyme: str) -> tuple[str, str] | None:
    """Written form of onset + rhyme as (head, tone-bearing body), or None where spelling forbids it."""
    front = rhyme.startswith(_FRONT)
    if onset in ("c", "g", "ng") and front:
        return None  # written k, gh, ngh
    if onset in ("k", "gh", "ngh") and not front:
        return None
    if onset == "qu" and rhyme[0] in "ouư":
        return None
    if rhyme in _GLIDE_RHYMES and onset not in _GLIDE_ONSETS:
        return None
    if onset == "gi" and rhyme.startswith("i"):
        return "g", rhyme  # gi + ì = gì, gi + in = gìn, gi + iêt = giết
    if onset == "qu" and rhyme.startswith("i") and rhyme != "i":
        return "qu", "y" + rhyme[1:]  # quyên, quyết, quỳnh
    if rhyme.startswith("iê") and onset == "":
        return "", "y" + rhyme[1:]  # yên, yêu
    return onset, rhyme


def _tone_positions(rhyme_written: str) -> list[int]:
    """Index (in the rhyme) of the vowel that carries the tone; two where both styles exist."""
    vowels = [i for i, ch in enumerate(rhyme_written) if ch in _VOWELS]
    if not vowels:
        return []
    cluster = "".join(rhyme_written[i] for i in vowels)
    has_final = vowels[-1] < len(rhyme_written) - 1
    if "ơ" in cluster:
        return [vowels[cluster.index("ơ")]]
    modified = [i for i in vowels if rhyme_written[i] in _MODIFIED]
    if modified:
        return [modified[-1]]
    if len(vowels) == 1:
        return vowels
    if len(vowels) == 3:
        return [vowels[1]]
    if has_final:
        return [vowels[1]]
    if cluster in _OLD_STYLE:
        return [vowels[0], vowels[1]]
    return [vowels[0]]


def _with_tone(letter: str, tone: int) -> str:
    return unicodedata.normalize("NFC", letter + _TONE_BY_NUMBER[tone]) if tone else letter


@functools.lru_cache(maxsize=1)
def syllable_set() -> frozenset[str]:
    """Every well-formed Vietnamese syllable, lower case, NFC, with its tone mark placed."""
    result: set[str] = set()
    for onset in _ONSETS:
        for rhyme in (*_PLAIN_RHYMES, *_GLIDE_RHYMES):
            spelled = _spell(onset, rhyme)
            if spelled is None:
                continue
            head, body = spelled
            stop = body.endswith(_STOP_FINALS)
            tones = (2, 5) if stop else (0, 1, 2, 3, 4, 5)
            positions = _tone_positions(body)
            if not positions:
                continue
            for tone in tones:
                for pos in positions:
                    result.add(head + body[:pos] + _with_tone(body[pos], tone) + body[pos + 1 :])
    # "qui" is an older spelling of "quy" still printed in names and documents.
    for tone in (0, 1, 2, 3, 4, 5):
        result.add("qu" + _with_tone("i", tone))
    return frozenset(result)


def is_syllable(token: str) -> bool:
    """True when ``token`` (any case, NFC or NFD) is a well-formed Vietnamese syllable."""
    return unicodedata.normalize("NFC", token.lower()) in syllable_set()


def strip_tone(text: str) -> str:
    """Remove tone marks only (keeps ă â ê ô ơ ư đ): ``Nguyễn`` → ``Nguyên``."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))


_WORD = re.compile(r"[^\W\d_]+")


def valid_share(text: str) -> tuple[float, int]:
    """Share of letter tokens in ``text`` that are valid syllables, and the number of tokens.

    Real Vietnamese prose scores 0.85-1.0 (abbreviations such as ``UBND`` are the misses);
    legacy-font garbage and symbol soup score far lower.
    """
    tokens = _WORD.findall(unicodedata.normalize("NFC", text))
    if not tokens:
        return 0.0, 0
    valid = sum(1 for token in tokens if is_syllable(token))
    return valid / len(tokens), len(tokens)


# --- repair ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"^(\W*)([^\W\d_]+)(\W*)$")
# Farther than this (in combining marks and letters, NFD) is not a tone-mark slip.
_MAX_REPAIR_DISTANCE = 2
_ATTESTED_FILE = Path(__file__).with_name("data") / "vie_syllables.txt"
_ETH = str.maketrans({"Ð": "Đ", "ð": "đ"})
# An O a seal's ring or a pen's stroke crosses comes back slashed ('Mạc Xuân Øanh'); no
# Vietnamese word has an Ø, but a building permit's steel bars do ('Ø16'), so it is read as an
# O only where that makes a syllable in use.
_SLASHED_O = str.maketrans({"Ø": "O", "ø": "o"})


@functools.lru_cache(maxsize=1)
def attested() -> frozenset[str]:
    """Syllables known to be in use (Tesseract's own Vietnamese word list, plus name syllables).

    Validity is decided by :func:`syllable_set`, which is complete by construction (every
    onset x rhyme x tone the spelling rules allow, 16,000-odd forms with both tone placements).
    It also holds forms nobody writes (``viếc`` beside ``việc``), so repairs only ever produce
    syllables from this narrower list. Tesseract's list lacks some name syllables (``Chử``,
    ``Lã``, ``Gấm``), appended at the end of the file. Regenerate the first part with
    ``combine_tessdata -u vie.traineddata vie.`` and ``dawg2wordlist vie.lstm-unicharset
    vie.lstm-word-dawg words.txt``, then keep the lower-cased words that :func:`is_syllable`
    accepts.
    """
    lines = _ATTESTED_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(unicodedata.normalize("NFC", line.strip()) for line in lines if line and line[0] != "#")


@functools.lru_cache(maxsize=1)
def _by_fold() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for syllable in syllable_set():
        index.setdefault(strip_marks(syllable), []).append(syllable)
    return {key: tuple(sorted(values)) for key, values in index.items()}


def _match_case(candidate: str, model: str) -> str:
    if model.isupper() and len(model) > 1:
        return candidate.upper()
    if model[:1].isupper():
        return candidate[:1].upper() + candidate[1:]
    return candidate


def repair_token(token: str) -> str:
    """Fix a tone-mark error in one OCR token when the fix is certain; else return it as is.

    Only a token that is not a valid syllable is touched, and only when the syllables in use
    with the same letters (marks aside) hold exactly one nearest candidate. Abbreviations
    (``UBND``, ``HĐND``) have no such syllable and stay as they are. The Icelandic ``Ð``, which
    Tesseract sometimes gives for ``Đ``, is always mapped back; a slashed ``Ø`` is an ``O`` where
    that makes a syllable in use.
    """
    token = token.translate(_ETH)
    match = _TOKEN.match(token)
    if match is None:
        return token
    prefix, core, suffix = match.groups()
    if len(core) < 2 or is_syllable(core):
        return token
    if core.translate(_SLASHED_O).lower() in attested():
        return prefix + core.translate(_SLASHED_O) + suffix
    candidates = [c for c in _by_fold().get(strip_marks(core.lower()), ()) if c in attested()]
    if not candidates:
        pieces = glued_syllables(core)
        return prefix + " ".join(pieces) + suffix if pieces else token
    from rapidfuzz.distance import Levenshtein

    lowered = unicodedata.normalize("NFD", core.lower())
    distances = {c: Levenshtein.distance(lowered, unicodedata.normalize("NFD", c)) for c in candidates}
    nearest = min(distances.values())
    if nearest > _MAX_REPAIR_DISTANCE:
        return token
    best = [c for c, d in distances.items() if d == nearest]
    if len(best) != 1:
        return token
    return prefix + _match_case(best[0], core) + suffix


# A word of capitals this long, no syllable, may be syllables OCR printed without their spaces.
_GLUED_MIN_LETTERS = 6
# Each of them this many letters or more: a lone letter is read out of a garbled word too easily.
_GLUED_PIECE_MIN = 2
_GLUED_PIECE_MAX = 7  # "nghiêng", the longest Vietnamese syllable


def glued_syllables(core: str) -> tuple[str, ...] | None:
    """The syllables a word of capitals stands for when OCR lost the spaces between them, or None.

    Names and titles on forms are printed in capitals, and psm 6 measures word spaces on the page
    as a whole: in a table's cell the narrower gaps between capitals were read as none
    ('TRẦNMINHTOẢN' for 'TRẦN MINH TOẢN'), and the name was lost to search and to the fields.
    Only a word of capitals that is no syllable is parted, only into syllables in use, and only
    when the fewest pieces it parts into are one way of parting it ('CÔNGHIỀN' is 'CÔNG HIỀN'
    or 'CÔ NGHIỀN': left as read).
    """
    if len(core) < _GLUED_MIN_LETTERS or not core.isupper():
        return None
    lowered = core.lower()
    known = attested()

    @functools.cache
    def fewest(start: int) -> tuple[int, tuple[tuple[str, ...], ...]]:
        if start == len(lowered):
            return 0, ((),)
        best: tuple[int, tuple[tuple[str, ...], ...]] = (len(lowered) + 1, ())
        for end in range(start + _GLUED_PIECE_MIN, min(len(lowered), start + _GLUED_PIECE_MAX) + 1):
            if lowered[start:end] not in known:
                continue
            count, ways = fewest(end)
            if count + 1 < best[0]:
                best = (count + 1, tuple((lowered[start:end], *way) for way in ways))
            elif count + 1 == best[0]:
                best = (best[0], best[1] + tuple((lowered[start:end], *way) for way in ways))
        return best[0], best[1][:2]  # two ways are enough to know it is not one

    count, ways = fewest(0)
    if len(ways) != 1 or count < 2:
        return None
    at, pieces = 0, []
    for piece in ways[0]:
        pieces.append(core[at : at + len(piece)])
        at += len(piece)
    return tuple(pieces)


# Square metres after a number: Tesseract reads the raised 2 as 2, ?, ', ‡, ˆ, °?, Z or even Ỷ. (It also
# reads it as 3 at times, but m³ is a real unit too: that one is left alone.) A plain ``m2`` is
# left as read: many documents print it so, and a correct reading is never rewritten.
_NUMBER = re.compile(r"^[\d.,]*\d$")
_SQUARE_METRE = re.compile(r"^m(?!2[,.;:)]*$)[2?'‡ỶỷZzˆ^°\"’”]{1,2}([,.;:)]*)$")


def repair_tokens(tokens: list[str]) -> list[str]:
    """Repair the tokens of one line: tone marks (:func:`repair_token`) and square metres.

    ``m?`` or ``m‡`` right after a number is the printed ``m²`` (land and building documents
    are full of them); ``m2`` stays ``m2``, a reading that may well be right.
    """
    out: list[str] = []
    for index, token in enumerate(tokens):
        square = _SQUARE_METRE.match(token) if index and _NUMBER.match(tokens[index - 1]) else None
        out.append("m²" + square.group(1) if square else repair_token(token))
    return out


def repair_text(text: str) -> str:
    """:func:`repair_tokens` over every line of ``text`` (tokens split on single spaces)."""
    return "\n".join(" ".join(repair_tokens(line.split(" "))) for line in text.split("\n"))
