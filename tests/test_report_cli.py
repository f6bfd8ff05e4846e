"""The ``register`` and ``report`` commands through the real ``sohoa`` command: JSON contracts,
exit codes, and the CSV, HTML and XLSX files managers send on."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from sohoa.archive.store import open_archive
from sohoa.cli import cli

from .register_support import build_scenario
from .test_report_figures import EXPECTED, KEYS

SOHOA = [sys.executable, "-m", "sohoa.cli"]
DATA = Path(__file__).parent / "data" / "register"


def sohoa(home: Path, *args: str, db_url: str | None = None) -> subprocess.CompletedProcess[str]:
    extra = ["--db-url", db_url] if db_url else []
    return subprocess.run(
        [*SOHOA, "--home", str(home), *extra, *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """An archive folder holding the hand-computed scenario of test_report_figures."""
    archive = open_archive(tmp_path / "home")
    build_scenario(archive, tmp_path)
    archive.close()
    yield tmp_path / "home"


def test_register_import_json_contract_and_exit_codes(tmp_path: Path) -> None:
    ok = sohoa(
        tmp_path / "h", "register", "import", str(DATA / "so-theo-doi-khai-quang.utf8-bom.csv"), "--json"
    )
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"imported": 6, "updated": 0, "unchanged": 0, "errors": []}
    again = sohoa(
        tmp_path / "h", "register", "import", str(DATA / "so-theo-doi-khai-quang.utf8-bom.csv"), "--json"
    )
    assert json.loads(again.stdout) == {"imported": 0, "updated": 0, "unchanged": 6, "errors": []}
    bad = sohoa(tmp_path / "h", "register", "import", str(DATA / "loi-nhap-lieu.csv"), "--json")
    assert bad.returncode == 3, bad.stderr  # finished, but some rows were refused
    out = json.loads(bad.stdout)
    assert set(out) == {"imported", "updated", "unchanged", "errors"} and out["imported"] == 2
    assert [e["row"] for e in out["errors"]] == [3, 4, 5, 6, 7, 8, 9, 10, 11, 14]
    assert all(set(e) == {"row", "reason"} and e["reason"] for e in out["errors"])
    missing = sohoa(tmp_path / "h", "register", "import", str(tmp_path / "none.csv"), "--json")
    assert missing.returncode == 2
    notes = tmp_path / "notes.csv"
    notes.write_text("a,b\n1,2\n", encoding="utf-8")
    refused = sohoa(tmp_path / "h", "register", "import", str(notes), "--unit", "khai-quang")
    assert refused.returncode == 4 and "không thấy dòng tiêu đề" in refused.stderr


def test_report_json_contract(home: Path) -> None:
    run = sohoa(home, "report", "--format", "json", "--period", "2024-Q2")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert set(out) == {"period", "units", "total"}
    assert out["period"] == {"from": "2024-04-01", "to": "2024-06-30"}
    assert all(set(u) == KEYS | {"unit"} for u in out["units"]) and set(out["total"]) == KEYS
    by_unit = {u["unit"]: u for u in out["units"]}
    for name, expected in EXPECTED.items():
        assert {k: by_unit[name][k] for k in KEYS} == {k: expected[k] for k in KEYS}, name
    assert (
        isinstance(out["total"]["backlog_percent"], float)
        and by_unit["Xã Thanh Trù"]["backlog_percent"] is None
    )
    one = json.loads(
        sohoa(home, "report", "--format", "json", "--period", "2024-Q2", "--unit", "Tích Sơn").stdout
    )
    assert [u["unit"] for u in one["units"]] == ["Phường Tích Sơn"] and one["total"]["backlog"] == 9


def test_report_files_for_the_province(home: Path, tmp_path: Path) -> None:
    csv_out, html_out, xlsx_out = tmp_path / "bc.csv", tmp_path / "bc.html", tmp_path / "bc.xlsx"
    for fmt, out in (("csv", csv_out), ("html", html_out), ("xlsx", xlsx_out)):
        run = sohoa(home, "report", "--period", "2024-Q2", "--format", fmt, "--out", str(out))
        assert run.returncode == 0 and run.stdout == "", run.stderr
    raw = csv_out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Vietnamese right
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Mã đơn vị,Đơn vị,Tồn đọng tại mốc,Tồn đọng đã số hóa,Tỷ lệ tồn đọng (%)")
    assert "tich-son,Phường Tích Sơn,9,2,22.22,25.00,1,0.25,28/07/2024,đúng tiến độ,1,0,0.00,1" in lines
    assert lines[-1] == ",Tổng cộng,68,8,11.76,20.00,6,1.25,03/08/2024,đúng tiến độ,4,2,50.00,17"
    assert "thanh-tru,Xã Thanh Trù,0,0,N/A,20.00,0,0.00,N/A,N/A,1,1,100.00,3" in lines

    page = html_out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page
    assert "<script" not in page and "<link" not in page and "src=" not in page  # self-contained
    assert page.count("<svg") == 2 and "Chỉ tiêu 20,00%" in page and "stroke-dasharray" in page
    for text in ("Phường Khai Quang", "Bộ phận một cửa phường Khai Quang", "Tổng cộng", "chậm tiến độ", "N/A",
                 "33,33", "11,76", "03/08/2024"):  # fmt: skip
        assert text in page, text
    assert "Tồn đọng tại mốc" in page and "Toàn bộ: tồn đọng 68 kết quả" in page

    english_out = tmp_path / "report-en.html"
    run = sohoa(
        home, "--lang", "en", "report", "--period", "2024-Q2", "--format", "html", "--out", str(english_out)
    )
    assert run.returncode == 0, run.stderr
    english = english_out.read_text(encoding="utf-8")
    assert '<html lang="en">' in english and "Target 20,00%" in english and "How it is computed" in english
    assert "Backlog at baseline" in english and "All units: backlog 68 results" in english
    assert "Tồn đọng tại mốc" not in english and "Toàn bộ:" not in english

    from openpyxl import load_workbook

    book = load_workbook(xlsx_out)
    assert book.sheetnames == ["Báo cáo", "Tiến độ theo tuần"]
    rows = list(book["Báo cáo"].iter_rows(values_only=True))
    total = rows[-1]
    assert total[1] == "Tổng cộng" and total[2:8] == (68, 8, 11.76, 20.0, 6, 1.25)
    assert total[8].date().isoformat() == "2024-08-03" and total[9] == "đúng tiến độ"
    weekly = list(book["Tiến độ theo tuần"].iter_rows(values_only=True))
    assert weekly[0][0] == "Đến ngày" and weekly[-1][1] == 8  # by 30/06: 8 of the backlog


def test_report_table_and_usage_errors(home: Path) -> None:
    run = sohoa(home, "report", "--period", "2024-Q2")
    assert run.returncode == 0, run.stderr
    assert "Tổng cộng" in run.stdout and "Phường Khai Quang" in run.stdout and "đúng tiến độ" in run.stdout
    assert "N/A" in run.stdout and "Trang" in run.stdout
    bad = sohoa(home, "report", "--period", "2024-Q7")
    assert bad.returncode == 2 and "không phải kỳ" in bad.stderr
    no_out = sohoa(home, "report", "--format", "xlsx")
    assert no_out.returncode == 2 and "--out" in no_out.stderr
    unknown = sohoa(home, "report", "--unit", "Phường Không Có")
    assert unknown.returncode == 8


def test_unmatched_link_and_baseline_commands(home: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(cli, ["--home", str(home), "register", "unmatched", "--json"])
    assert listed.exit_code == 0, listed.output
    found = json.loads(listed.stdout)
    assert found["documents_total"] == 3  # Thanh Trù's, without a register
    doc = next(d["id"] for d in found["documents"] if d["number"] == "5/UBND")  # entered 06/05/2024
    linked = runner.invoke(
        cli, ["--home", str(home), "register", "link", str(doc), "000.00.12.H62-240108-0001"]
    )
    assert linked.exit_code == 0 and f"linked document {doc} to row" in linked.stdout
    twice = sohoa(home, "register", "link", str(doc), "000.00.12.H62-240108-0002")
    assert twice.returncode == 2 and "--replace" in twice.stderr  # a conflict, not a bug
    base = runner.invoke(cli, ["--home", str(home), "register", "baseline", "tu-phap", "--date", "01/02/2024",
                               "--target", "30", "--json"])  # fmt: skip
    assert base.exit_code == 0, base.output
    assert json.loads(base.stdout) | {"unit": None} == {
        "unit": None, "year": 2024, "baseline_date": "2024-02-01", "target_percent": 30.0,
        "deadline": "2024-12-31", "set_by": "tu-phap",
    }  # fmt: skip
    shown = runner.invoke(cli, ["--home", str(home), "register", "baseline", "Tích Sơn", "--year", "2024"])
    assert "baseline 01/03/2024, target 25%" in shown.stdout
    report = json.loads(sohoa(home, "report", "--format", "json", "--period", "2024-Q2").stdout)
    tp = next(u for u in report["units"] if u["unit"] == "Phòng Tư pháp")
    # P1 linked (the Thanh Trù document, entered 06/05): 1 of 4 = 25.00% < 30%: ⌈1.2⌉ = 2 -> 1 remaining.
    assert (tp["backlog_digitised"], tp["backlog_percent"], tp["target_percent"], tp["remaining"]) == (
        1, 25.0, 30.0, 1,
    )  # fmt: skip
    match = runner.invoke(cli, ["--home", str(home), "register", "match", "--json"])
    assert json.loads(match.stdout)["considered"] == 2


def test_every_register_and_report_command_has_help() -> None:
    runner = CliRunner()
    for args in (["register"], ["register", "import"], ["register", "match"], ["register", "unmatched"],
                 ["register", "link"], ["register", "baseline"], ["report"]):  # fmt: skip
        result = runner.invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and len(result.output) > 200, args


@pytest.mark.postgres
def test_import_and_report_on_postgresql(tmp_path: Path, pg_url: str) -> None:
    run = sohoa(tmp_path / "h", "register", "import", str(DATA / "mot-cua-thanh-tru.cp1258.csv"), "--json",
                db_url=pg_url)  # fmt: skip
    assert json.loads(run.stdout)["imported"] == 3, run.stderr
    out = json.loads(
        sohoa(tmp_path / "h", "report", "--format", "json", "--period", "2024", db_url=pg_url).stdout
    )
    thanh_tru = next(u for u in out["units"] if u["unit"] == "Xã Thanh Trù")
    # Two of the three rows are still valid (the third lapsed): the 2024 backlog is 2, nothing digitised.
    assert (thanh_tru["backlog"], thanh_tru["backlog_percent"], thanh_tru["remaining"]) == (2, 0.0, 1)
    assert out["total"]["backlog"] == 2
