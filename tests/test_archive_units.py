"""Units resolve from the names clerks type, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sohoa.archive import units
from sohoa.archive.models import AuditEvent, Unit
from sohoa.archive.store import open_archive
from sohoa.errors import SohoaError, UnitError


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("UBND phường Khai Quang", "khai-quang"),
        ("Phường Khai Quang", "khai-quang"),
        ("khai quang", "khai-quang"),
        ("KHAI QUANG", "khai-quang"),
        ("Ủy ban nhân dân phường Khai Quang", "khai-quang"),
        ("Văn phòng HĐND và UBND thành phố", "vp-hdnd-ubnd"),
        ("van phong hdnd va ubnd", "vp-hdnd-ubnd"),
        ("Phòng Tài chính - Kế hoạch", "tc-kh"),
        ("tai chinh ke hoach", "tc-kh"),
        ("xã Thanh Trù", "thanh-tru"),
        ("tu-phap", "tu-phap"),
        ("Phòng Tư pháp", "tu-phap"),
        ("UBND thành phố Vĩnh Yên", "vinh-yen"),
        ("Đống Đa", "dong-da"),
        ("dong da", "dong-da"),
    ],
)
def test_resolves_names_as_people_write_them(archive, typed: str, code: str) -> None:
    with archive.sessions() as session:
        assert units.resolve_unit(session, typed).code == code


def test_nfd_input_resolves(archive) -> None:
    import unicodedata

    with archive.sessions() as session:
        assert units.resolve_unit(session, unicodedata.normalize("NFD", "Phường Liên Bảo")).code == "lien-bao"


def test_unknown_unit_lists_close_matches(archive) -> None:
    with archive.sessions() as session, pytest.raises(UnitError) as err:
        units.resolve_unit(session, "Khai Quan")
    assert "Phường Khai Quang" in err.value.message
    assert "sohoa units list" in err.value.message


def test_kind_word_must_agree(archive) -> None:
    """'xã Khai Quang' is not the ward Khai Quang: a wrong kind is refused, not guessed."""
    with archive.sessions() as session, pytest.raises(UnitError):
        units.resolve_unit(session, "xã Khai Quang")


def test_ambiguous_name_is_refused(archive) -> None:
    """A ward and a commune with the same name: 'Tân Lập' alone must not pick one."""
    with archive.sessions.begin() as session:
        city = units.resolve_unit(session, "vinh-yen")
        units.add_unit(session, "p-tan-lap", "Phường Tân Lập", "ward", city)
        units.add_unit(session, "x-tan-lap", "Xã Tân Lập", "commune", city)
    with archive.sessions() as session:
        with pytest.raises(UnitError) as err:
            units.resolve_unit(session, "Tân Lập")
        assert "chưa rõ" in err.value.message and "p-tan-lap" in err.value.message
        assert units.resolve_unit(session, "xã Tân Lập").code == "x-tan-lap"
        assert units.resolve_unit(session, "UBND phường Tân Lập").code == "p-tan-lap"


def test_add_and_rename_keep_old_name(archive) -> None:
    with archive.sessions.begin() as session:
        city = units.resolve_unit(session, "vinh-yen")
        unit = units.add_unit(session, "qlda", "Ban Quản lý dự án", "department", city)
        units.rename_unit(session, unit, "Ban Quản lý dự án đầu tư xây dựng")
    with archive.sessions() as session:
        assert units.resolve_unit(session, "Ban Quản lý dự án").code == "qlda"
        assert units.resolve_unit(session, "ban quan ly du an dau tu xay dung").code == "qlda"
        with pytest.raises(SohoaError):
            units.add_unit(session, "khai-quang", "Trùng mã", "ward", city)
        with pytest.raises(SohoaError):
            units.add_unit(session, "kq2", "Phường Khai Quang", "ward", city)


def test_units_preloaded_once_and_subunits(archive) -> None:
    with archive.sessions() as session:
        all_units = list(session.scalars(select(Unit)))
        assert len(all_units) == len(units.DEFAULT_UNITS)
        city = units.resolve_unit(session, "vinh-yen")
        ward = units.resolve_unit(session, "khai quang")
        assert set(units.descendant_ids(session, city)) == {u.id for u in all_units}
        assert units.descendant_ids(session, ward) == [ward.id]
    # opening again does not seed twice and does not re-run migrations destructively
    again = open_archive(archive.home, str(archive.engine.url.render_as_string(hide_password=False)))
    with again.sessions() as session:
        assert len(list(session.scalars(select(Unit)))) == len(units.DEFAULT_UNITS)
        assert session.scalar(select(AuditEvent.id)) is None
    again.close()
