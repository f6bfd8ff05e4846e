"""Search speed and quality at archive scale: every engine on the same documents and queries.

Generates N synthetic Vietnamese result documents of about 2 KB (seeded, reproducible),
builds each engine's index (documents/s, and CPU-seconds per 1,000 documents, which stays
meaningful on a busy machine), runs a mix of 50 desk queries (names with and without
diacritics, common names as phrases, numbers, ID numbers, body phrases, filtered) for
p50/p95 latency, and checks that each query's target document is in the top 10 (and first
for IDs). Engines: sohoa's backends, and SQLite FTS5 over columns pre-folded as sohoa folds
(``remove_diacritics`` alone misses đ). Each engine runs in a process of its own, so its
peak memory is its own; adding an engine is one function in :data:`ENGINES`.

    .venv/bin/python bench/search_speed.py                             # 100,000 documents
    .venv/bin/python bench/search_speed.py --docs 10000 --engine tantivy --engine fts5
    .venv/bin/python bench/search_speed.py --docs 5000 --json out.json
    .venv/bin/python bench/search_speed.py --engine tantivy --dir /tmp/s --breakdown 5   # stages per query
    .venv/bin/python bench/search_speed.py --engine tantivy --dir /tmp/s --reuse        # no rebuild

Goals (issue 10, at 100,000 documents on a quiet machine): tantivy builds >= 3,000 docs/s,
p50 <= 5 ms, p95 <= 10 ms, index <= 300 MB, peak memory < 1 GB; postgres p95 <= 100 ms with
exact totals (its tables go to a schema of the run on ``SOHOA_BENCH_PG_URL``, the local
server by default); recall@10 = 100% on the mix for every backend. The CPU may be shared:
the load average is printed with the figures, and CPU time per query beside wall time.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sohoa.search import IndexEntry, open_backend, search
from sohoa.search.analysis import fold
from sohoa.search.query import _filters as search_filters
from sohoa.search.query import build_plan, make_snippet

Options = argparse.Namespace  # the command line, passed to every engine

# -- word lists ------------------------------------------------------------------------

SURNAMES = [
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Phan", 4), ("Vũ", 4),
    ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 1), ("Ngô", 1), ("Dương", 1), ("Lý", 1), ("Đinh", 1),
    ("Tạ", 1), ("Lưu", 1), ("Trương", 1), ("Khổng", 1), ("Kim", 1), ("Đào", 1), ("Cao", 1),
]  # fmt: skip
MIDDLE_M = ["Văn", "Văn", "Văn", "Hữu", "Đức", "Minh", "Quang", "Thành", "Công", "Xuân", "Mạnh", "Tiến"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Hồng", "Thúy", "Phương", "Kim", "Thị Thu"]
GIVEN_M = [
    "Hùng", "Lượng", "Lương", "Dũng", "Tuấn", "Hải", "Long", "Nam", "Bình", "Anh", "Thắng", "Cường",
    "Hiếu", "Đức", "Sơn", "Quân", "Phúc", "Tùng", "Kiên", "Vinh", "Tú", "Đạt", "Trung", "Hoàng",
    "Khánh", "Thịnh", "Toàn", "Huy", "Việt", "Hưng",
]  # fmt: skip
GIVEN_F = [
    "Hà", "Lan", "Hương", "Hường", "Hạnh", "Trang", "Linh", "Huyền", "Thảo", "Nga", "Hoa", "Mai",
    "Tâm", "Thủy", "Yến", "Oanh", "Dung", "Giang", "Ngân", "Vân", "Loan", "Hằng", "Thư", "Quỳnh",
    "Hiền", "Thu", "Nhung", "Phượng", "Liên", "Duyên",
]  # fmt: skip
UNITS = [
    ("P01", "Phường Định Trung"), ("P02", "Phường Đống Đa"), ("P03", "Phường Đồng Tâm"),
    ("P04", "Phường Hội Hợp"), ("P05", "Phường Khai Quang"), ("P06", "Phường Liên Bảo"),
    ("P07", "Phường Ngô Quyền"), ("P08", "Phường Tích Sơn"), ("X01", "Xã Thanh Trù"),
    ("TP", "Phòng Tư pháp"), ("QLDT", "Phòng Quản lý đô thị"), ("TNMT", "Phòng Tài nguyên và Môi trường"),
    ("TCKH", "Phòng Tài chính – Kế hoạch"),
]  # fmt: skip
STREETS = [
    "Mê Linh", "Nguyễn Tất Thành", "Kim Ngọc", "Chùa Hà", "Lam Sơn", "Hai Bà Trưng", "Ngô Gia Tự",
    "Tô Hiến Thành", "Lý Bôn", "Trần Phú", "Đầm Vạc", "Nguyễn Viết Xuân", "Hùng Vương",
]  # fmt: skip
FILLER = [  # noqa: E501 - sentences kept whole for readability
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Căn cứ Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương;",  # noqa: E501
    "Căn cứ Luật Hộ tịch ngày 20 tháng 11 năm 2014;",
    "Căn cứ Nghị định số 123/2015/NĐ-CP ngày 15 tháng 11 năm 2015 của Chính phủ quy định chi tiết một số điều và biện pháp thi hành Luật Hộ tịch;",  # noqa: E501
    "Căn cứ Luật Xây dựng ngày 18 tháng 6 năm 2014; Luật sửa đổi, bổ sung một số điều của Luật Xây dựng ngày 17 tháng 6 năm 2020;",  # noqa: E501
    "Căn cứ Nghị định số 01/2021/NĐ-CP ngày 04 tháng 01 năm 2021 của Chính phủ về đăng ký doanh nghiệp;",
    "Xét đề nghị của Trưởng phòng Tư pháp thành phố tại Tờ trình số 56/TTr-TP;",
    "Theo đề nghị của công dân và hồ sơ kèm theo đã được kiểm tra đầy đủ, hợp lệ theo quy định.",
    "Chánh Văn phòng HĐND và UBND thành phố, Trưởng các phòng, ban có liên quan và các cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này.",  # noqa: E501
    "Quyết định này có hiệu lực kể từ ngày ký.",
    "Người được cấp giấy phép phải thực hiện đúng nội dung giấy phép, chịu sự kiểm tra, giám sát của cơ quan có thẩm quyền.",  # noqa: E501
    "Trong quá trình thực hiện nếu có vướng mắc, đề nghị phản ánh về Ủy ban nhân dân thành phố để được hướng dẫn giải quyết.",  # noqa: E501
    "Nơi nhận: Như Điều 3; Chủ tịch, các Phó Chủ tịch UBND thành phố; Lưu: VT, TP.",
    "Thông tin về tình trạng hôn nhân được xác nhận trên cơ sở hồ sơ lưu trữ tại Ủy ban nhân dân cấp xã nơi cư trú.",  # noqa: E501
    "Giấy này có giá trị sử dụng trong thời hạn 06 tháng kể từ ngày cấp.",
    "Hộ kinh doanh có trách nhiệm thực hiện đầy đủ nghĩa vụ thuế và các nghĩa vụ tài chính khác theo quy định của pháp luật.",  # noqa: E501
    "Chủ đầu tư phải thông báo ngày khởi công bằng văn bản cho Ủy ban nhân dân phường nơi xây dựng công trình.",  # noqa: E501
    "Bản sao được chứng thực từ bản chính có giá trị sử dụng thay cho bản chính trong các giao dịch.",
    "Diện tích xây dựng tầng một, tổng diện tích sàn, chiều cao công trình và số tầng theo hồ sơ thiết kế được duyệt.",  # noqa: E501
    "Đề nghị Ủy ban nhân dân phường xem xét, giải quyết đơn của công dân theo đúng quy định của pháp luật.",
]  # fmt: skip


@dataclass(frozen=True)
class Kind:
    doc_type: str
    title: str
    symbol: str
    field: str


KINDS = [
    Kind("Giấy chứng nhận kết hôn", "GIẤY CHỨNG NHẬN KẾT HÔN", "GCNKH", "Hộ tịch"),
    Kind("Trích lục khai sinh", "TRÍCH LỤC KHAI SINH", "TLKS-BS", "Hộ tịch"),
    Kind("Giấy xác nhận tình trạng hôn nhân", "GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN", "XNTTHN", "Hộ tịch"),
    Kind("Giấy phép xây dựng", "GIẤY PHÉP XÂY DỰNG", "GPXD", "Xây dựng"),
    Kind("Giấy chứng nhận đăng ký hộ kinh doanh", "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "ĐKKD",
         "Đăng ký kinh doanh"),
    Kind("Quyết định", "QUYẾT ĐỊNH", "QĐ-UBND", "Đất đai"),
    Kind("Công văn", "V/v trả lời đơn của công dân", "UBND-ĐT", "Khiếu nại tố cáo"),
]  # fmt: skip


def _weighted(rng: random.Random, items: list[tuple[str, int]]) -> str:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def person(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{_weighted(rng, SURNAMES)} {rng.choice(MIDDLE_M)} {rng.choice(GIVEN_M)}"
    return f"{_weighted(rng, SURNAMES)} {rng.choice(MIDDLE_F)} {rng.choice(GIVEN_F)}"


def id_number(rng: random.Random) -> str:
    return "026" + rng.choice("0123") + f"{rng.randint(50, 99):02d}" + f"{rng.randint(0, 999999):06d}"


def generate(count: int, seed: int = 4) -> Iterator[IndexEntry]:
    """``count`` entries of about 2 KB, the same for the same seed (for both engines)."""
    rng = random.Random(seed)
    for doc_id in range(1, count + 1):
        kind = rng.choice(KINDS)
        unit, unit_name = rng.choice(UNITS)
        year = rng.randint(2005, 2024)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        number = f"{rng.randint(1, 3000):02d}/{kind.symbol}"
        names = [person(rng)] + ([person(rng)] if "hôn" in kind.doc_type else [])
        ids = [id_number(rng) for _ in names]
        signer = person(rng)
        address = f"số {rng.randint(1, 300)} đường {rng.choice(STREETS)}, {rng.choice(UNITS[:9])[1]}"
        lines = [
            "ỦY BAN NHÂN DÂN",
            unit_name.upper(),
            f"Số: {number}",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            f"Vĩnh Yên, ngày {day} tháng {month} năm {year}",
            kind.title,
        ]
        for name, idn in zip(names, ids, strict=True):
            lines += [
                f"Họ, chữ đệm và tên: {name}",
                f"Ngày, tháng, năm sinh: {rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/"
                f"{rng.randint(1950, 2005)}",
                f"Số định danh cá nhân: {idn}",
                f"Nơi cư trú: {address}",
            ]
        body_len = sum(len(x) + 1 for x in lines)
        while body_len < 1700:
            sentence = rng.choice(FILLER)
            lines.append(sentence)
            body_len += len(sentence) + 1
        lines += ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", signer]
        yield IndexEntry(
            id=doc_id,
            version=f"v{doc_id}",
            source_name=f"scan_{doc_id:06d}.pdf",
            unit=unit,
            unit_name=unit_name,
            fields={
                "doc_type": kind.doc_type,
                "title": kind.title,
                "number": number,
                "issued_date": f"{year}-{month:02d}-{day:02d}",
                "issuer": f"UBND {unit_name}",
                "subject_names": names,
                "id_numbers": ids,
                "signer": signer,
                "field": kind.field,
            },
            text="\n".join(lines),
        )


# -- the query mix -----------------------------------------------------------------------


@dataclass
class BenchQuery:
    kind: str
    text: str
    target: int | None = None  # a document that must be in the top 10
    first: bool = False  # ... and ranked first
    units: list[str] | None = None
    doc_type: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"


def make_queries(count: int, seed: int = 4) -> list[BenchQuery]:
    """50 desk queries built from sampled documents (so each has a known target)."""
    rng = random.Random(seed + 1)
    picks = sorted(rng.sample(range(1, count + 1), 40))
    wanted = set(picks)
    docs = {e.id: e for e in generate(count, seed) if e.id in wanted}
    queries: list[BenchQuery] = []
    # full names with diacritics (targets: unique only with the ID, so no target for names)
    for doc_id in picks[:8]:
        queries.append(BenchQuery("name accented", docs[doc_id].fields["subject_names"][0]))
    for doc_id in picks[8:16]:
        queries.append(BenchQuery("name folded", fold(docs[doc_id].fields["subject_names"][0])))
    for text in ['"Nguyễn Văn Hùng"', '"nguyen thi huong"', '"Nguyễn Thị Thu Hà"', '"tran van long"',
                 '"Lê Thị Lan"', "nguyen thi thu ha ket hon"]:  # fmt: skip
        queries.append(BenchQuery("common name", text))
    for doc_id in picks[16:22]:
        queries.append(BenchQuery("number", docs[doc_id].fields["number"], target=doc_id))
    queries.append(BenchQuery("number part", "qd-ubnd"))
    queries.append(BenchQuery("number part", "gcnkh"))
    for doc_id in picks[22:28]:
        queries.append(BenchQuery("id", docs[doc_id].fields["id_numbers"][0], target=doc_id, first=True))
    for text in ['"giấy phép xây dựng"', '"tinh trang hon nhan"', '"nghĩa vụ thuế"', "khởi công xây dựng",
                 '"dang ky ho kinh doanh"', "chứng thực bản chính"]:  # fmt: skip
        queries.append(BenchQuery("body phrase", text))
    for doc_id in picks[28:34]:
        doc = docs[doc_id]
        name = doc.fields["subject_names"][0]
        year = doc.fields["issued_date"][:4]
        queries.append(
            BenchQuery(
                "filtered",
                fold(name),
                target=doc_id,
                units=[doc.unit or ""],
                doc_type=doc.fields["doc_type"],
                date_from=f"{year}-01-01",
                date_to=f"{year}-12-31",
            )
        )
    queries.append(BenchQuery("filtered", "hon nhan", units=["P01", "P02"], sort="date"))
    queries.append(BenchQuery("filtered", "", units=["TP"], date_from="2019-01-01", date_to="2019-12-31"))
    # number queries: the whole number is shared by several documents (numbering restarts each
    # year and per unit), so the target is required in the top 10, and first only with its ID.
    for q in queries:
        if q.kind == "number":
            q.first = False
    return queries[:50]


# -- sohoa -------------------------------------------------------------------------------


def run_sohoa(
    index_dir: Path, count: int, seed: int, queries: list[BenchQuery], backend: str, options: Options
) -> dict:
    index = open_backend(backend, index_dir, lock_timeout=600, **postgres_options(backend))
    if options.reuse and not index.needs_rebuild and index.count() == count:
        return query_figures(index, index_dir, count, queries, backend, options, build=None)
    cpu_before, workers_before = _cpu_seconds(), _cpu_seconds(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    index.rebuild(generate(count, seed))
    build = time.perf_counter() - started
    build_cpu = _cpu_seconds() - cpu_before
    workers_cpu = _cpu_seconds(resource.RUSAGE_CHILDREN) - workers_before
    figures = (build, build_cpu, workers_cpu)
    return query_figures(index, index_dir, count, queries, backend, options, build=figures)


def query_figures(
    index: object,
    index_dir: Path,
    count: int,
    queries: list[BenchQuery],
    backend: str,
    options: argparse.Namespace,
    build: tuple[float, float, float] | None,
) -> dict:
    """The query half of :func:`run_sohoa` (``build`` is None for an index reused as it was)."""
    size = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) or postgres_size(backend)
    cold = []
    for text in ("Nguyễn Thị Thu Hà", "nguyen van hung ket hon", "1234/QĐ-UBND"):
        fresh = open_backend(backend, index_dir, **postgres_options(backend))  # nothing opened yet
        t0 = time.perf_counter()
        search(fresh, text, limit=10)
        cold.append((time.perf_counter() - t0) * 1000)
        fresh.close()
    search(index, "khởi động")  # open the searcher once, as a desk session would
    timings, cpu_timings, found, first, failures, crowded = [], [], 0, 0, [], []
    for q in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        result = search(
            index, q.text, units=q.units, doc_type=q.doc_type, date_from=q.date_from, date_to=q.date_to,
            sort=q.sort, limit=10,
        )  # fmt: skip
        timings.append((time.perf_counter() - t0) * 1000)
        cpu_timings.append((time.process_time() - c0) * 1000)
        if q.target is not None:
            ids = [h.id for h in result.hits]
            if q.target in ids:
                found += 1
                first += ids[0] == q.target
            else:
                failures.append(q.text)
                # A number shared by more than 10 documents (numbering restarts each year: ~47
                # documents a number at 1,000,000) cannot put one given document in the top 10;
                # what can be asked is that all ten carry the number.
                if (
                    q.kind == "number"
                    and result.total > 10
                    and all(h.fields.get("number") == q.text for h in result.hits)
                ):
                    crowded.append(q.text)
    with_target = [q for q in queries if q.target is not None]
    must_first = [q for q in queries if q.first]
    first_ok = 0
    for q in must_first:
        result = search(index, q.text, limit=1)
        first_ok += bool(result.hits) and result.hits[0].id == q.target
    stages = breakdown(index, queries, options.breakdown) if options.breakdown else None
    index.close()
    build_s, build_cpu, workers_cpu = build or (float("nan"), float("nan"), float("nan"))
    return {
        "build_s": build_s,
        "docs_per_s": count / build_s,
        "build_cpu_s": build_cpu,
        "workers_cpu_s": workers_cpu,  # the rest is the main process generating and feeding
        # what two free cores would do: all index CPU time spread over them
        "docs_per_cpu2_s": count / max(build_cpu / 2, 1e-9),
        "index_mb": size / 1e6,
        "stages": stages,
        "timings": timings,
        "cpu_timings": cpu_timings,
        "cold_ms": cold,
        "recall_at_10": found / len(with_target) if with_target else None,
        "first_ok": f"{first_ok}/{len(must_first)}",
        "failures": failures,
        "crowded_numbers": crowded,
    }


def breakdown(index: object, queries: list[BenchQuery], rounds: int) -> list[dict]:
    """Per query, the median CPU ms of each stage over ``rounds`` runs: ``plan`` (parse and
    compile), the engine's part (for tantivy: ``translate`` to its query, ``search`` without a
    count, ``count`` = what counting adds, ``fetch`` of stored fields; for others one
    ``execute``), ``snippets`` (one per hit shown)."""
    from sohoa.search import plan as ex

    rows = []
    for q in queries:
        runs: list[dict] = []
        for _ in range(rounds):
            stage: dict = {}
            c0 = time.process_time()
            filters = search_filters(q.units, q.doc_type, None, q.date_from, q.date_to)
            node, highlight = build_plan(index, q.text, filters=filters)
            stage["plan"] = time.process_time() - c0
            request = ex.Request(node, limit=10, sort=q.sort if q.text.strip() else "date")
            if getattr(index, "name", "") == "tantivy":
                bodies, total = _tantivy_stages(index, request, stage)
            else:
                c0 = time.process_time()
                page = index.execute(request)
                stage["execute"] = time.process_time() - c0
                bodies, total = [m.body for m in page.matches], page.total
            c0 = time.process_time()
            for body in bodies:
                make_snippet(body, highlight)
            stage["snippets"] = time.process_time() - c0
            stage["total"] = total
            runs.append(stage)
        row = {"kind": q.kind, "text": q.text, "total": runs[0]["total"]}
        for name in runs[0]:
            if name != "total":
                row[name] = sorted(r[name] for r in runs)[len(runs) // 2] * 1000
        rows.append(row)
    return rows


def _tantivy_stages(index: object, request: object, stage: dict) -> tuple[list[str], int]:
    """The stages of the tantivy backend's ``execute``, timed one by one (same calls)."""
    from sohoa.search._tantivy import _Translator

    def run(searcher: object) -> tuple[list[str], int]:
        c0 = time.process_time()
        try:
            translator = _Translator(index._handle.schema, searcher)
        except TypeError:  # the backend as it was before pairs were picked by rarity (before/after runs)
            translator = _Translator(index._handle.schema)
        query = translator(request.node)
        stage["translate"] = time.process_time() - c0
        kwargs = {"order_by_field": "recency"} if request.sort == "date" else {}
        c0 = time.process_time()
        result = searcher.search(query, request.limit, count=False, **kwargs)
        stage["search"] = time.process_time() - c0
        c0 = time.process_time()
        total = searcher.search(query, request.limit, count=True, **kwargs).count
        stage["count"] = max(time.process_time() - c0 - stage["search"], 0.0)
        c0 = time.process_time()
        bodies = [searcher.doc(address)["body"][0].decode("utf-8") for _, address in result.hits]
        stage["fetch"] = time.process_time() - c0
        return bodies, total

    return index._read(run, ([], 0))


# -- PostgreSQL: the postgres backend keeps its index in a database, in a schema of this run ----

PG_URL = os.environ.get("SOHOA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PG_SCHEMA = f"sohoa_bench_{os.getpid()}"


def postgres_options(backend: str) -> dict:
    """What opening ``backend`` needs besides a folder: for postgres, a URL on a fresh schema
    (dropped by the parent when the engine's child ends; ``SOHOA_BENCH_PG_URL`` names the server
    and database)."""
    if backend != "postgres":
        return {}
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{PG_SCHEMA}"'))
    engine.dispose()
    return {"url": f"{PG_URL}?options=-csearch_path%3D{PG_SCHEMA}"}


def postgres_size(backend: str) -> int:
    """Bytes of the postgres backend's tables and indexes (TOAST included); 0 for other engines."""
    if backend != "postgres":
        return 0
    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_options(backend)["url"])
    with engine.connect() as conn:
        size = conn.execute(
            text(
                "SELECT pg_total_relation_size('search_documents') + pg_total_relation_size('search_words') "
                "+ pg_total_relation_size('search_stored')"
            )
        ).scalar()
    engine.dispose()
    return int(size or 0)


def _drop_postgres_schema() -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE'))
    engine.dispose()


# -- SQLite FTS5 --------------------------------------------------------------------------


def _fts_query(text: str) -> str:
    """The same desk query in FTS5 syntax: words ANDed, phrases quoted, numbers as phrases."""
    parts = []
    phrase = None
    for token in text.replace("“", '"').split():
        if phrase is not None:
            phrase.append(token.strip('"'))
            if token.endswith('"'):
                parts.append('"' + " ".join(phrase) + '"')
                phrase = None
            continue
        if token.startswith('"') and not (token.endswith('"') and len(token) > 1):
            phrase = [token.strip('"')]
            continue
        words = [w for w in "".join(c if c.isalnum() else " " for c in token).split() if w]
        if len(words) > 1:
            parts.append('"' + " ".join(words) + '"')
        elif words:
            parts.append('"' + words[0] + '"')
    if phrase:
        parts.append('"' + " ".join(phrase) + '"')
    return " ".join(parts)


def run_fts5(db_path: Path, count: int, seed: int, queries: list[BenchQuery]) -> dict:
    """SQLite FTS5 over pre-folded columns, with the same filters, totals and snippets."""
    con = sqlite3.connect(db_path)
    con.executescript(
        """
        PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
        CREATE TABLE doc(id INTEGER PRIMARY KEY, unit TEXT, doc_type TEXT, issued TEXT, source_name TEXT);
        CREATE VIRTUAL TABLE doc_fts USING fts5(body, names, number, ids,
            tokenize = "unicode61 remove_diacritics 2");
        CREATE INDEX doc_unit ON doc(unit); CREATE INDEX doc_issued ON doc(issued);
        """
    )
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    with con:
        for e in generate(count, seed):
            f = e.fields
            con.execute("INSERT INTO doc VALUES (?,?,?,?,?)",
                        (e.id, e.unit, f["doc_type"], f["issued_date"], e.source_name))  # fmt: skip
            # Pre-folded (đ -> d included), as sohoa folds: remove_diacritics alone misses đ.
            con.execute(
                "INSERT INTO doc_fts(rowid, body, names, number, ids) VALUES (?,?,?,?,?)",
                (e.id, fold(e.text), fold(" ; ".join(f["subject_names"])), fold(f["number"]),
                 " ".join(f["id_numbers"])),
            )  # fmt: skip
    build = time.perf_counter() - started
    build_cpu = _cpu_seconds() - cpu_before
    con.execute("SELECT count(*) FROM doc_fts WHERE doc_fts MATCH 'khoi'").fetchall()
    timings, cpu_timings, found, failures = [], [], 0, []
    for q in queries:
        where, args = [], []
        if q.units:
            where.append(f"doc.unit IN ({','.join('?' * len(q.units))})")
            args += q.units
        if q.doc_type:
            where.append("doc.doc_type = ?")
            args.append(q.doc_type)
        if q.date_from:
            where.append("doc.issued >= ?")
            args.append(q.date_from)
        if q.date_to:
            where.append("doc.issued <= ?")
            args.append(q.date_to)
        match = _fts_query(fold(q.text))
        order = "doc.issued DESC" if q.sort == "date" else "rank"
        joined = "FROM doc_fts JOIN doc ON doc.id = doc_fts.rowid WHERE doc_fts MATCH ?"
        extra = "".join(" AND " + w for w in where)
        plain = " AND ".join(where) or "1"
        t0, c0 = time.perf_counter(), time.process_time()
        if match:  # the hit list with snippets, and the total, as sohoa computes both
            snippet = "snippet(doc_fts, 0, '[[', ']]', '…', 24)"
            sql = f"SELECT doc.id, {snippet} {joined}{extra} ORDER BY {order} LIMIT 10"
            rows = con.execute(sql, [match, *args]).fetchall()
            con.execute(f"SELECT count(*) {joined}{extra}", [match, *args]).fetchone()
        else:
            sql = f"SELECT doc.id, '' FROM doc WHERE {plain} ORDER BY doc.issued DESC LIMIT 10"
            rows = con.execute(sql, args).fetchall()
            con.execute(f"SELECT count(*) FROM doc WHERE {plain}", args).fetchone()
        timings.append((time.perf_counter() - t0) * 1000)
        cpu_timings.append((time.process_time() - c0) * 1000)
        if q.target is not None:
            if q.target in [r[0] for r in rows]:
                found += 1
            else:
                failures.append(q.text)
    con.close()
    size = sum(p.stat().st_size for p in db_path.parent.glob(db_path.name + "*"))
    with_target = [q for q in queries if q.target is not None]
    return {
        "build_s": build,
        "docs_per_s": count / build,
        "build_cpu_s": build_cpu,
        "docs_per_cpu2_s": count / max(build_cpu, 1e-9),  # one process: it cannot use the 2nd core
        "index_mb": size / 1e6,
        "timings": timings,
        "cpu_timings": cpu_timings,
        "recall_at_10": found / len(with_target) if with_target else None,
        "failures": failures,
    }


# -- measuring ----------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def _cpu_seconds(who: int | None = None) -> float:
    """CPU time of this process and its finished children (the index workers), or of one."""
    total = 0.0
    for kind in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        if who is None or who == kind:
            usage = resource.getrusage(kind)
            total += usage.ru_utime + usage.ru_stime
    return total


# -- engines: one small function each (name -> figures); each runs in a process of its own ----


def engine_tantivy(work: Path, count: int, seed: int, queries: list[BenchQuery], options: Options) -> dict:
    return run_sohoa(work / "index-tantivy", count, seed, queries, "tantivy", options)


def engine_whoosh(work: Path, count: int, seed: int, queries: list[BenchQuery], options: Options) -> dict:
    return run_sohoa(work / "index-whoosh", count, seed, queries, "whoosh", options)


def engine_postgres(work: Path, count: int, seed: int, queries: list[BenchQuery], options: Options) -> dict:
    return run_sohoa(work / "index-postgres", count, seed, queries, "postgres", options)


def engine_fts5(work: Path, count: int, seed: int, queries: list[BenchQuery], options: Options) -> dict:
    return run_fts5(work / "fts5.db", count, seed, queries)


Engine = Callable[[Path, int, int, list[BenchQuery], Options], dict]
ENGINES: dict[str, Engine] = {
    "tantivy": engine_tantivy,
    "whoosh": engine_whoosh,
    "postgres": engine_postgres,
    "fts5": engine_fts5,
}


def run_engine(
    name: str, work: Path, count: int, seed: int, queries: list[BenchQuery], options: argparse.Namespace
) -> dict:
    """Run one engine in a forked child, so its peak memory and CPU time are its own."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def target() -> None:
        try:
            figures = ENGINES[name](work, count, seed, queries, options)
            figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            sender.send(("ok", figures))
        except BaseException as exc:  # reported by the parent, which goes on with the others
            sender.send(("error", f"{type(exc).__name__}: {exc}"))

    process = context.Process(target=target)
    process.start()
    try:
        status, payload = receiver.recv()
        process.join()
    finally:
        if name == "postgres":  # the child's atexit never runs (forked children leave by os._exit)
            _drop_postgres_schema()
    if status != "ok":
        raise RuntimeError(f"{name}: {payload}")
    return payload


# -- report -----------------------------------------------------------------------------------


def describe(name: str, r: dict) -> str:
    t, c = r["timings"], r["cpu_timings"]
    text = (
        f"{name:8} build {r['docs_per_s']:5.0f} docs/s wall, "
        f"{r['docs_per_cpu2_s']:5.0f} docs/s on 2 free cores, "
        f"{r['build_cpu_s'] / r['docs'] * 1000:.2f} CPU-s per 1,000 docs "
        f"({r['build_s']:.0f} s, {r['build_cpu_s']:.0f} CPU-s)\n"
        f"         index {r['index_mb']:.0f} MB, peak RSS {r['peak_rss_mb']:.0f} MB\n"
        f"         query wall p50 {percentile(t, 0.5):5.1f} ms p95 {percentile(t, 0.95):6.1f} ms "
        f"max {max(t):6.1f} ms | CPU p50 {percentile(c, 0.5):5.1f} ms "
        f"p95 {percentile(c, 0.95):6.1f} ms | recall@10 {r['recall_at_10']:.0%}"
    )
    if "first_ok" in r:
        text += f"  numbers/IDs first {r['first_ok']}"
    if "cold_ms" in r:
        cold = ", ".join(f"{c:.0f}" for c in r["cold_ms"])
        text += f"\n         cold first queries (new index object) {cold} ms"
    if r["failures"]:
        text += f"\n         missed: {r['failures']}"
    if r.get("crowded_numbers"):
        text += (
            f"\n         of which numbers carried by over 10 documents, all 10 hits carrying them: "
            f"{r['crowded_numbers']}"
        )
    if r.get("stages"):
        text += "\n" + describe_stages(r["stages"])
    return text


def describe_stages(stages: list[dict]) -> str:
    """Mean CPU ms per query kind and stage (a stage's median over the rounds)."""
    names = [k for k in stages[0] if k not in ("kind", "text", "total")]
    lines = ["         CPU ms per query, mean by kind: " + " ".join(f"{n:>9}" for n in names) + "   matches"]
    kinds = list(dict.fromkeys(st["kind"] for st in stages))
    for kind in kinds:
        rows = [st for st in stages if st["kind"] == kind]
        means = [sum(r[n] for r in rows) / len(rows) for n in names]
        total = sum(r["total"] for r in rows) / len(rows)
        lines.append(f"         {kind:31} " + " ".join(f"{m:9.2f}" for m in means) + f"   {total:7.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument(
        "--engine",
        "--backend",
        action="append",
        choices=list(ENGINES),
        help="engine(s) to measure (default: all)",
    )
    parser.add_argument("--no-fts5", action="store_true", help="leave SQLite FTS5 out of the default engines")
    parser.add_argument("--dir", type=Path, help="work directory (default: a temporary one, removed)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--verbose", action="store_true", help="print each query's latency")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --dir: query the index an earlier run of the same --docs left there, not rebuilding",
    )
    parser.add_argument(
        "--breakdown",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="also time each stage of each query (plan, engine search, count, stored fields, snippets), "
        "the median CPU of ROUNDS runs, summed per query kind",
    )
    args = parser.parse_args(argv)
    if args.reuse and args.dir is None:
        parser.error("--reuse needs --dir (the folder of the earlier run)")

    work = args.dir or Path(tempfile.mkdtemp(prefix="sohoa-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    queries = make_queries(args.docs, args.seed)
    results: dict[str, dict] = {}
    try:
        for name in args.engine or [n for n in ENGINES if not (args.no_fts5 and n == "fts5")]:
            results[name] = run_engine(name, work, args.docs, args.seed, queries, args)
            results[name]["docs"] = args.docs
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()

    print(f"{args.docs} documents, {len(queries)} queries, {os.cpu_count()} CPUs, "
          f"load average {load_before[0]:.2f} before / {load_after[0]:.2f} after")  # fmt: skip
    for name, figures in results.items():
        print(describe(name, figures))
    fts = results.get("fts5")
    for name, ours in results.items():
        if fts and name != "fts5":
            print(
                "{}/FTS5: build on free cores {:.2f}x, wall p50 {:.2f}x, p95 {:.2f}x, size {:.2f}x".format(
                    name,
                    ours["docs_per_cpu2_s"] / fts["docs_per_cpu2_s"],
                    percentile(ours["timings"], 0.5) / percentile(fts["timings"], 0.5),
                    percentile(ours["timings"], 0.95) / percentile(fts["timings"], 0.95),
                    ours["index_mb"] / fts["index_mb"],
                )
            )
    if args.verbose:  # per query: wall and CPU (CPU is what a loaded machine leaves comparable)
        names = list(results)
        print("  " + "".join(f"{n + ' wall/CPU':>20}" for n in names))
        for i, q in enumerate(queries):
            row = "".join(
                f"{results[n]['timings'][i]:7.1f} /{results[n]['cpu_timings'][i]:6.1f} ms" for n in names
            )
            print(f"  {row}  {q.kind:14} {q.text}")
    if args.json:
        report = {"docs": args.docs, "load": [load_before, load_after], "engines": results}
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
