"""Report and register-import speed at the city's scale, on SQLite and on PostgreSQL.

Generates (seeded, reproducible) 1,000,000 register rows spread over the 23 units of Vĩnh Yên
(issued 2015-2024, 90% still valid, 10% already in the store), 200,000 documents digitised in
2024 (1-6 pages, a quarter of them... linked to rows as the matcher would, the rest not), then times:

* the full report (every unit with its sub-units, and the total) for 2024, as ``compute_report``
  and as the ``sohoa report --format json`` command (process start included), plus HTML;
* ``register import`` of a 100,000-row CSV export (new rows) into that archive, then the same
  file again (all unchanged).

    .venv/bin/python bench/report_speed.py                      # both databases, full scale
    .venv/bin/python bench/report_speed.py --only sqlite --rows 100000 --docs 20000   # quick

Goals (issue 5): the full report in <= 3 s and a 100,000-row import in <= 20 s, on both. The
machine's CPU may be shared (other engineers run Tesseract): the load average is printed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, select, text

from sohoa.archive.matching import match_documents
from sohoa.archive.models import MatchRun, Unit
from sohoa.archive.register import import_register, number_key
from sohoa.archive.report_render import render_html, render_json
from sohoa.archive.reports import compute_report, parse_period
from sohoa.archive.store import Archive, open_archive

PG_URL = os.environ.get("SOHOA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PROCEDURES = [
    ("Đăng ký khai sinh", "Hộ tịch", "TLKS-BS"),
    ("Đăng ký kết hôn", "Hộ tịch", "GCNKH"),
    ("Chứng thực bản sao từ bản chính", "Chứng thực", "SCT-BS"),
    ("Cấp giấy phép xây dựng", "Xây dựng", "GPXD"),
    ("Đăng ký hộ kinh doanh", "Đăng ký kinh doanh", "GCN-HKD"),
    ("Quyết định hành chính", "Nội vụ", "QĐ-UBND"),
]
NAMES = ["Nguyễn Văn Lượng", "Trần Thị Hoa", "Lê Văn Nam", "Phạm Thị Mai", "Đỗ Văn Hùng", "Vũ Thị Lan"]
ROW_COLUMNS = (
    "unit_id",
    "dossier_code",
    "result_key",
    "result_number",
    "number_key",
    "number_no",
    "procedure",
    "field",
    "issuer",
    "applicant",
    "issued_date",
    "date_kind",
    "valid",
    "stored_at",
    "digitised_on",
    "created_at",
    "updated_at",
)
DOC_COLUMNS = (
    "original_sha256",
    "page_from",
    "page_to",
    "unit_id",
    "status",
    "pdf_path",
    "page_count",
    "confidence",
    "fields",
    "field_confidence",
    "field_source",
    "issued_date",
    "review_state",
    "index_state",
    "created_at",
    "updated_at",
)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


# -- generation ----------------------------------------------------------------------------
def generate(archive: Archive, rows: int, docs: int, seed: int = 5) -> None:
    """Fill the archive with ``rows`` register rows and ``docs`` documents, a quarter linked."""
    rng = random.Random(seed)
    with archive.sessions() as session:
        units = list(session.execute(select(Unit.id, Unit.code)).all())
    now = datetime.now(UTC)
    start = date(2015, 1, 1)
    span = (date(2024, 12, 31) - start).days
    register: list[tuple] = []
    for n in range(rows):
        uid, code = units[n % len(units)]
        procedure, field, symbol = PROCEDURES[n % len(PROCEDURES)]
        issued = start + timedelta(days=rng.randrange(span))
        number = f"{n // len(units) % 9000 + 1}/{symbol}"
        key, no = number_key(number)
        stored = issued + timedelta(days=rng.randrange(1, 400)) if rng.random() < 0.10 else None
        register.append(
            (
                uid,
                f"000.00.12.H62-{issued:%y%m%d}-{n:07d}",
                f"{code}|{key}|{issued.year}-{n}",
                number,
                key,
                no,
                procedure,
                field,
                None,
                NAMES[n % len(NAMES)],
                issued,
                "issued",
                rng.random() < 0.9,
                stored,
                stored,
                now,
                now,
            )
        )
    doc_rows: list[tuple] = []
    originals: list[tuple] = []
    links: list[tuple] = []
    linked_rows = rng.sample(range(rows), min(rows, docs // 4))
    digitised: dict[int, date] = {}
    for d in range(docs):
        uid, _code = units[d % len(units)]
        created = datetime(2024, 1, 1, 2, tzinfo=UTC) + timedelta(minutes=rng.randrange(365 * 24 * 60))
        sha = hashlib.sha256(f"bench-{seed}-{d}".encode()).hexdigest()
        pages = rng.randint(1, 6)
        issued = date(2024, 1, 1) + timedelta(days=rng.randrange(365))
        fields = {"number": f"{d}/X", "issued_date": issued.isoformat(), "issuer": "UBND phường Khai Quang"}
        originals.append(
            (sha, 1000, "application/pdf", f"scan-{d}.pdf", f"originals/{sha}.pdf", pages, created)
        )
        doc_rows.append(
            (
                sha,
                1,
                pages,
                uid,
                "stored",
                f"documents/{sha}.pdf",
                pages,
                0.9,
                json.dumps(fields),
                "{}",
                "{}",
                issued,
                "pending",
                "done",
                created,
                created,
            )
        )
        if d < len(linked_rows):
            row = linked_rows[d]
            day = (created + timedelta(hours=7)).date()
            links.append((d + 1, row + 1, "number", 95.0, day, "bench", now))
            digitised[row] = day
    register = [
        r[:14]
        + ((min(d for d in (r[13], digitised.get(i)) if d) if (r[13] or i in digitised) else None),)
        + r[15:]
        for i, r in enumerate(register)
    ]
    _bulk_load(archive, register, originals, doc_rows, links)


def _bulk_load(archive: Archive, register: list, originals: list, docs: list, links: list) -> None:
    tables = [
        (
            "originals",
            ("sha256", "size", "media_type", "source_name", "stored_path", "page_count", "created_at"),
            originals,
        ),
        ("documents", DOC_COLUMNS, docs),
        ("register_rows", ROW_COLUMNS, register),
        (
            "register_links",
            ("document_id", "row_id", "method", "score", "digitised_on", "actor", "created_at"),
            links,
        ),
    ]
    raw = archive.engine.raw_connection()
    try:
        cur = raw.cursor()
        if archive.engine.dialect.name == "postgresql":
            for table, columns, data in tables:
                with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for record in data:
                        copy.write_row(record)
        else:
            for table, columns, data in tables:
                marks = ", ".join("?" for _ in columns)
                converted = [tuple(_sqlite(v) for v in record) for record in data]
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", converted)
        raw.commit()
    finally:
        raw.close()
    with archive.sessions.begin() as session:
        top = session.scalar(text("SELECT max(id) FROM documents")) or 0
        session.add(MatchRun(last_document_id=top))  # as if the matcher had seen them all
    with archive.engine.connect() as conn:
        if archive.engine.dialect.name == "postgresql":
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()


def _sqlite(value: object) -> object:
    """What SQLAlchemy would store in SQLite: ISO text for dates, 'YYYY-MM-DD HH:MM:SS.ffffff' for times."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def write_import_file(path: Path, rows: int, seed: int = 9) -> None:
    """A one-stop export of ``rows`` new results, UTF-8 with BOM and the issue's headers."""
    rng = random.Random(seed)
    wards = ["UBND phường Khai Quang", "Phường Tích Sơn", "phường Liên Bảo", "Xã Thanh Trù", "Phòng Tư pháp"]
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "STT",
                "Mã hồ sơ",
                "Tên thủ tục",
                "Lĩnh vực",
                "Đơn vị",
                "Chủ hồ sơ / Người nộp",
                "Số ký hiệu kết quả",
                "Ngày ban hành / Ngày trả kết quả",
                "Còn hiệu lực",
                "Đã lưu kho",
            ]
        )
        for n in range(rows):
            procedure, field, symbol = PROCEDURES[n % len(PROCEDURES)]
            issued = date(2023, 1, 1) + timedelta(days=rng.randrange(700))
            writer.writerow(
                [
                    n + 1,
                    f"000.00.12.H62-{issued:%y%m%d}-9{n:06d}",
                    procedure,
                    field,
                    wards[n % 5],
                    NAMES[n % len(NAMES)],
                    f"{n + 1}/{symbol}",
                    f"{issued:%d/%m/%Y}",
                    "Có" if n % 10 else "Không",
                    "Không" if n % 7 else "Có",
                ]
            )


# -- timing --------------------------------------------------------------------------------
def time_report(archive: Archive, repeat: int = 3) -> dict[str, float]:
    period = parse_period("2024")
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        with archive.sessions() as session:
            result = compute_report(session, period=period, as_of=date(2024, 12, 31))
        render_json(result)
        times.append(time.perf_counter() - began)
    began = time.perf_counter()
    with archive.sessions() as session:
        result = compute_report(session, period=period, as_of=date(2024, 12, 31), with_series=True)
    render_html(result)
    html_s = time.perf_counter() - began
    total = result.total
    print(
        f"    total: backlog {total.backlog}, digitised {total.backlog_digitised} "
        f"({total.backlog_percent}%), "
        f"new {total.new_digitised}/{total.new_issued}, pages {total.pages}"
    )
    return {"report_first_s": times[0], "report_median_s": statistics.median(times), "report_html_s": html_s}


def time_cli(home: Path, db_url: str | None) -> float:
    args = [sys.executable, "-m", "sohoa.cli", "--home", str(home)]
    if db_url:
        args += ["--db-url", db_url]
    began = time.perf_counter()
    run = subprocess.run(
        [*args, "report", "--period", "2024", "--format", "json"], capture_output=True, text=True
    )
    elapsed = time.perf_counter() - began
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    return elapsed


def time_import(archive: Archive, path: Path) -> dict[str, float]:
    began = time.perf_counter()
    result = import_register(archive, path)
    first = time.perf_counter() - began
    assert not result.errors and result.imported > 0, result.to_json()
    began = time.perf_counter()
    again = import_register(archive, path)
    second = time.perf_counter() - began
    assert again.unchanged == result.imported, again.to_json()
    return {"import_new_s": first, "import_unchanged_s": second, "import_rows": float(result.imported)}


def run(kind: str, args: argparse.Namespace, work: Path, import_file: Path) -> dict[str, float]:
    home = work / kind
    db_url = None
    admin = None
    schema = f"sohoa_bench_{uuid.uuid4().hex[:8]}"
    if kind == "postgresql":
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        db_url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        archive = open_archive(home, db_url)
        began = time.perf_counter()
        generate(archive, args.rows, args.docs)
        print(
            f"  [{kind}] generated {args.rows:,} rows + {args.docs:,} documents in "
            f"{time.perf_counter() - began:.0f} s (load {load_average()})"
        )
        figures = time_report(archive)
        figures["cli_report_s"] = time_cli(home, db_url)
        figures.update(time_import(archive, import_file))
        began = time.perf_counter()
        summary = match_documents(archive)  # what 'register import' runs after an import
        figures["match_all_s"] = time.perf_counter() - began
        print(
            f"  [{kind}] matching all {summary.considered:,} unlinked documents against the register: "
            f"{figures['match_all_s']:.1f} s ({summary.linked} linked)"
        )
        archive.close()
        print(
            f"  [{kind}] report {figures['report_first_s']:.2f} s first, {figures['report_median_s']:.2f} s "
            f"median, {figures['report_html_s']:.2f} s with the weekly series (HTML); "
            f"'sohoa report --format json' {figures['cli_report_s']:.2f} s; import "
            f"{figures['import_rows']:,.0f} rows {figures['import_new_s']:.1f} s, again (unchanged) "
            f"{figures['import_unchanged_s']:.1f} s (load {load_average()})"
        )
        return figures
    finally:
        if admin is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--docs", type=int, default=200_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sohoa-report-bench-"))
    try:
        import_file = work / "xuat-mot-cua.csv"
        write_import_file(import_file, args.import_rows)
        print(
            f"report_speed: {args.rows:,} rows, {args.docs:,} documents, import {args.import_rows:,} rows; "
            f"{os.cpu_count()} cores, load {load_average()}"
        )
        results = {}
        for kind in ("sqlite", "postgresql"):
            if args.only in (None, kind):
                results[kind] = run(kind, args, work, import_file)
        ok = all(r["report_median_s"] <= 3 and r["import_new_s"] <= 20 for r in results.values())
        print("goals (report <= 3 s, import of 100k rows <= 20 s):", "met" if ok else "NOT met")
        if args.json:
            args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
