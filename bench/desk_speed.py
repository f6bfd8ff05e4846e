"""The web desk's speed: search page server time, dashboard time, first page weight, and 20
concurrent users on loopback, on an archive at scale.

Builds (seeded) an archive whose index holds N synthetic documents (``search_speed.generate``)
and whose register holds R rows with D documents (``report_speed.generate``), adds an admin and
a ward's staff member, then:

* search page: the 50-query desk mix of ``search_speed`` as ``GET /search?q=…`` through the
  app in-process (server time: routing, auth, use case, template), as admin and as ward staff;
* dashboard: ``GET /dashboard?period=2024`` as admin (every unit), three times;
* first page: bytes of the search page with results plus its stylesheet and its small script (no font);
* load: ``sohoa serve`` in a subprocess, 20 threads each logged in as its own session doing 10
  searches and a document-free dashboard-less mix, counting errors (must be 0).

    .venv/bin/python bench/desk_speed.py                               # 100,000 docs, 1,000,000 rows
    .venv/bin/python bench/desk_speed.py --docs 20000 --rows 100000 --reg-docs 20000   # quick
    .venv/bin/python bench/desk_speed.py --db-url \
        'postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Ddeskbench'  # PostgreSQL

With ``--db-url`` the archive's rows go to that database (an empty schema: create it first); its
files and search index stay in the work folder. Dashboard lines give wall clock and, in brackets,
this process's CPU time (the database server's own CPU is not in it).

Goals (issue 11): search page p95 <= 150 ms at 100,000 documents; dashboard <= 1 s at 1,000,000
register rows; first page <= 300 KB; 20 concurrent users with no errors. The CPU is shared:
the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import ModuleType

import httpx2 as httpx
from starlette.testclient import TestClient

from sohoa.app import Actor
from sohoa.app import users as app_users
from sohoa.archive.indexing import backend_name
from sohoa.archive.store import open_archive
from sohoa.search import open_backend
from sohoa.web import create_app

HERE = Path(__file__).resolve().parent
PASSWORD = "mat-khau-bench-01"


def _bench_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _login(client: httpx.Client | TestClient, name: str) -> None:
    token = _csrf(client.get("/login").text)
    done = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert done.status_code in (200, 303), done.status_code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="documents in the search index")
    parser.add_argument("--rows", type=int, default=1_000_000, help="register rows")
    parser.add_argument("--reg-docs", type=int, default=200_000, help="document rows for the report")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument(
        "--reuse", type=Path, help="the work folder of an earlier run (its archive is reused as built)"
    )
    parser.add_argument(
        "--db-url", help="a database for the archive's rows (default: SQLite in the work folder)"
    )
    args = parser.parse_args()
    search_speed, report_speed = _bench_module("search_speed"), _bench_module("report_speed")
    print(f"load average: {os.getloadavg()}")
    work = args.reuse or Path(tempfile.mkdtemp(prefix="desk-bench-"))
    archive = open_archive(work / "home", args.db_url)
    if args.reuse is None:
        t0 = time.perf_counter()
        index = open_backend(backend_name(archive), archive.index_dir, lock_timeout=600)
        index.rebuild(search_speed.generate(args.docs))
        index.close()
        print(f"index of {args.docs} documents built in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        report_speed.generate(archive, args.rows, args.reg_docs)
        print(f"{args.rows} register rows and {args.reg_docs} documents in {time.perf_counter() - t0:.1f} s")
    else:
        print(f"reusing {work} (built with --docs/--rows/--reg-docs as that run was given)")
    admin = Actor("bench", "admin")
    present = {u.name for u in app_users.list_users(archive, admin)}
    for name, role, units in (
        ("quantri", "admin", []), ("canbo", "staff", ["khai-quang"]), ("lanhdao", "manager", ["khai-quang"]),
    ):  # fmt: skip
        if name not in present:
            app_users.add_user(archive, admin, name, role, units, PASSWORD)

    app = create_app(archive)
    queries = search_speed.make_queries(50)
    for who in ("quantri", "canbo"):
        client = TestClient(app)
        _login(client, who)
        client.get("/search", params={"q": "khởi động"})
        times = []
        for q in queries:
            began = time.perf_counter()
            answer = client.get("/search", params={"q": q.text})
            times.append((time.perf_counter() - began) * 1000)
            assert answer.status_code == 200, answer.text[:300]
        print(
            f"search page as {who}: p50 {percentile(times, 50):.1f} ms, p95 {percentile(times, 95):.1f} ms, "
            f"max {max(times):.1f} ms over {len(times)} queries (goal p95 <= 150 ms)"
        )
    client = TestClient(app)
    _login(client, "quantri")
    page = client.get("/search", params={"q": "Nguyễn Thị Thu Hà"})
    css = client.get("/static/desk.css")
    script = client.get("/static/desk.js")
    total = len(page.content) + len(css.content) + len(script.content)
    print(
        f"first page: search results {len(page.content) / 1024:.1f} KB + stylesheet "
        f"{len(css.content) / 1024:.1f} KB + script {len(script.content) / 1024:.1f} KB "
        f"= {total / 1024:.1f} KB "
        "(goal <= 300 KB; no web font)"
    )
    dash = []
    for _ in range(3):
        began, cpu = time.perf_counter(), time.process_time()
        answer = client.get("/dashboard", params={"period": "2024"})
        dash.append((time.perf_counter() - began, time.process_time() - cpu))
        assert answer.status_code == 200
    print(f"dashboard as admin (every unit, {args.rows} rows): {_timings(dash)} (goal <= 1 s)")
    ward = TestClient(app)
    _login(ward, "lanhdao")
    dash = []
    for _ in range(3):
        began, cpu = time.perf_counter(), time.process_time()
        assert ward.get("/dashboard", params={"period": "2024"}).status_code == 200
        dash.append((time.perf_counter() - began, time.process_time() - cpu))
    print(f"dashboard as a ward's manager: {_timings(dash)} (goal <= 1 s)")

    port = _free_port()
    where = ["--home", str(archive.home), *(["--db-url", args.db_url] if args.db_url else [])]
    server = subprocess.Popen(
        [sys.executable, "-m", "sohoa.cli", *where, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_port(port)
        errors: list[str] = []
        latencies: list[float] = []
        lock = threading.Lock()

        def one_user(n: int) -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
                try:
                    _login(http, "canbo" if n % 2 else "quantri")
                    for q in queries[n % 5 :: 5]:
                        began = time.perf_counter()
                        answer = http.get("/search", params={"q": q.text})
                        with lock:
                            latencies.append((time.perf_counter() - began) * 1000)
                            if answer.status_code != 200:
                                errors.append(f"{answer.status_code} {q.text}")
                except Exception as exc:  # noqa: BLE001 - counted and printed
                    with lock:
                        errors.append(repr(exc))

        began = time.perf_counter()
        threads = [threading.Thread(target=one_user, args=(n,)) for n in range(args.users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        print(
            f"{args.users} concurrent users on loopback: {len(latencies)} searches in {wall:.1f} s, "
            f"p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms, "
            f"errors {len(errors)}" + (f": {errors[:3]}" if errors else "")
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
        archive.close()
    print(f"load average: {os.getloadavg()}; work folder {work} (delete it when done)")


def _timings(runs: list[tuple[float, float]]) -> str:
    """Wall-clock seconds with this process's CPU seconds in brackets: '0.52 (cpu 0.31), …'."""
    return ", ".join(f"{wall:.2f} (cpu {cpu:.2f})" for wall, cpu in runs) + " s"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("sohoa serve did not start")


if __name__ == "__main__":
    main()
