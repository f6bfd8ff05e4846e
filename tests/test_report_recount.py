"""The report's figures against a straightforward recount, row by row, on SQLite and PostgreSQL.

``compute_report`` counts with SQL aggregates over indexes, some of them partial, with a
different plan per database; this test recounts every figure in Python from the primary facts
(register rows, their links, the documents' moments of entry in Asia/Ho_Chi_Minh, targets),
following the definitions in ``sohoa/archive/reports.py``, and asks for the same report to the
row: every unit line, the total and the weekly series. The archive is seeded at random with
documents entered in the minutes around local midnight on the period's and the pace window's
edges, two baselines, and a sub-unit; it is compared again after voids, a move, a manual
re-link, register edits, new register rows and new documents, and re-matching.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sohoa.archive import lifecycle, matching, register, reports, units
from sohoa.archive.models import Document, RegisterLink, RegisterRow, Unit, UnitTarget
from sohoa.archive.reports import PACE_DAYS, Counts, compute_report, parse_period, percent
from sohoa.archive.store import Archive

from .register_support import SUB_UNIT, add_document, dossier, write_csv

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
REGISTER_UNITS = ["khai-quang", SUB_UNIT, "tich-son", "dong-da", "tu-phap", "lien-bao"]
UNREGISTERED = ["thanh-tru", "hoi-hop"]  # no register: their documents stand in for it
# (period, as_of): a year still running, a closed quarter, a month, a custom range.
CASES = [
    ("2024", date(2024, 7, 15)),
    ("2024-Q2", None),
    ("2024-06", None),
    ("2024-03-01..2024-07-01", date(2024, 7, 1)),
]


# -- the straightforward recount ------------------------------------------------------------
def _local_day(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZONE).date()


def _facts(archive: Archive) -> dict[str, Any]:
    with archive.sessions() as session:
        unit_rows = {u.id: (u.code, u.name, u.parent_id) for u in session.scalars(select(Unit))}
        docs = {
            d.id: (d.unit_id, d.status, d.page_count, d.issued_date, _local_day(d.created_at))
            for d in session.scalars(select(Document))
        }
        links = [(link.row_id, link.document_id) for link in session.scalars(select(RegisterLink))]
        rows = [
            (r.id, r.unit_id, r.issued_date, r.valid, r.stored_at)
            for r in session.scalars(select(RegisterRow))
        ]
        targets = {
            (t.unit_id, t.year): (t.baseline_date, t.target_percent, t.target_date)
            for t in session.scalars(select(UnitTarget))
        }
    return {"units": unit_rows, "docs": docs, "links": links, "rows": rows, "targets": targets}


def _target(facts: dict[str, Any], uid: int | None, year: int) -> reports.Target:
    while uid is not None:
        own = facts["targets"].get((uid, year))
        if own is not None:
            baseline, share, deadline = own
            return reports.Target(baseline, share, deadline or date(year, 12, 31), facts["units"][uid][0])
        uid = facts["units"][uid][2]
    return reports.Target(date(year, 1, 1), 20.0, date(year, 12, 31), "default")


def _recount(facts: dict[str, Any], period: str, as_of: date | None, unit: str | None) -> dict[str, Any]:
    """The report's JSON and weekly series, counted row by row from the definitions."""
    chosen = parse_period(period)
    as_of = as_of or chosen.end
    year = chosen.end.year
    unit_rows = facts["units"]
    children: dict[int | None, list[int]] = defaultdict(list)
    for uid in sorted(unit_rows):
        children[unit_rows[uid][2]].append(uid)
    if unit is None:
        roots = [uid for uid in sorted(unit_rows) if unit_rows[uid][2] not in unit_rows]
    else:
        roots = [uid for uid in unit_rows if unit_rows[uid][0] == unit]
    order: list[tuple[int, int]] = []

    def visit(uid: int, depth: int) -> None:
        order.append((uid, depth))
        for child in children[uid]:
            visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    # The day each row was digitised: the earliest of its stored day and its (live) document's.
    doc_day = {
        row_id: facts["docs"][doc_id][4]
        for row_id, doc_id in facts["links"]
        if facts["docs"][doc_id][1] != "voided"
    }
    own: dict[int, Counts] = {uid: Counts() for uid, _ in order}
    per_day: dict[date, int] = defaultdict(int)
    pace_from = as_of - timedelta(days=PACE_DAYS)
    for row_id, uid, issued, valid, stored in facts["rows"]:
        if uid not in own:
            continue
        counts = own[uid]
        counts.registers = 1
        days = [d for d in (stored, doc_day.get(row_id)) if d is not None]
        digitised = min(days) if days else None
        if chosen.start <= issued <= chosen.end:
            counts.new_issued += 1
            counts.new_digitised += digitised is not None and digitised <= as_of
        baseline = _target(facts, uid, year).baseline
        if valid and issued < baseline and (digitised is None or digitised >= baseline):
            counts.backlog += 1
            if digitised is not None and digitised <= as_of:
                counts.backlog_digitised += 1
                per_day[digitised] += 1
                counts.pace_count += digitised > pace_from
    for uid, status, pages, issued, entered in facts["docs"].values():
        if uid not in own or status == "voided":
            continue
        if chosen.start <= entered <= chosen.end:
            own[uid].pages += pages
        if not own[uid].registers and issued and chosen.start <= issued <= chosen.end and entered <= as_of:
            own[uid].new_issued += 1
            own[uid].new_digitised += 1

    def rolled(uid: int) -> Counts:
        total = Counts()
        total += own[uid]
        for child in children[uid]:
            if child in own:
                total += rolled(child)
        return total

    lines = []
    for uid, depth in order:
        code, name, _parent = unit_rows[uid]
        info = reports._UnitInfo(uid, code, name, _parent)
        lines.append(reports._progress(info, depth, rolled(uid), _target(facts, uid, year), as_of))
    grand = Counts()
    for counts in own.values():
        grand += counts
    total_target = _target(facts, roots[0], year) if len(roots) == 1 else _target(facts, None, year)
    total = reports._progress(None, 0, grand, total_target, as_of)
    series = []
    day, marks = chosen.start + timedelta(days=6), []
    while day < as_of:
        marks.append(day)
        day += timedelta(days=7)
    marks.append(as_of)
    for mark in marks:
        done = sum(n for d, n in per_day.items() if d <= mark)
        series.append((mark, done, percent(done, grand.backlog)))
    data = {
        "period": {"from": chosen.start.isoformat(), "to": chosen.end.isoformat()},
        "units": [line.to_json() for line in lines],
        "total": total.to_json(),
    }
    return {"json": data, "series": series}


def _fast(archive: Archive, period: str, as_of: date | None, unit: str | None) -> dict[str, Any]:
    chosen = parse_period(period)
    with archive.sessions() as session:
        target = units.resolve_unit(session, unit) if unit else None
        result = compute_report(
            session, period=chosen, unit=target, as_of=as_of or chosen.end, with_series=True,
            today=date(2024, 12, 31),
        )  # fmt: skip
    series = [(p.day, p.digitised, p.percent) for p in result.series]
    return {"json": result.to_json(), "series": series}


def _assert_same(archive: Archive) -> dict[str, Any]:
    facts = _facts(archive)
    for period, as_of in CASES:
        for unit in (None, "khai-quang", "tich-son"):
            fast, slow = _fast(archive, period, as_of, unit), _recount(facts, period, as_of, unit)
            assert fast == slow, (period, as_of, unit)
    return _recount(facts, "2024", date(2024, 7, 15), None)["json"]["total"]


# -- the seeded archive ---------------------------------------------------------------------
def _edge_moments(rng: random.Random) -> list[datetime]:
    """UTC moments a minute either side of local midnight (17:00 UTC) on the days that decide
    a figure: the periods' first and last days, the pace window's edge, the baseline."""
    edges = [
        date(2023, 12, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 5, 31), date(2024, 6, 16),
        date(2024, 6, 17), date(2024, 6, 30), date(2024, 7, 14), date(2024, 7, 15),
    ]  # fmt: skip
    out = []
    for day in edges:
        midnight = datetime(day.year, day.month, day.day, 17, tzinfo=UTC)  # 00:00 the next local day
        out += [midnight - timedelta(minutes=1), midnight, midnight + timedelta(minutes=1)]
    out += [
        datetime(2024, 1, 1, 2, tzinfo=UTC) + timedelta(minutes=rng.randrange(240 * 24 * 60))
        for _ in range(40)
    ]
    return out


def _register_rows(rng: random.Random, tag: str, count: int, start: int = 1) -> list[list[Any]]:
    rows = []
    for n in range(start, start + count):
        unit = REGISTER_UNITS[n % len(REGISTER_UNITS)]
        issued = date(2022, 6, 1) + timedelta(days=rng.randrange(900))
        stored = "Không"
        if rng.random() < 0.15:
            stored = (issued + timedelta(days=rng.randrange(1, 300))).strftime("%d/%m/%Y")
        rows.append(
            [
                n, dossier(tag, n), "Đăng ký khai sinh", "Hộ tịch", unit, "Nguyễn Văn Lượng", f"{n}/TLKS-BS",
                issued.strftime("%d/%m/%Y"), "Không" if rng.random() < 0.1 else "Có", stored,
            ]
        )  # fmt: skip
    return rows


def test_report_matches_a_row_by_row_recount(archive: Archive, tmp_path: Path) -> None:
    rng = random.Random(11)
    with archive.sessions.begin() as session:
        parent = units.resolve_unit(session, "khai-quang")
        units.add_unit(session, SUB_UNIT, "Bộ phận một cửa phường Khai Quang", "centre", parent)
    first = _register_rows(rng, "240105", 240)
    path = write_csv(tmp_path / "so-theo-doi.csv", first)
    assert register.import_register(archive, path).imported == 240
    reports.set_target(archive, "tich-son", 2024, baseline=date(2024, 3, 1), percent=25)
    reports.set_target(archive, "khai-quang", 2024, baseline=date(2024, 2, 1))  # its sub-unit inherits it
    moments = _edge_moments(rng)
    docs = []
    for n, moment in enumerate(moments):
        row = first[(n * 7) % len(first)]
        unit = row[4] if n % 5 else rng.choice(UNREGISTERED)
        issued = date(2024, 1, 1) + timedelta(days=rng.randrange(240))
        docs.append(
            add_document(archive, unit, moment, dossier=row[1], issued=issued, pages=1 + n % 4, number=row[6])
        )
    matching.match_documents(archive)
    before = _assert_same(archive)
    assert before["backlog"] > 50 and before["backlog_digitised"] > 5 and before["pages"] > 0  # a real test

    # Changes after the first report: voids, a move, a manual re-link, register edits (validity,
    # stored date), new register rows, new documents, and the matcher run again.
    lifecycle.void_document(archive, docs[1], "trùng bản quét")
    lifecycle.void_document(archive, docs[5], "scan nhầm")
    with archive.sessions() as session:
        moved_from = session.scalar(select(Unit.code).join(Document).where(Document.id == docs[2]))
    lifecycle.move_document(
        archive, docs[2], "lien-bao" if moved_from != "lien-bao" else "dong-da", "nhầm đơn vị"
    )
    with archive.sessions() as session:
        linked = session.scalars(select(RegisterLink).order_by(RegisterLink.id)).all()
        spare = session.scalar(
            select(RegisterRow.dossier_code)
            .where(~RegisterRow.id.in_([link.row_id for link in linked]), RegisterRow.valid.is_(True))
            .order_by(RegisterRow.id)
        )
    matching.link_document(archive, linked[0].document_id, spare, replace=True)
    edited = [list(r) for r in first]
    for row in edited[::9]:
        row[8] = "Không" if row[8] == "Có" else "Có"
    for row in edited[3::11]:
        row[9] = "15/06/2024"
    more = _register_rows(rng, "240301", 60, start=241)
    path = write_csv(tmp_path / "so-theo-doi-2.csv", edited + more)
    result = register.import_register(archive, path)
    assert result.imported == 60 and result.updated > 0, result.to_json()
    for n, moment in enumerate(_edge_moments(rng)[:20]):
        row = more[n % len(more)]
        add_document(archive, row[4], moment + timedelta(days=1), dossier=row[1], pages=2, number=row[6])
    matching.match_documents(archive, new_only=True)
    after = _assert_same(archive)
    assert after != before  # the changes moved the figures, and the fast path followed them
