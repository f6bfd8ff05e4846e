"""Every column of the report against figures computed by hand, on SQLite and PostgreSQL.

The scenario (``register_support.build_scenario``), period 2024-Q2, as of 30/06/2024; pace
window = the 28 days after 02/06 up to 30/06:

Khai Quang (own rows): K1–K10 issued 2023, valid, not stored -> backlog 10 (K11 lapsed, K12
already stored). Digitised: K1 (15/03), K2 (05/06, in the window), K4 (02/06 16:00 local: on
the window's first excluded day); K3 entered on 01/07 local (30/06 17:30 UTC) -> not by 30/06.
New: K13 (10/05, digitised), K14 (30/06, not) in; K15 (01/07), K16 (31/03) out. Pages in Q2:
K2 2 + K4 1 + K13 3 + K16 4 (00:30 local on 01/04) = 10; K1 (March), K3 (July) out.
Sub-unit (S1–S5): backlog 5, S1 10/06 and S2 20/06 digitised (both in the window), 2 pages.
=> Khai Quang: backlog 15, digitised 5, 33.33%, need ⌈3⌉ = 3 -> remaining 0, đạt;
   pace 3/4 = 0.75; new 2 / 1 = 50.00%; pages 12.
Tích Sơn (baseline 01/03/2024, target 25%): T1–T8 before the baseline; T9 in the store before
it; T10 (01/12/2023) stored on 10/04/2024 -> in the backlog and digitised. Backlog 9, digitised
T10 + T1 (25/06) = 2 -> 22.22%; need ⌈2.25⌉ = 3 -> remaining 1; pace 1 -> 0.25/week ->
30/06 + ⌈1 × 28 / 1⌉ days = 28/07/2024 ≤ 31/12 -> đúng tiến độ. New: T11 (02/04) = 1, 0 -> 0.00%.
Thanh Trù: no register -> backlog N/A; 1 document issued in Q2 and digitised by 30/06 -> 1/1,
100.00%; pages 2 + 1 (15/04) = 3 (the one of 02/07 is out).
Tư pháp: backlog 4, nothing -> 0.00%, remaining ⌈0.8⌉ = 1, pace 0 -> no date, chậm tiến độ.
Đống Đa: backlog 40, 1 digitised on 15/06 -> 2.50%, remaining 8 - 1 = 7, pace 0.25 ->
30/06 + 196 days = 12/01/2025 > 31/12/2024 -> chậm tiến độ.
City = total: backlog 15 + 9 + 4 + 40 = 68, digitised 8 -> 11.76%, need ⌈13.6⌉ = 14 ->
remaining 6; pace 5 -> 1.25; 30/06 + ⌈6 × 28 / 5⌉ = 34 days = 03/08/2024 -> đúng tiến độ;
new 4 / 2 -> 50.00%; pages 12 + 1 + 3 + 1 = 17.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from sohoa.archive import matching, register, reports, units
from sohoa.archive.models import Document
from sohoa.archive.reports import compute_report, parse_period, percent
from sohoa.archive.store import Archive

from .register_support import SUB_UNIT, add_document, at, build_scenario, dossier, local, write_csv

KEYS = {
    "backlog", "backlog_digitised", "backlog_percent", "target_percent", "remaining", "weekly_pace",
    "projected_date", "status", "new_issued", "new_digitised", "new_percent", "pages",
}  # fmt: skip


def figures(archive: Archive, period: str = "2024-Q2", unit: str | None = None, **kw: object) -> dict:
    with archive.sessions() as session:
        chosen = units.resolve_unit(session, unit) if unit else None
        result = compute_report(session, period=parse_period(period), unit=chosen, **kw)  # type: ignore[arg-type]
    data = result.to_json()
    by_unit = {u["unit"]: u for u in data["units"]}
    by_unit["TOTAL"] = data["total"]
    return {"period": data["period"], **by_unit}


def line(
    backlog: int, done: int, pct: float | None, target: float, remaining: int, pace: float,
    projected: str | None, status: str | None, new: int, new_done: int, new_pct: float | None, pages: int,
) -> dict:  # fmt: skip
    return dict(zip(sorted(KEYS), [None] * len(KEYS), strict=True)) | {
        "backlog": backlog, "backlog_digitised": done, "backlog_percent": pct, "target_percent": target,
        "remaining": remaining, "weekly_pace": pace, "projected_date": projected, "status": status,
        "new_issued": new, "new_digitised": new_done, "new_percent": new_pct, "pages": pages,
    }  # fmt: skip


EXPECTED = {
    "Phường Khai Quang": line(15, 5, 33.33, 20.0, 0, 0.75, None, "đạt", 2, 1, 50.0, 12),
    "Bộ phận một cửa phường Khai Quang": line(5, 2, 40.0, 20.0, 0, 0.5, None, "đạt", 0, 0, None, 2),
    "Phường Tích Sơn": line(9, 2, 22.22, 25.0, 1, 0.25, "2024-07-28", "đúng tiến độ", 1, 0, 0.0, 1),
    "Xã Thanh Trù": line(0, 0, None, 20.0, 0, 0.0, None, None, 1, 1, 100.0, 3),
    "Phòng Tư pháp": line(4, 0, 0.0, 20.0, 1, 0.0, None, "chậm tiến độ", 0, 0, None, 0),
    "Phường Đống Đa": line(40, 1, 2.5, 20.0, 7, 0.25, "2025-01-12", "chậm tiến độ", 0, 0, None, 1),
    "UBND thành phố Vĩnh Yên": line(
        68, 8, 11.76, 20.0, 6, 1.25, "2024-08-03", "đúng tiến độ", 4, 2, 50.0, 17
    ),
}


@pytest.fixture
def scenario(archive: Archive, tmp_path: Path) -> Archive:
    build_scenario(archive, tmp_path)
    return archive


def test_every_column_per_unit_and_total(scenario: Archive) -> None:
    got = figures(scenario)
    assert got["period"] == {"from": "2024-04-01", "to": "2024-06-30"}
    for name, expected in EXPECTED.items():
        assert {k: got[name][k] for k in KEYS} == {k: expected[k] for k in KEYS}, name
    total = {k: v for k, v in EXPECTED["UBND thành phố Vĩnh Yên"].items() if k in KEYS}
    assert got["TOTAL"] == total and "unit" not in got["TOTAL"]
    idle = got["Phường Liên Bảo"]
    assert (idle["backlog_percent"], idle["new_percent"], idle["status"], idle["pages"]) == (
        None,
        None,
        None,
        0,
    )


def test_a_unit_includes_its_sub_units_and_the_total_counts_once(scenario: Archive) -> None:
    got = figures(scenario, unit="khai quang")
    assert set(got) == {"period", "Phường Khai Quang", "Bộ phận một cửa phường Khai Quang", "TOTAL"}
    assert got["TOTAL"] == {k: v for k, v in EXPECTED["Phường Khai Quang"].items() if k in KEYS}
    sub = figures(scenario, unit=SUB_UNIT)
    assert sub["TOTAL"]["backlog"] == 5 and sub["TOTAL"]["pages"] == 2


def test_period_edges_move_new_results_and_pages(scenario: Archive) -> None:
    june = figures(scenario, "2024-06")["Phường Khai Quang"]
    # K14 (30/06) is the only new result of June; pages: K2 2 + K4 1 + S1 1 + S2 1.
    assert (june["new_issued"], june["new_digitised"], june["new_percent"], june["pages"]) == (1, 0, 0.0, 5)
    july = figures(scenario, "2024-07-01..2024-07-31")["Phường Khai Quang"]
    # K15 issued 01/07; K3 entered 01/07 local -> July's pages, and the backlog now counts it.
    assert (july["new_issued"], july["pages"], july["backlog_digitised"]) == (1, 1, 6)
    march = figures(scenario, "31/03/2024..31/03/2024")["Phường Khai Quang"]
    assert (march["new_issued"], march["new_digitised"], march["pages"]) == (
        1,
        0,
        0,
    )  # K16 digitised in April
    year = figures(scenario, "2024")["UBND thành phố Vĩnh Yên"]
    assert year["backlog_digitised"] == 9  # + K3 (01/07); as of 31/12/2024


def test_as_of_moves_digitised_pace_and_projection(scenario: Archive) -> None:
    got = figures(scenario, as_of=date(2024, 6, 10))["Phường Đống Đa"]
    # Đống Đa's only document entered on 15/06: nothing yet on 10/06, no pace, no date.
    assert (got["backlog_digitised"], got["weekly_pace"], got["projected_date"], got["status"]) == (
        0, 0.0, None, "chậm tiến độ",
    )  # fmt: skip


def test_target_inherits_from_the_parent_and_is_per_year(scenario: Archive) -> None:
    reports.set_target(scenario, "vinh-yen", 2024, baseline=date(2024, 1, 12), percent=10)
    got = figures(scenario)
    # Tích Sơn keeps its own baseline and 25%; Tư pháp now needs ⌈0.4⌉ = 1 and has 10% as target.
    assert got["Phường Tích Sơn"]["target_percent"] == 25.0 and got["Phường Tích Sơn"]["backlog"] == 9
    assert got["Phòng Tư pháp"]["target_percent"] == 10.0
    # Every other backlog row was issued in 2023: the backlog stays 68; 10% of it is ⌈6.8⌉ = 7 <= 8 done.
    assert got["TOTAL"]["target_percent"] == 10.0 and got["TOTAL"]["remaining"] == 0
    assert got["TOTAL"]["status"] == "đạt"
    other_year = figures(scenario, "2025")["Phường Tích Sơn"]
    assert other_year["target_percent"] == 20.0  # 2025 has no target set: the default


def test_reimport_changes_nothing_and_a_later_export_updates(scenario: Archive, tmp_path: Path) -> None:
    from .register_support import scenario_rows

    before = figures(scenario)
    again = register.import_register(scenario, tmp_path / "so-theo-doi-2024.csv")
    assert (again.imported, again.updated, again.unchanged, again.errors) == (0, 0, 76, [])
    assert figures(scenario) == before
    rows = scenario_rows()
    rows[4][9] = "20/06/2024"  # K5 entered the store on 20/06 (seen in a later export)
    rows[5][8] = "Hết hiệu lực"  # K6 lapsed
    later = register.import_register(scenario, write_csv(tmp_path / "later.csv", rows))
    assert (later.imported, later.updated, later.unchanged) == (0, 2, 74)
    kq = figures(scenario)["Phường Khai Quang"]
    # backlog 15 - K6 = 14; digitised 5 + K5 = 6 -> 42.86%; pace (K2, K5, S1, S2) = 4 -> 1.00.
    assert (kq["backlog"], kq["backlog_digitised"], kq["backlog_percent"], kq["weekly_pace"]) == (
        14,
        6,
        42.86,
        1.0,
    )


def test_manual_link_counts_and_moves(scenario: Archive) -> None:
    doc = add_document(
        scenario, "tich-son", at(date(2024, 6, 28)), number="2/QĐ-UBND", issued=date(2024, 1, 5)
    )
    matching.match_documents(scenario)  # 05/01 is not T2's date (12/01): two differences, not linked
    with scenario.sessions() as session:
        assert matching.list_unmatched(session).documents_total == 4  # it and Thanh Trù's three
    matching.link_document(scenario, doc, dossier("240107", 2))
    ts = figures(scenario)["Phường Tích Sơn"]
    # digitised 3 of 9 -> 33.33% >= 25%: đạt; pace T1 + T2 = 2 -> 0.50.
    assert (ts["backlog_digitised"], ts["backlog_percent"], ts["status"], ts["weekly_pace"]) == (
        3, 33.33, "đạt", 0.5,
    )  # fmt: skip
    matching.link_document(scenario, doc, dossier("240107", 11), replace=True)  # it was T11 after all
    ts = figures(scenario)["Phường Tích Sơn"]
    assert (ts["backlog_digitised"], ts["new_digitised"], ts["new_percent"]) == (2, 1, 100.0)


def test_without_a_register_the_report_shows_what_was_digitised(archive: Archive) -> None:
    add_document(archive, "lien-bao", local(date(2024, 6, 30), 23, 59), issued=date(2024, 6, 1), pages=2)
    add_document(archive, "lien-bao", at(date(2024, 5, 2)), issued=date(2023, 12, 30), pages=5)
    got = figures(archive)
    lb = got["Phường Liên Bảo"]
    assert (lb["backlog"], lb["backlog_percent"], lb["status"], lb["remaining"]) == (0, None, None, 0)
    assert (lb["new_issued"], lb["new_digitised"], lb["new_percent"], lb["pages"]) == (1, 1, 100.0, 7)
    assert got["TOTAL"]["pages"] == 7


def test_documents_without_issue_date_still_count_pages(archive: Archive) -> None:
    add_document(archive, "dong-tam", at(date(2024, 4, 2)), pages=3)
    with archive.sessions() as session:
        assert session.scalar(select(Document.issued_date)) is None
    got = figures(archive)["Phường Đồng Tâm"]
    assert (got["pages"], got["new_issued"], got["new_percent"]) == (3, 0, None)


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 3, 33.33), (2, 3, 66.67), (1, 800, 0.13), (5, 8, 62.5), (0, 5, 0.0), (3, 0, None), (7, 7, 100.0)],
)
def test_percentages_have_two_decimals_rounded_half_up(part: int, whole: int, expected: float | None) -> None:
    assert percent(part, whole) == expected


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024-q4", date(2024, 10, 1), date(2024, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-03-15..2024-04-14", date(2024, 3, 15), date(2024, 4, 14)),
        ("15/03/2024..14/04/2024", date(2024, 3, 15), date(2024, 4, 14)),
    ],
)
def test_periods(text: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2024-Q5", "2024-13", "2024-06-30..2024-06-01", "last year", "24"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)
