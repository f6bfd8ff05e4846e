"""What the archive knows that a page does not say: its units' names and its province's codes.

``digitize`` never opens the database, so the caller (ingest, a scale-out worker, the review
re-run) passes a :class:`FieldContext` built from the units table and the archive's settings.
Without one, extraction uses :data:`DEFAULT_CONTEXT`, the Vĩnh Yên units and Vĩnh Phúc's
codes it was first built for, so behaviour without a caller's context is unchanged.

The context only helps: a unit name lets OCR'd capitals get their accents back and lends
confidence; an issuer or place that is not in it is still read, as printed, with a lower
confidence (it goes to review).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sohoa.text import fold_aligned, nfc, squash

# Kinds of territorial unit, as their names begin ("Phường Khai Quang"): the place printed
# before ", ngày ..." is the name without its kind.
_TERRITORIAL = ("phường", "xã", "thị trấn", "thành phố", "thị xã", "quận", "huyện", "tỉnh")

VINH_YEN_UNITS: tuple[str, ...] = (
    "Thành phố Vĩnh Yên",
    "Tỉnh Vĩnh Phúc",
    *(
        f"Phường {w}"
        for w in (
            "Định Trung", "Đống Đa", "Đồng Tâm", "Hội Hợp", "Khai Quang", "Liên Bảo", "Ngô Quyền", "Tích Sơn",
        )
    ),
    "Xã Thanh Trù",
    "Văn phòng HĐND và UBND",
    "Phòng Nội vụ",
    "Phòng Tư pháp",
    "Phòng Tài chính - Kế hoạch",
    "Phòng Tài nguyên và Môi trường",
    "Phòng Lao động - Thương binh và Xã hội",
    "Phòng Văn hóa và Thông tin",
    "Phòng Giáo dục và Đào tạo",
    "Phòng Y tế",
    "Thanh tra thành phố",
    "Phòng Kinh tế",
    "Phòng Quản lý đô thị",
)

# A công văn's symbol ends with the drafting unit (12/UBND-TP is Tư pháp's). These are the
# usual abbreviations of a city's departments; a province may use others (settings).
DRAFTING_FIELDS: tuple[tuple[str, str], ...] = (
    ("tp", "Tư pháp"),
    ("dc", "Đất đai"),
    ("tnmt", "Đất đai"),
    ("dt", "Xây dựng"),
    ("qldt", "Xây dựng"),
    ("xd", "Xây dựng"),
    ("nc", "Khiếu nại tố cáo"),
    ("tcd", "Khiếu nại tố cáo"),
    ("ttr", "Khiếu nại tố cáo"),
    ("ld", "Lao động – Thương binh xã hội"),
    ("ldtbxh", "Lao động – Thương binh xã hội"),
    ("gd", "Giáo dục"),
    ("gddt", "Giáo dục"),
    ("yt", "Y tế"),
    ("nv", "Nội vụ"),
    ("vh", "Văn hóa"),
    ("vhtt", "Văn hóa"),
)


@dataclass(frozen=True)
class FieldContext:
    """The caller's knowledge handed to :func:`sohoa.digitize.metadata.extract_fields`.

    ``unit_names``: the archive's units as named in its units table (``Phường Khai Quang``,
    ``Phòng Tư pháp``), aliases included. ``places``: extra place names printed before ``, ngày``.
    ``drafting_fields``: drafting-unit abbreviation (folded) -> field, for công văn symbols.
    ``organ_codes``: the province's organ-code suffixes in dossier codes (``H62`` for Vĩnh Phúc),
    used to mend an OCR'd letter. ``dossier_patterns``: extra regular expressions for the
    province's dossier codes, run on the printed text, the whole match being the code.
    """

    unit_names: tuple[str, ...] = VINH_YEN_UNITS
    places: tuple[str, ...] = ()
    drafting_fields: tuple[tuple[str, str], ...] = DRAFTING_FIELDS
    organ_codes: tuple[str, ...] = ("H62",)
    dossier_patterns: tuple[str, ...] = ()
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    @classmethod
    def build(
        cls,
        unit_names: Iterable[str],
        places: Iterable[str] = (),
        drafting_fields: Mapping[str, str] | None = None,
        organ_codes: Iterable[str] = ("H62",),
        dossier_patterns: Iterable[str] = (),
    ) -> FieldContext:
        """A context from plain values (what ingest reads from the units table and settings)."""
        drafting = DRAFTING_FIELDS if drafting_fields is None else tuple(
            (fold_aligned(k), nfc(v)) for k, v in drafting_fields.items()
        )
        return cls(
            unit_names=tuple(dict.fromkeys(squash(nfc(n)) for n in unit_names if n and n.strip())),
            places=tuple(squash(nfc(p)) for p in places if p and p.strip()),
            drafting_fields=drafting,
            organ_codes=tuple(c.strip().upper() for c in organ_codes if c.strip()),
            dossier_patterns=tuple(dossier_patterns),
        )

    @classmethod
    def from_settings(cls, unit_names: Iterable[str], settings: Mapping[str, str]) -> FieldContext:
        """A context from the units table's names and the archive's settings (text values).

        Keys (all optional): ``fields.organ_codes`` (comma-separated, ``H62``),
        ``fields.drafting_fields`` (JSON object, abbreviation -> field), ``fields.dossier_patterns``
        (JSON list of regular expressions), ``fields.places`` (comma-separated place names).
        """
        drafting = settings.get("fields.drafting_fields")
        patterns = settings.get("fields.dossier_patterns")
        return cls.build(
            unit_names,
            places=[p for p in settings.get("fields.places", "").split(",") if p.strip()],
            drafting_fields=json.loads(drafting) if drafting else None,
            organ_codes=settings.get("fields.organ_codes", "H62").split(","),
            dossier_patterns=json.loads(patterns) if patterns else (),
        )

    def issuer_lines(self) -> tuple[str, ...]:
        """Lines an issuer block may print, in capitals: each unit, with ``UBND`` before territorial ones."""
        if "issuer" not in self._cache:
            lines = ["ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN"]
            for name in map(_unit_core, self.unit_names):
                upper = name.upper()
                lines.append(upper)
                if _is_territorial(name):
                    lines.append("UBND " + upper)
            self._cache["issuer"] = tuple(dict.fromkeys(lines))
        return self._cache["issuer"]

    def place_names(self) -> tuple[str, ...]:
        """Places printed before ``, ngày``: territorial units without their kind, plus ``places``."""
        if "places" not in self._cache:
            cores = [_unit_core(n) for n in self.unit_names]
            out = [_strip_kind(n) for n in cores if _is_territorial(n)]
            self._cache["places"] = tuple(dict.fromkeys([*out, *self.places]))
        return self._cache["places"]

    def drafting_field(self, abbreviation: str) -> str | None:
        """The field a drafting unit's abbreviation stands for, or ``None``."""
        return dict(self.drafting_fields).get(fold_aligned(abbreviation))

    def compiled_dossier_patterns(self) -> tuple[re.Pattern[str], ...]:
        if "dossier" not in self._cache:
            self._cache["dossier"] = tuple(re.compile(p) for p in self.dossier_patterns)
        return self._cache["dossier"]


def _unit_core(name: str) -> str:
    """A unit's name without its People's Committee: ``UBND thành phố Vĩnh Yên`` -> ``thành phố Vĩnh Yên``."""
    key = fold_aligned(name)
    for prefix in ("ubnd ", "uy ban nhan dan "):
        if key.startswith(prefix):
            return name[len(prefix) :].strip()
    return name


def _is_territorial(name: str) -> bool:
    low = name.lower()
    return any(low.startswith(kind + " ") for kind in _TERRITORIAL)


@functools.lru_cache(maxsize=256)
def _strip_kind(name: str) -> str:
    low = name.lower()
    for kind in sorted(_TERRITORIAL, key=len, reverse=True):
        if low.startswith(kind + " "):
            return name[len(kind) + 1 :].strip()
    return name


DEFAULT_CONTEXT = FieldContext()
