"""Units of Vĩnh Yên city and how people name them.

Clerks type a unit the way they say it: ``UBND phường Khai Quang``, ``Phường Khai Quang``,
``khai quang``, ``Văn phòng HĐND và UBND thành phố``. ``resolve_unit`` accepts all of these
(and the unit code), and refuses an unknown or ambiguous name with the closest matches, since
filing a batch under the wrong ward would skew that ward's quota report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import select
from sqlalchemy.orm import Session

from sohoa.digitize.fields_context import FieldContext
from sohoa.errors import ConflictError, UnitError, UsageError
from sohoa.i18n import _
from sohoa.text import fold, nfc

from .models import Unit
from .settings import read_settings


@dataclass(frozen=True)
class UnitSeed:
    code: str
    name: str
    kind: str
    parent: str | None


CITY = "vinh-yen"

#: The units of domain.md §5, preloaded into every new archive. Wards and the commune issue
#: civil-status results; the departments issue their own; the city contains them all.
DEFAULT_UNITS: tuple[UnitSeed, ...] = (
    UnitSeed(CITY, "UBND thành phố Vĩnh Yên", "city", None),
    UnitSeed("dinh-trung", "Phường Định Trung", "ward", CITY),
    UnitSeed("dong-da", "Phường Đống Đa", "ward", CITY),
    UnitSeed("dong-tam", "Phường Đồng Tâm", "ward", CITY),
    UnitSeed("hoi-hop", "Phường Hội Hợp", "ward", CITY),
    UnitSeed("khai-quang", "Phường Khai Quang", "ward", CITY),
    UnitSeed("lien-bao", "Phường Liên Bảo", "ward", CITY),
    UnitSeed("ngo-quyen", "Phường Ngô Quyền", "ward", CITY),
    UnitSeed("tich-son", "Phường Tích Sơn", "ward", CITY),
    UnitSeed("thanh-tru", "Xã Thanh Trù", "commune", CITY),
    UnitSeed("vp-hdnd-ubnd", "Văn phòng HĐND và UBND", "department", CITY),
    UnitSeed("noi-vu", "Phòng Nội vụ", "department", CITY),
    UnitSeed("tu-phap", "Phòng Tư pháp", "department", CITY),
    UnitSeed("tc-kh", "Phòng Tài chính – Kế hoạch", "department", CITY),
    UnitSeed("tn-mt", "Phòng Tài nguyên và Môi trường", "department", CITY),
    UnitSeed("ld-tbxh", "Phòng Lao động – Thương binh và Xã hội", "department", CITY),
    UnitSeed("vh-tt", "Phòng Văn hóa và Thông tin", "department", CITY),
    UnitSeed("gd-dt", "Phòng Giáo dục và Đào tạo", "department", CITY),
    UnitSeed("y-te", "Phòng Y tế", "department", CITY),
    UnitSeed("thanh-tra", "Thanh tra thành phố", "department", CITY),
    UnitSeed("kinh-te", "Phòng Kinh tế", "department", CITY),
    UnitSeed("qldt", "Phòng Quản lý đô thị", "department", CITY),
    UnitSeed("tthcc", "Trung tâm Hành chính công", "centre", CITY),
)

KINDS = ("city", "ward", "commune", "department", "centre")

# Words people put around a unit's own name; removed (folded) before comparing.
_LEADING = ("uy ban nhan dan ", "ubnd ", "ub ")
_TRAILING = (" thanh pho vinh yen", " tp vinh yen", " tp. vinh yen", " vinh yen", " thanh pho", " tp")
_KIND_WORDS = {"phuong ": "ward", "p ": "ward", "xa ": "commune", "phong ": "department"}
_PUNCT = re.compile(r"[–—\-,.&/]+")


def _key(name: str) -> str:
    """Fold a unit name to what distinguishes it: no diacritics, no 'UBND', no city suffix."""
    key = fold(name)
    key = _PUNCT.sub(" ", key.replace("&", " va "))
    key = re.sub(r"\s+", " ", key).strip()
    changed = True
    while changed:
        changed = False
        for lead in _LEADING:
            if key.startswith(lead):
                key, changed = key[len(lead) :], True
        for trail in _TRAILING:
            if key.endswith(trail) and key != trail.strip():
                key, changed = key[: -len(trail)].strip(), True
    return key


def _core(key: str) -> str:
    """The key without its kind word (``phuong khai quang`` -> ``khai quang``)."""
    for word in _KIND_WORDS:
        if key.startswith(word):
            return key[len(word) :]
    return key


def _kind_of(key: str) -> str | None:
    for word, kind in _KIND_WORDS.items():
        if key.startswith(word):
            return kind
    return None


def _forms(unit: Unit) -> set[str]:
    """Every folded form that names ``unit`` unambiguously on its own."""
    forms = {unit.code.casefold()}
    for name in [unit.name, *(unit.aliases or [])]:
        key = _key(name)
        forms.update({key, _core(key)})
    return {f for f in forms if f}


def seed_default_units(session: Session) -> int:
    """Insert the Vĩnh Yên units into an archive that has none; returns how many were added."""
    if session.scalar(select(Unit.id).limit(1)) is not None:
        return 0
    by_code: dict[str, Unit] = {}
    for seed in DEFAULT_UNITS:
        aliases = ["Thành phố Vĩnh Yên", "Vĩnh Yên"] if seed.code == CITY else []
        unit = Unit(code=seed.code, name=seed.name, kind=seed.kind, aliases=aliases)
        unit.parent = by_code.get(seed.parent) if seed.parent else None
        session.add(unit)
        by_code[seed.code] = unit
    session.flush()
    return len(by_code)


def all_units(session: Session) -> list[Unit]:
    """Every unit, in the order they were added (the city first, then wards, commune, departments)."""
    return list(session.scalars(select(Unit).order_by(Unit.id)))


def resolve_unit(session: Session, text: str) -> Unit:
    """The unit ``text`` names, by code or by name as people write it.

    Raises ``UnitError`` listing the closest names when nothing or more than one unit fits.
    """
    units = list(session.scalars(select(Unit)))
    wanted = nfc(text).strip()
    for unit in units:
        if unit.code.casefold() == wanted.casefold():
            return unit
    key = _key(wanted)
    kind = _kind_of(key)
    hits = [u for u in units if key in _forms(u) or _core(key) in _forms(u)]
    if kind is not None:
        hits = [u for u in hits if u.kind == kind or _kind_of(_key(u.name)) == kind]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        names = ", ".join(f"{u.name} ({u.code})" for u in hits)
        raise UnitError(
            _("đơn vị '%(unit)s' chưa rõ: có thể là %(names)s. Hãy ghi mã hoặc tên đầy đủ.")
            % {"unit": wanted, "names": names}
        )
    raise UnitError(
        _("không có đơn vị '%(unit)s'. %(suggest)sXem mọi đơn vị bằng: sohoa units list")
        % {"unit": wanted, "suggest": _suggest(units, key)}
    )


def _suggest(units: list[Unit], key: str) -> str:
    choices = {form: unit for unit in units for form in _forms(unit)}
    close = process.extract(key, list(choices), scorer=fuzz.WRatio, limit=5, score_cutoff=60)
    seen: list[Unit] = []
    for form, _score, _index in close:
        if choices[form] not in seen:
            seen.append(choices[form])
    if not seen:
        return ""
    return _("Có phải: %(names)s? ") % {"names": ", ".join(f"{u.name} ({u.code})" for u in seen[:3])}


def children_map(session: Session) -> dict[int | None, list[int]]:
    """Unit id -> ids of its direct sub-units (``None`` -> the top units), read once."""
    children: dict[int | None, list[int]] = {}
    for uid, parent in session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent, []).append(uid)
    return children


def subtree(children: dict[int | None, list[int]], unit_id: int) -> list[int]:
    """``unit_id`` and every unit below it, from a ``children_map``."""
    out, todo = [], [unit_id]
    while todo:
        uid = todo.pop()
        out.append(uid)
        todo.extend(children.get(uid, []))
    return out


def descendant_ids(session: Session, unit: Unit) -> list[int]:
    """``unit`` and every unit below it: a unit's report and search include its sub-units."""
    return subtree(children_map(session), unit.id)


def descendant_codes(session: Session, unit: Unit) -> list[str]:
    """Codes of ``unit`` and its sub-units (what the search index filters on)."""
    ids = set(descendant_ids(session, unit))
    return [u.code for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))]


def add_unit(session: Session, code: str, name: str, kind: str, parent: Unit | None) -> Unit:
    """Add a unit; its code and its name must not already name another unit."""
    code = code.strip().casefold()
    if not re.fullmatch(r"[a-z0-9][a-z0-9\-]{0,39}", code):
        raise UsageError(
            _("mã đơn vị '%(code)s' phải gồm 1-40 chữ thường không dấu, chữ số hoặc '-'") % {"code": code}
        )
    if kind not in KINDS:
        raise UsageError(
            _("loại đơn vị '%(kind)s' phải là một trong %(kinds)s")
            % {"kind": kind, "kinds": ", ".join(KINDS)}
        )
    _refuse_taken(session, code, nfc(name).strip(), None)
    unit = Unit(code=code, name=nfc(name).strip(), kind=kind, parent=parent, aliases=[])
    session.add(unit)
    session.flush()
    return unit


def rename_unit(session: Session, unit: Unit, new_name: str) -> str:
    """Rename ``unit``, keeping the old name as an alias so what people type still resolves."""
    new_name = nfc(new_name).strip()
    _refuse_taken(session, None, new_name, unit)
    old = unit.name
    unit.aliases = [*(unit.aliases or []), old]
    unit.name = new_name
    session.flush()
    return old


def _refuse_taken(session: Session, code: str | None, name: str, itself: Unit | None) -> None:
    key = _key(name)
    for other in session.scalars(select(Unit)):
        if other is itself:
            continue
        if code and other.code == code:
            raise ConflictError(
                _("mã đơn vị '%(code)s' đã dùng cho %(other)s") % {"code": code, "other": other.name}
            )
        if key in _forms(other) and _key(other.name) == key:
            raise ConflictError(
                _("tên '%(name)s' đã là tên của đơn vị %(other)s (%(code)s)")
                % {"name": name, "other": other.name, "code": other.code}
            )


def field_context(session: Session) -> FieldContext:
    """What the field extractor needs from the archive: every unit's names (so ``units add`` is
    recognised as an issuer) and the province's codes from the settings. ``digitize/`` never
    opens the database itself."""
    names = [name for unit in session.scalars(select(Unit)) for name in (unit.name, *(unit.aliases or []))]
    return FieldContext.from_settings(names, read_settings(session))
