"""The use-case layer (sohoa.app) on real archives: roles, unit scoping, masking, audit names.

Documents are stored as rows and files (no OCR: it adds nothing here) and indexed for real;
one test runs on both SQLite and PostgreSQL through the ``archive`` fixture.
"""

from __future__ import annotations

import json

import pytest

from sohoa.app import Actor, ForbiddenError, cli_actor
from sohoa.app import documents as app_documents
from sohoa.app import reports as app_reports
from sohoa.app import review as app_review
from sohoa.app import trail as app_trail
from sohoa.app import users as app_users
from sohoa.app.documents import SearchRequest
from sohoa.app.masking import mask_text
from sohoa.archive import audit, indexing
from sohoa.archive.store import Archive
from sohoa.errors import NotFoundError, UsageError
from tests.conftest import add_stored_document, run_sohoa

CCCD = "026216169402"
LIEN_BAO_TEXT = f"Trích lục khai sinh. Họ, chữ đệm và tên: Nguyễn Tiến Lượng. Số định danh cá nhân: {CCCD}"
KHAI_QUANG_TEXT = "Giấy chứng nhận kết hôn. Họ và tên chồng: Nguyễn Văn Lượng"


def _two_wards(archive: Archive) -> tuple[int, int]:
    """One document in Liên Bảo (with a CCCD), one in Khai Quang; both indexed."""
    lien_bao = add_stored_document(
        archive, 1, unit="lien-bao", text=LIEN_BAO_TEXT,
        fields={"doc_type": "Trích lục", "number": "101/TLKS-BS", "subject_names": ["Nguyễn Tiến Lượng"],
                "id_numbers": [CCCD], "issued_date": "2017-10-19"},
    )  # fmt: skip
    khai_quang = add_stored_document(
        archive, 2, unit="khai-quang", text=KHAI_QUANG_TEXT,
        fields={"doc_type": "Giấy chứng nhận", "number": "12/GCNKH", "subject_names": ["Nguyễn Văn Lượng"]},
    )  # fmt: skip
    indexing.sync_index(archive)
    return lien_bao, khai_quang


def _user(archive: Archive, name: str, role: str, *units: str) -> Actor:
    admin = Actor(name="chu-kho", role="admin")
    app_users.add_user(archive, admin, name, role, list(units), "mat-khau-dai-du-10")
    actor = app_users.authenticate_password(archive, name, "mat-khau-dai-du-10")
    assert actor is not None
    return actor


def test_a_ward_user_sees_only_their_ward_in_hits_counts_and_views(archive: Archive) -> None:
    lien_bao, khai_quang = _two_wards(archive)
    staff = _user(archive, "lan", "staff", "lien bao")

    everyone = app_documents.search(archive, Actor("chu-kho", "admin"), SearchRequest(query="luong"))
    assert {h["id"] for h in everyone["hits"]} == {lien_bao, khai_quang}

    mine = app_documents.search(archive, staff, SearchRequest(query="luong"))
    assert mine["total"] == 1 and [h["id"] for h in mine["hits"]] == [lien_bao]
    # naming the other ward is no way around it: nothing, not an error that tells it exists
    other = app_documents.search(archive, staff, SearchRequest(query="luong", unit="khai quang"))
    assert other == {"query": "luong", "total": 0, "hits": []}
    # a document of another ward answers exactly as a missing one
    with pytest.raises(NotFoundError) as outside:
        app_documents.show(archive, staff, khai_quang)
    with pytest.raises(NotFoundError) as missing:
        app_documents.show(archive, staff, 999_999)
    assert outside.value.message.replace(str(khai_quang), "N") == missing.value.message.replace("999999", "N")
    listed = app_documents.list_documents(archive, staff, None, 50)
    assert [r["id"] for r in listed] == [lien_bao]


def test_staff_see_id_numbers_masked_yet_a_full_number_finds_the_document(sqlite_archive: Archive) -> None:
    archive = sqlite_archive
    lien_bao, _ = _two_wards(archive)
    staff = _user(archive, "lan", "staff", "lien-bao")
    clerk = _user(archive, "hoa", "clerk", "lien-bao")

    found = app_documents.search(archive, staff, SearchRequest(query=CCCD))
    assert [h["id"] for h in found["hits"]] == [lien_bao]
    hit = found["hits"][0]
    assert hit["fields"]["id_numbers"] == ["********9402"]
    assert CCCD not in str(hit)
    shown = app_documents.show(archive, staff, lien_bao)
    assert CCCD not in shown["text"] and "********9402" in shown["text"]
    assert shown["fields"]["id_numbers"] == ["********9402"]
    assert shown["files"] == {
        "original": f"/documents/{lien_bao}/original",
        "pdf": f"/documents/{lien_bao}/pdf",
    }
    # a clerk corrects ID numbers, so sees them whole
    assert app_documents.show(archive, clerk, lien_bao)["fields"]["id_numbers"] == [CCCD]


def test_masking_keeps_other_numbers() -> None:
    assert mask_text("CCCD 001234567890, CMND 123456789") == "CCCD ********7890, CMND *****6789"
    assert mask_text("mã hộ 2301234567 và 0012345678901") == "mã hộ 2301234567 và 0012345678901"
    assert mask_text("[[001234567890]]") == "[[********7890]]"


def test_roles_are_enforced_and_the_trail_names_the_user(sqlite_archive: Archive) -> None:
    archive = sqlite_archive
    lien_bao, khai_quang = _two_wards(archive)
    staff = _user(archive, "lan", "staff", "lien-bao")
    manager = _user(archive, "quan", "manager", "lien-bao")
    clerk = _user(archive, "hoa", "clerk", "lien-bao")

    with pytest.raises(ForbiddenError):
        app_review.queue(archive, staff, None)
    with pytest.raises(ForbiddenError):
        app_documents.download(archive, manager, lien_bao, "pdf")
    with pytest.raises(ForbiddenError):
        app_reports.report(archive, staff, period="2024", match=False)
    with pytest.raises(ForbiddenError):
        app_trail.read_trail(archive, clerk)
    with pytest.raises(ForbiddenError):
        app_users.new_token(archive, manager, "lan")

    app_review.edit(archive, clerk, lien_bao, {"number": "102/TLKS-BS"})
    app_review.accept(archive, clerk, [lien_bao])
    with pytest.raises(NotFoundError):  # another ward's card: unknown to this clerk, nothing changed
        app_review.edit(archive, clerk, khai_quang, {"number": "1/X"})
    assert app_documents.show(archive, clerk, lien_bao)["fields"]["number"] == "102/TLKS-BS"
    assert app_documents.download(archive, staff, lien_bao, "pdf").path.is_file()

    # the manager's report is their ward's, and their ward only
    report = app_reports.report(archive, manager, period="2024", match=False).to_json()
    assert [u["unit"] for u in report["units"]] == ["Phường Liên Bảo"]

    audit.fold_spool(archive)
    lines = app_trail.read_trail(archive, Actor("chu-kho", "admin"), limit=500)
    by = {(line.data["action"], line.data["actor"]) for line in lines}
    assert {
        ("edit", "hoa"),
        ("accept", "hoa"),
        ("download", "lan"),
        ("report", "quan"),
        ("user.add", "chu-kho"),
    } <= by


def test_the_cli_is_the_local_admin_until_users_exist(sqlite_archive: Archive) -> None:
    archive = sqlite_archive
    assert cli_actor(archive, None).role == "admin"
    assert cli_actor(archive, "ai-do").role == "admin"  # no users: SOHOA_USER only names the admin
    _user(archive, "lan", "staff", "lien-bao")
    acting = cli_actor(archive, "lan")
    assert (acting.role, acting.unit_codes) == ("staff", ("lien-bao",))
    with pytest.raises(UsageError):
        cli_actor(archive, "ai-do")  # a typo must not act as admin
    app_users.disable_user(archive, Actor("chu-kho", "admin"), "lan")
    with pytest.raises(UsageError):
        cli_actor(archive, "lan")
    assert app_users.authenticate_password(archive, "lan", "mat-khau-dai-du-10") is None


def test_a_city_user_sees_its_wards(sqlite_archive: Archive) -> None:
    archive = sqlite_archive
    lien_bao, khai_quang = _two_wards(archive)
    city = _user(archive, "thanh-pho", "staff", "vinh-yen")
    found = app_documents.search(archive, city, SearchRequest(query="luong"))
    assert {h["id"] for h in found["hits"]} == {lien_bao, khai_quang}


def test_tokens_are_shown_once_and_stored_hashed(sqlite_archive: Archive) -> None:
    archive = sqlite_archive
    _user(archive, "lan", "staff", "lien-bao")
    admin = Actor("chu-kho", "admin")
    first, second = (
        app_users.new_token(archive, admin, "lan"),
        app_users.new_token(archive, admin, "lan", "may-quet"),
    )
    assert first != second
    assert app_users.authenticate_token(archive, first).name == "lan"
    with archive.engine.connect() as conn:
        stored = conn.exec_driver_sql("select token_sha256 from api_tokens").scalars().all()
    assert first not in stored and len(stored) == 2
    assert app_users.revoke_tokens(archive, admin, "lan", "may-quet") == 1
    assert app_users.authenticate_token(archive, second) is None
    assert app_users.authenticate_token(archive, first) is not None
    app_users.disable_user(archive, admin, "lan")
    assert app_users.authenticate_token(archive, first) is None


def test_a_tokens_last_use_is_kept_to_the_minute_and_listed(
    sqlite_archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = sqlite_archive
    _user(archive, "lan", "staff", "lien-bao")
    admin = Actor("chu-kho", "admin")
    token = app_users.new_token(archive, admin, "lan", "may-mot-cua")
    assert app_users.list_tokens(archive, admin, "lan")[0].last_used is None

    def use_at(moment: str) -> None:
        monkeypatch.setenv("SOHOA_NOW", moment)
        assert app_users.authenticate_token(archive, token) is not None

    def last_used() -> str:
        [info] = app_users.list_tokens(archive, admin, "lan")
        assert info.last_used is not None
        return info.last_used.isoformat()

    use_at("2024-06-10T08:00:00+00:00")
    assert last_used() == "2024-06-10T08:00:00+00:00"
    use_at("2024-06-10T08:00:40+00:00")  # within the minute: no write
    assert last_used() == "2024-06-10T08:00:00+00:00"
    use_at("2024-06-10T08:01:05+00:00")
    assert last_used() == "2024-06-10T08:01:05+00:00"
    [lan] = [u for u in app_users.list_users(archive, admin) if u.name == "lan"]
    assert lan.to_json()["last_used"] == "2024-06-10T08:01:05+00:00"
    monkeypatch.delenv("SOHOA_NOW")
    listed = run_sohoa(archive.home, "users", "tokens", "lan", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == [
        {"label": "may-mot-cua", "created": json.loads(listed.stdout)[0]["created"],
         "last_used": "2024-06-10T08:01:05+00:00", "revoked": False}
    ]  # fmt: skip
    users = json.loads(run_sohoa(archive.home, "users", "list", "--json").stdout)
    assert [u["last_used"] for u in users if u["name"] == "lan"] == ["2024-06-10T08:01:05+00:00"]
    table = run_sohoa(archive.home, "users", "tokens", "lan").stdout
    assert "10/06/2024" in table and "15:01" in table  # the archive's zone (UTC+7), dd/mm/yyyy


def test_unit_changes_are_the_admins_and_audited_by_the_use_case_layer(sqlite_archive: Archive) -> None:
    from sohoa.app import units as app_units

    archive = sqlite_archive
    admin, clerk = Actor("chu-kho", "admin"), _user(archive, "hoa", "clerk", "lien-bao")
    added = app_units.add_unit(archive, admin, "qlda", "Ban Quản lý dự án", "department", "vinh yen")
    assert added == {"code": "qlda", "name": "Ban Quản lý dự án", "kind": "department", "parent": "vinh-yen",
                     "aliases": []}  # fmt: skip
    assert app_units.rename_unit(archive, admin, "qlda", "Ban QLDA thành phố") == (
        "qlda", "Ban Quản lý dự án", "Ban QLDA thành phố"
    )  # fmt: skip
    assert app_units.set_unit_code(archive, admin, "ban qlda thanh pho", "000.00.12.h62") == (
        "qlda", None, "000.00.12.H62"
    )  # fmt: skip
    with pytest.raises(ForbiddenError):
        app_units.rename_unit(archive, clerk, "lien-bao", "Phường Mới")
    with pytest.raises(UsageError):  # a malformed code changes nothing
        app_units.set_unit_code(archive, admin, "qlda", "H62")
    with archive.sessions() as session:
        entries = audit.read_trail(session, archive.tz, actor="chu-kho")
    trail = [(e.action, e.actor, e.detail) for e in reversed(entries) if e.action.startswith("unit.")]
    assert trail == [
        ("unit.add", "chu-kho", {"code": "qlda", "name": "Ban Quản lý dự án"}),
        ("unit.rename", "chu-kho", {"old": "Ban Quản lý dự án", "new": "Ban QLDA thành phố"}),
        ("unit.set_code", "chu-kho", {"old": None, "new": "000.00.12.H62"}),
    ]
    refused = run_sohoa(archive.home, "--as", "hoa", "units", "add", "qlcl", "Tên")
    assert refused.returncode == 2 and "quản lý đơn vị" in refused.stderr
